// The Stress view's settings are exactly what the stress engine uses: "model" in the
// issue is the load model (closed -c N, open --rate, stages), not a name sent to the
// gateway, so the contract has no free-text model field.
import { describe, expect, it } from 'vitest';
import { stressConfigSchema } from '../../../src-shared/api/models.js';
import { toEngineConfig } from '../../../src-main/services/stress-service.js';

describe('stress config contract', () => {
  it('has no model-name field, and the load model is chosen by concurrency, rate or stages', () => {
    expect(Object.keys(stressConfigSchema.shape)).not.toContain('model');
    const parsed = stressConfigSchema.parse({ rate: 50, model: 'whisper-large' });
    expect(parsed).not.toHaveProperty('model');
    expect(toEngineConfig(parsed, 'ws://127.0.0.1:1/ws/asr', '')).toMatchObject({ ratePerSecond: 50 });
    expect(
      toEngineConfig(stressConfigSchema.parse({ concurrency: 5 }), 'ws://127.0.0.1:1/ws/asr', ''),
    ).toMatchObject({ concurrency: 5 });
    expect(stressConfigSchema.safeParse({ durationSec: 5 }).success).toBe(false); // no load model at all
  });
});
