// Every bad input is one line that names the field as the user knows it (the flag, the
// Settings label) and the rule, once: no zod paths ("durationMs:", "0:"), no zod wording
// ("Too big: expected number"), no commander two-liners with exit 1. And the cases that
// used to mislead: a token-less status against a gateway that wants one, an unusable
// --report-dir found after the traffic, a --renderer-dir that does not exist, a truncated WAV.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applySettingsPatch } from '../../../src-shared/api/settings-validation.js';
import { defaultSettings } from '../../../src-main/services/settings-store.js';
import { REPO_ROOT, ensureBuilt } from '../../helpers/build.js';
import { runEarshot } from '../../helpers/earshot-cli.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';

const SPEECH = join(REPO_ROOT, 'test', 'fixtures', 'short-01-rms.wav');
let tmp: string;
let gateway: TestGateway;

beforeAll(async () => {
  await ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'earshot-messages-'));
  gateway = await startGateway(['--token', 'wants-a-token-7'], { skipBuild: true });
});

afterAll(async () => {
  await gateway?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0];
}

describe('bad input', () => {
  it.each([
    [['stress', '--bogus'], "earshot: unknown option '--bogus' (see --help)"],
    [['transcribe'], "earshot: missing required argument 'file' (see --help)"],
    [['outbox', 'retry'], "earshot: missing required argument 'id' (see --help)"],
    [['bogus'], "earshot: unknown command 'bogus' (see --help)"],
  ])('%j: exit 2, one line', async (args, line) => {
    const result = await runEarshot(args);
    expect(result.code).toBe(2);
    expect(oneLine(result.stderr)).toBe(line);
  });

  it.each([
    [['-c', '500000', '-d', '1s'], 'earshot: -c/--concurrency must be <= 100000'],
    [['-d', '0s'], 'earshot: -d/--duration must be > 0'],
    [['--chunk-ms', '50ms', '-d', '1s'], 'earshot: --chunk-ms must be >= 100'],
    [['--threads', '100', '-d', '1s'], 'earshot: --threads must be <= 64'],
    [[], 'earshot: give a duration (-d 30s) or ramp stages (--stage 30s:100)'],
  ])('stress %j names the flag and the rule', async (args, line) => {
    const result = await runEarshot(['stress', '--url', 'ws://127.0.0.1:9/ws/asr', ...args]);
    expect(result.code).toBe(2);
    expect(oneLine(result.stderr)).toBe(line);
  });

  it('a Settings gateway URL is named by its place in the list', () => {
    const result = applySettingsPatch(defaultSettings(tmp), {
      gatewayUrls: ['ws://127.0.0.1:8081/ws/asr', 'ftp://nope'],
    });
    expect(result).toEqual({
      ok: false,
      errors: { gatewayUrls: 'gateway URL 2 must be a ws:// or wss:// URL, e.g. ws://127.0.0.1:8081/ws/asr' },
    });
  });
});

describe('what used to mislead', () => {
  it('status without a token says the gateway needs one, not that it refused it', async () => {
    const result = await runEarshot(['status', '--url', gateway.url]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^state +unauthorized$/m);
    expect(result.stdout).toMatch(
      /^error +gateway at \S+ needs a token \(HTTP 401\) and none was given; give it with --token or \$EARSHOT_TOKEN$/m,
    );
    const wrong = await runEarshot(['status', '--url', gateway.url, '--token', 'not-it']);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toMatch(/^error +gateway at \S+ refused the token \(HTTP 401\)$/m);
  });

  it('a --report-dir that cannot be written fails before any traffic', async () => {
    const file = join(tmp, 'a-file');
    writeFileSync(file, 'x');
    // Without --url the run would start an embedded gateway first: it must not get that far.
    const result = await runEarshot(['stress', '-c', '1', '-d', '1s', '--report-dir', join(file, 'reports')]);
    expect(result.code).toBe(2);
    expect(oneLine(result.stderr)).toBe(
      `earshot: --report-dir ${join(file, 'reports')} cannot be created: ${file} is a file, not a folder`,
    );
    expect(result.stdout).toBe('');
  });

  it('web --renderer-dir that does not exist refuses to start', async () => {
    const result = await runEarshot(['web', '--renderer-dir', join(tmp, 'nonexistent')]);
    expect(result.code).toBe(2);
    expect(oneLine(result.stderr)).toBe(`earshot: --renderer-dir ${join(tmp, 'nonexistent')} does not exist`);
  });

  it('a truncated WAV is an error: none of its audio -> exit 1 with the reason; part of it -> its text, and exit 1', async () => {
    const bytes = readFileSync(SPEECH);
    const headerOnly = join(tmp, 'header-only.wav');
    writeFileSync(headerOnly, bytes.subarray(0, 44));
    const empty = await runEarshot([
      'transcribe',
      headerOnly,
      '--url',
      gateway.url,
      '--token',
      'wants-a-token-7',
    ]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/no audio: the file ends right after its header \(truncated\)/);
    expect(empty.stderr).not.toMatch(/no speech found/);

    const half = join(tmp, 'half.wav');
    writeFileSync(half, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const partial = await runEarshot([
      'transcribe',
      half,
      '--url',
      gateway.url,
      '--token',
      'wants-a-token-7',
    ]);
    expect(partial.code).toBe(1);
    expect(partial.stderr).toMatch(/\(truncated file\); read the \d+/);
    expect(partial.stdout.trim()).toMatch(/^synthetic transcript/);
  });
});
