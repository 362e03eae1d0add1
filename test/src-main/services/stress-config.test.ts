// One stress configuration (src-shared/stress/config.ts) for `earshot stress`, the Stress
// view and the engine. "model" in the issue is the load model (closed -c N, open --rate,
// stages), not a name sent to the gateway, so the request has no free-text model field.
import { describe, expect, it } from 'vitest';
import {
  parseStage,
  parseStages,
  stressConfigSchema,
  stressRunRequestSchema,
} from '../../../src-shared/stress/config.js';
import { planStressRun } from '../../../src-main/stress/config.js';
import { toEngineConfig } from '../../../src-main/services/stress-service.js';

const URL = 'ws://127.0.0.1:1/ws/asr';

describe('stress config', () => {
  it('has no model-name field, and the load model is chosen by concurrency, rate or stages', () => {
    expect(Object.keys(stressRunRequestSchema.shape)).not.toContain('model');
    expect(stressRunRequestSchema.safeParse({ ratePerSecond: 50, model: 'whisper-large' }).success).toBe(
      false,
    );
    const open = stressRunRequestSchema.parse({ ratePerSecond: 50, durationMs: 5000 });
    expect(toEngineConfig(open, URL, '')).toMatchObject({ ratePerSecond: 50, url: URL });
    const closed = stressRunRequestSchema.parse({ concurrency: 5, durationMs: 5000 });
    expect(planStressRun(toEngineConfig(closed, URL, ''), 2)).toMatchObject({
      model: 'closed',
      concurrency: 5,
    });
  });

  it('takes the stages the CLI takes, and the engine plans them the same from either', () => {
    const stages = parseStages('2m:100, 30s:0');
    expect(stages).toEqual([parseStage('2m:100'), parseStage('30s:0')]);
    expect(stages[0]).toEqual({ durationMs: 120_000, target: 100 });
    const request = stressRunRequestSchema.parse({ stages });
    const fromApp = planStressRun(toEngineConfig(request, URL, ''), 2);
    const fromCli = planStressRun(
      { url: URL, audioPath: 'x.wav', stages: [parseStage('2m:100'), parseStage('30s:0')] },
      2,
    );
    expect(fromApp).toMatchObject({ model: 'open', durationMs: 150_000, stages: fromCli.stages });
    expect(() => parseStages('2m')).toThrow(/DURATION:TARGET/);
    expect(() => parseStages(' , ')).toThrow(/at least one stage/);
  });

  it('holds the app and the CLI to one set of limits', () => {
    const over = { concurrency: 100_001, durationMs: 1000 };
    expect(stressRunRequestSchema.safeParse(over).success).toBe(false);
    expect(stressConfigSchema.safeParse({ ...over, url: URL, audioPath: 'x.wav' }).success).toBe(false);
    const atLimit = { concurrency: 100_000, durationMs: 1000 };
    expect(stressRunRequestSchema.safeParse(atLimit).success).toBe(true);
    expect(stressConfigSchema.safeParse({ ...atLimit, url: URL, audioPath: 'x.wav' }).success).toBe(true);
  });

  it('leaves the token and the gateway pid to main', () => {
    expect(stressRunRequestSchema.safeParse({ concurrency: 1, durationMs: 1000, token: 't' }).success).toBe(
      false,
    );
    expect(
      toEngineConfig(stressRunRequestSchema.parse({ concurrency: 1, durationMs: 1000 }), URL, 'secret', {
        url: URL,
        pid: 42,
      }),
    ).toEqual(expect.objectContaining({ url: URL, token: 'secret', gatewayPid: 42 }));
  });
});
