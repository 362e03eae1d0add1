// The gateway with the neural engine, over real sockets: two worker threads each load
// their own Moonshine session pair; health names the engine and the pinned model; chunks
// of real speech come back as text. A broken model installation stops the gateway from
// starting, with one line saying which file and how to repair it.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../../src-shared/audio/wav.js';
import { MOONSHINE_TINY_EN } from '../../src-shared/models/manifest.js';
import { ensureBuilt } from '../helpers/build.js';
import { GATEWAY_SCRIPT, startGateway, type TestGateway } from '../helpers/gateway.js';
import { fliteFixtures, readPcm } from '../helpers/speech-fixtures.js';
import { corpusWer } from '../helpers/wer.js';
import { health } from './support/health.js';
import { TestClient } from './support/test-client.js';

const run = promisify(execFile);

describe('gateway --engine moonshine', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway(['--engine', 'moonshine', '--workers', '2'], { timeoutMs: 120_000 });
  }, 180_000);
  afterAll(() => gateway?.stop());

  it('names the engine and the model in health', async () => {
    const body = await health(gateway);
    expect(body).toMatchObject({
      status: 'ready',
      engine: 'moonshine',
      workers_ready: 2,
      model: {
        name: MOONSHINE_TINY_EN.id,
        version: `${MOONSHINE_TINY_EN.npmPackage}@${MOONSHINE_TINY_EN.version}`,
      },
    });
    expect((body.model as { sha256: string }).sha256).toMatch(/^[0-9a-f]{12}$/);
  });

  it('recognises a session of real speech chunks', async () => {
    const fixtures = fliteFixtures()
      .filter((f) => f.file.startsWith('short-'))
      .slice(0, 4);
    const client = await TestClient.connect(gateway.url);
    try {
      client.start('moonshine-session');
      await client.nextOfType('ack');
      fixtures.forEach((fixture, index) =>
        client.chunk('moonshine-session', index, encodeWav(readPcm(fixture))),
      );
      client.finish('moonshine-session');
      const final = await client.nextOfType('final_result', 'moonshine-session', 60_000);
      const reference = fixtures.map((f) => f.text).join(' ');
      const wer = corpusWer([{ reference, hypothesis: String(final.text) }]);
      console.log(`final_result (WER ${(wer * 100).toFixed(1)}%): ${String(final.text)}`);
      expect(final.chunk_count).toBe(fixtures.length);
      expect(wer).toBeLessThanOrEqual(0.1);
    } finally {
      await client.close();
    }
  });
});

describe('gateway --engine moonshine with a broken model installation', () => {
  let empty: string;
  beforeAll(async () => {
    await ensureBuilt();
    empty = mkdtempSync(join(tmpdir(), 'earshot-no-models-'));
  }, 300_000);
  afterAll(() => rmSync(empty, { recursive: true, force: true }));

  it('refuses to start, naming the missing file and the command that installs it', async () => {
    const result = await run(process.execPath, [
      GATEWAY_SCRIPT,
      '--port',
      '0',
      '--engine',
      'moonshine',
      '--workers',
      '1',
      '--models-dir',
      empty,
    ]).then(
      () => ({ code: 0, stderr: '', stdout: '' }),
      (error: { code: number; stderr: string; stdout: string }) => error,
    );
    expect(result.code).toBe(1);
    expect(result.stdout).not.toContain('listening');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(join(empty, MOONSHINE_TINY_EN.id, 'encoder_model.onnx'));
    expect(lines[0]).toMatch(/is missing: run "npm run setup"/);
    console.log(lines[0]);
  });
});
