// Scenario files for `earshot stress --scenario FILE`: a run written down in JSON, checked
// by the one stress config schema, every problem named by the file, the field's path and
// the rule; flags on the command line override the file's values. The runs go to a real
// gateway on 127.0.0.1; the example files under examples/stress/ are checked (not run:
// one of them names a remote staging gateway).
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeScenario, targetWarnings } from '../../../src-main/cli/commands/stress.js';
import { planStressRun } from '../../../src-main/stress/config.js';
import { loadScenario } from '../../../src-main/stress/scenario.js';
import { REPO_ROOT, ensureBuilt } from '../../helpers/build.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { runEarshot } from '../../helpers/earshot-cli.js';

let gateway: TestGateway;
let scratch: string;
beforeAll(async () => {
  await ensureBuilt();
  gateway = await startGateway(['--synthetic-rtf', '0.01', '--log-level', 'warn']);
  scratch = mkdtempSync(join(tmpdir(), 'earshot-stress-scenario-'));
});
afterAll(async () => {
  await gateway?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

function writeScenario(name: string, content: unknown): string {
  const file = join(scratch, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

describe('earshot stress --scenario', () => {
  it('runs what the file says, with its audio found beside it, and flags override its values', async () => {
    // The audio sits next to the scenario: a relative path is the file's, not the shell's.
    mkdirSync(join(scratch, 'suite'), { recursive: true });
    writeFileSync(
      join(scratch, 'suite', 'clip.wav'),
      readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'short-01-rms.wav')),
    );
    const file = writeScenario(join('suite', 'smoke.json'), {
      description: 'smoke test of the local gateway',
      url: gateway.url,
      concurrency: 2,
      duration: '1s',
      audio: 'clip.wav',
      chunk: '500ms',
      threads: 1,
      seed: 7,
      thresholds: ['error_rate<0.01', 'completed>=2'],
    });
    const plain = await runEarshot(
      ['stress', '--scenario', file, '--report-dir', join(scratch, 'plain'), '--json'],
      120_000,
    );
    expect(plain.stderr).toBe(`earshot stress: scenario ${file}: smoke test of the local gateway\n`);
    expect(plain.code).toBe(0);
    const report = JSON.parse(readFileSync(join(scratch, 'plain', 'report.json'), 'utf8'));
    expect(report.config).toMatchObject({
      url: gateway.url,
      model: 'closed',
      concurrency: 2,
      durationMs: 1000,
      chunkMs: 500,
      seed: 7,
      thresholds: ['error_rate<0.01', 'completed>=2'],
    });
    expect(report.config.audioPath).toMatch(/clip\.wav$/);
    expect(report.thresholds.map((t: { passed: boolean }) => t.passed)).toEqual([true, true]);
    expect(report.outcomes.ok).toBe(report.sessions.attempted);

    // The command line wins: another load model, another duration, other thresholds.
    const overridden = await runEarshot(
      [
        'stress',
        '--scenario',
        file,
        '--rate',
        '4',
        '-d',
        '2s',
        '--threshold',
        'p99_final_ms<1',
        '--report-dir',
        join(scratch, 'overridden'),
        '--json',
      ],
      120_000,
    );
    expect(overridden.code).toBe(99);
    const second = JSON.parse(readFileSync(join(scratch, 'overridden', 'report.json'), 'utf8'));
    expect(second.config).toMatchObject({ model: 'open', ratePerSecond: 4, durationMs: 2000, chunkMs: 500 });
    expect(second.config.concurrency).toBe(0);
    expect(second.thresholds.map((t: { expression: string }) => t.expression)).toEqual(['p99_final_ms<1']);
    expect(second.sessions.attempted).toBe(8);
  });

  it.each([
    [
      'a rule of one field',
      { concurrency: 0, duration: '1s' },
      (f: string) => `earshot: ${f}: concurrency must be >= 1\n`,
    ],
    [
      'a human form it cannot read, at its path',
      { concurrency: 2, duration: '1s', stages: ['10s:5', '1x:3'] },
      (f: string) =>
        `earshot: ${f}: stages[1]: stage "1x:3" duration "1x" is not a duration like 30s, 2m, 500ms or 1h\n`,
    ],
    [
      'a bad threshold, at its index',
      { concurrency: 2, duration: '1s', thresholds: ['error_rate<0.1', 'p42_final_ms<3'] },
      (f: string) =>
        expect.stringMatching(
          new RegExp(
            `^earshot: ${f.replace(/[.]/g, '\\.')}: thresholds\\[1\\]: threshold "p42_final_ms<3": unknown metric "p42_final_ms"; known: `,
          ),
        ),
    ],
    [
      'a wrong type',
      { concurrency: 2, duration: '1s', insecure: 'yes' },
      (f: string) => `earshot: ${f}: insecure must be a boolean\n`,
    ],
    [
      'a misspelt key',
      { concurrency: 2, duraton: '1s' },
      (f: string) =>
        expect.stringMatching(
          new RegExp(
            `^earshot: ${f.replace(/[.]/g, '\\.')}: unknown field "duraton"; known: description, url, `,
          ),
        ),
    ],
    [
      'a rule across fields',
      { concurrency: 2 },
      () => 'earshot: -d/--duration: give a duration (-d 30s) or ramp stages (--stage 30s:100)\n',
    ],
    [
      'not JSON',
      '{"concurrency": 2,',
      (f: string) =>
        expect.stringMatching(new RegExp(`^earshot: ${f.replace(/[.]/g, '\\.')}: not valid JSON: `)),
    ],
    [
      'not an object',
      '[1, 2]',
      (f: string) =>
        `earshot: ${f}: a scenario is a JSON object like {"concurrency": 50, "duration": "30s"}\n`,
    ],
  ])('refuses %s with one line naming the file, the field and the rule', async (_what, content, expected) => {
    const file = writeScenario(`bad-${readdirSync(scratch).length}.json`, content);
    const result = await runEarshot(['stress', '--scenario', file, '--url', gateway.url], 60_000);
    expect(result.code).toBe(2);
    expect(result.stderr).toEqual(expected(file));
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('refuses a missing file and a YAML file with one line', async () => {
    const missing = await runEarshot(['stress', '--scenario', join(scratch, 'nope.json')], 60_000);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`earshot: cannot read scenario file ${join(scratch, 'nope.json')}: ENOENT\n`);
    const yaml = await runEarshot(
      ['stress', '--scenario', writeScenario('a.yaml', 'concurrency: 2\n')],
      60_000,
    );
    expect(yaml.code).toBe(2);
    expect(yaml.stderr).toMatch(/a\.yaml: scenario files are JSON \(see docs\/stress\.md "Scenario files"\)/);
  });

  it('ships example scenarios that the schema accepts', () => {
    const dir = join(REPO_ROOT, 'examples', 'stress');
    const files = readdirSync(dir).filter((name) => name.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const name of files) {
      const scenario = loadScenario(join(dir, name));
      expect(scenario.description, name).toBeTruthy();
      const plan = planStressRun(
        { url: 'ws://127.0.0.1:1/ws/asr', audioPath: 'x.wav', ...scenario.config },
        cpus().length,
      );
      expect(plan.thresholds.length, name).toBeGreaterThan(0);
    }
  });

  it('lets the command line win, a load model as a whole', () => {
    const file = {
      concurrency: 50,
      durationMs: 30_000,
      thresholds: ['error_rate<0.01'],
      mode: 'short' as const,
    };
    expect(mergeScenario(file, { ratePerSecond: 5 })).toEqual({
      durationMs: 30_000,
      thresholds: ['error_rate<0.01'],
      mode: 'short',
      ratePerSecond: 5,
    });
    expect(mergeScenario(file, { durationMs: 1000, thresholds: ['completed>=1'] })).toMatchObject({
      concurrency: 50,
      durationMs: 1000,
      thresholds: ['completed>=1'],
    });
  });

  it('says where the load goes and what is not protected (no traffic: words only)', () => {
    expect(targetWarnings({ url: 'ws://127.0.0.1:8081/ws/asr', token: 't' }, '--insecure')).toEqual([]);
    expect(targetWarnings({ url: 'ws://asr.staging.example/ws/asr', token: 't' }, '--insecure')).toEqual([
      'earshot stress: target asr.staging.example is not this machine: the load goes over the network (make sure you may load it); its CPU and memory are not sampled',
      'earshot stress: WARNING: the token goes unencrypted over ws:// to asr.staging.example; use wss://',
    ]);
    expect(
      targetWarnings(
        { url: 'wss://asr.staging.example:8443/ws/asr', insecure: true, token: 't' },
        'a.json: insecure',
      ),
    ).toEqual([
      'earshot stress: target asr.staging.example:8443 is not this machine: the load goes over the network (make sure you may load it); its CPU and memory are not sampled',
      'earshot stress: WARNING: a.json: insecure: the TLS certificate of asr.staging.example:8443 is NOT verified; anyone on the path can read and alter this traffic, token included',
    ]);
  });
});
