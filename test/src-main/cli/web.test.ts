// `earshot web` as a test (or a user) starts it: the compiled CLI in a child process,
// printing the URL line; one-line errors for bad flags; SIGTERM ends it cleanly; and a
// web host killed with SIGKILL after a dictation was stored delivers it after a restart.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createWebSocketApi,
  webApiUrlFromPage,
  type WebSocketApi,
  type WebSocketConstructor,
} from '../../../src-shared/api/ws-client.js';
import { decodeProtocolWav } from '../../../src-shared/audio/wav.js';
import { REPO_ROOT, ensureBuilt } from '../../helpers/build.js';
import { startGateway } from '../../helpers/gateway.js';
import { EARSHOT_CLI as CLI, runEarshot, type CliResult } from '../../helpers/earshot-cli.js';

const URL_LINE = /^Earshot web UI: (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)$/m;
const children = new Set<ChildProcess>();
let tmp: string;

interface WebProcess {
  child: ChildProcess;
  pageUrl: string;
  exited: Promise<number | null>;
  stderr(): string;
}

async function startWeb(args: string[]): Promise<WebProcess> {
  const child = spawn(process.execPath, [CLI, 'web', ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (t: string) => (err += t));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => (children.delete(child), resolve(code))),
  );
  const pageUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL line within 30 s; stderr: ${err}`)), 30_000);
    child.stdout!.setEncoding('utf8').on('data', (t: string) => {
      out += t;
      const m = URL_LINE.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`earshot web exited ${code}: ${err}`)));
  });
  return { child, pageUrl, exited, stderr: () => err };
}

function connect(pageUrl: string): WebSocketApi {
  return createWebSocketApi({
    url: webApiUrlFromPage(pageUrl),
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    maxReconnectAttempts: 0,
  });
}

function earshot(args: string[]): Promise<CliResult> {
  return runEarshot(args, 30_000);
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  await ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'earshot-web-cli-'));
  mkdirSync(join(tmp, 'renderer'));
  writeFileSync(join(tmp, 'renderer', 'index.html'), '<!doctype html><title>ui</title>');
});

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('earshot web', () => {
  it('refuses bad flags with one line', async () => {
    const port = await earshot(['web', '--port', 'abc']);
    expect(port.code).toBe(2);
    expect(port.stderr.trim()).toBe(
      'earshot: --port must be an integer 0-65535 (0 = any free port), got "abc"',
    );
    const url = await earshot(['web', '--url', 'ftp://x', '--data-dir', join(tmp, 'bad')]);
    expect(url.code).toBe(2);
    expect(url.stderr.trim()).toMatch(/^earshot: --url must be a ws:\/\/ or wss:\/\/ URL/);
    const engine = await earshot(['web', '--engine', 'whisper']);
    expect(engine.stderr.trim()).toBe(
      'earshot: --engine must be one of moonshine | pocketsphinx | synthetic, got "whisper"',
    );
  });

  it('prints the URL, serves the page and the API, keeps the token out of stderr, and exits 0 on SIGTERM', async () => {
    const gateway = await startGateway(['--engine', 'synthetic'], { skipBuild: true });
    try {
      const web = await startWeb([
        '--port',
        '0',
        '--data-dir',
        join(tmp, 'data-1'),
        '--url',
        gateway.url,
        '--renderer-dir',
        join(tmp, 'renderer'),
      ]);
      const page = await fetch(web.pageUrl);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<title>ui</title>');
      expect((await fetch(web.pageUrl.replace(/\?token=.*/, ''))).status).toBe(401);
      const api = connect(web.pageUrl);
      const settings = await api.call('settings.get', {});
      expect(settings.gatewayUrls).toEqual([]); // --url is for this run, not saved
      expect((await api.call('app.info', {})).gatewayUrlsForThisRun).toEqual([gateway.url]);
      api.close();
      const token = new URL(web.pageUrl).searchParams.get('token')!;
      expect(web.stderr()).not.toContain(token);
      web.child.kill('SIGTERM');
      expect(await web.exited).toBe(0);
    } finally {
      await gateway.stop();
    }
  });

  it('applies --url to that run only: the next start without it uses the settings (here: the embedded gateway); saving URLs in Settings replaces it', async () => {
    const gateway = await startGateway(['--engine', 'synthetic'], { skipBuild: true });
    const dataDir = join(tmp, 'data-url-once');
    const endpointUrls = async (api: WebSocketApi) =>
      (await api.call('status.get', {})).endpoints.map((e) => e.url);
    try {
      const first = await startWeb([
        '--port',
        '0',
        '--data-dir',
        dataDir,
        '--url',
        gateway.url,
        '--engine',
        'synthetic',
        '--renderer-dir',
        join(tmp, 'renderer'),
      ]);
      let api = connect(first.pageUrl);
      await expect.poll(() => endpointUrls(api), { timeout: 20_000 }).toEqual([gateway.url]);
      api.close();
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);

      const second = await startWeb([
        '--port',
        '0',
        '--data-dir',
        dataDir,
        '--engine',
        'synthetic',
        '--renderer-dir',
        join(tmp, 'renderer'),
      ]);
      api = connect(second.pageUrl);
      await expect
        .poll(async () => (await api.call('status.get', {})).embedded.state, { timeout: 30_000 })
        .toBe('running');
      const embeddedUrl = (await api.call('status.get', {})).embedded.url!;
      expect(embeddedUrl).not.toBe(gateway.url);
      await expect.poll(() => endpointUrls(api), { timeout: 20_000 }).toEqual([embeddedUrl]);
      expect((await api.call('app.info', {})).gatewayUrlsForThisRun).toBeUndefined();
      api.close();
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);

      // With --url again, URLs saved in Settings during the run take over (and are kept).
      const third = await startWeb([
        '--port',
        '0',
        '--data-dir',
        dataDir,
        '--url',
        'ws://127.0.0.1:9/ws/asr',
        '--engine',
        'synthetic',
        '--renderer-dir',
        join(tmp, 'renderer'),
      ]);
      api = connect(third.pageUrl);
      await expect.poll(() => endpointUrls(api), { timeout: 20_000 }).toEqual(['ws://127.0.0.1:9/ws/asr']);
      expect((await api.call('settings.set', { gatewayUrls: [gateway.url] })).ok).toBe(true);
      await expect.poll(() => endpointUrls(api), { timeout: 20_000 }).toEqual([gateway.url]);
      expect((await api.call('app.info', {})).gatewayUrlsForThisRun).toBeUndefined();
      api.close();
      third.child.kill('SIGTERM');
      expect(await third.exited).toBe(0);
      const saved = JSON.parse(readFileSync(join(dataDir, 'settings.json'), 'utf8')) as {
        settings: { gatewayUrls: string[] };
      };
      expect(saved.settings.gatewayUrls).toEqual([gateway.url]);
    } finally {
      await gateway.stop();
    }
  }, 120_000);

  it('refuses a second host on the same data folder while the first runs', async () => {
    const gateway = await startGateway(['--engine', 'synthetic'], { skipBuild: true });
    try {
      const args = [
        '--port',
        '0',
        '--data-dir',
        join(tmp, 'data-lock'),
        '--url',
        gateway.url,
        '--renderer-dir',
        join(tmp, 'renderer'),
      ];
      const first = await startWeb(args);
      const second = await earshot(['web', ...args]);
      expect(second.code).toBe(2);
      expect(second.stderr.trim()).toBe(
        `earshot: another earshot web (pid ${first.child.pid}) is already uploading from ${join(tmp, 'data-lock')}; wait for it to finish or use another --data-dir`,
      );
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
    } finally {
      await gateway.stop();
    }
  });

  it('seals and delivers a dictation cut off by a crash of the host', async () => {
    const gateway = await startGateway(
      ['--engine', 'synthetic', '--synthetic-phrase', 'kept after the crash'],
      { skipBuild: true },
    );
    try {
      const args = [
        '--port',
        '0',
        '--data-dir',
        join(tmp, 'data-crash'),
        '--url',
        gateway.url,
        '--renderer-dir',
        join(tmp, 'renderer'),
      ];
      const first = await startWeb(args);
      const api = connect(first.pageUrl);
      const speech = decodeProtocolWav(readFileSync(join(REPO_ROOT, 'assets', 'sample.wav')));
      const audio = new Int16Array(speech.length + 16_000); // a second of silence: the chunker cuts
      audio.set(speech);
      const { dictationId, recordingId } = await api.call('dictation.start', {});
      let seq = 0;
      for (let offset = 0; offset < audio.length; offset += 1600)
        api.sendAudio({ dictationId, seq: seq++, pcm: audio.subarray(offset, offset + 1600) });
      await expect
        .poll(async () => (await api.call('history.get', { recordingId })).chunkCount, { timeout: 10_000 })
        .toBeGreaterThan(0);
      api.close();
      first.child.kill('SIGKILL'); // no stop, no seal: the dictation is cut off
      await first.exited;

      const second = await startWeb(args);
      const again = connect(second.pageUrl);
      await expect
        .poll(async () => (await again.call('history.get', { recordingId })).state, {
          timeout: 30_000,
          interval: 250,
        })
        .toBe('done');
      expect((await again.call('history.get', { recordingId })).text).toContain('kept after the crash');
      const { errors } = await again.call('status.errors', {});
      expect(
        errors.some((e) =>
          e.message.startsWith(`recording ${recordingId} from an earlier run: its recorder stopped`),
        ),
      ).toBe(true);
      again.close();
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    } finally {
      await gateway.stop();
    }
  });

  it('delivers a dictation stored before the host was killed, once it restarts and the gateway is up', async () => {
    const gatewayPort = await freePort();
    const gatewayUrl = `ws://127.0.0.1:${gatewayPort}/ws/asr`;
    const dataDir = join(tmp, 'data-2');
    const args = [
      '--port',
      '0',
      '--data-dir',
      dataDir,
      '--url',
      gatewayUrl,
      '--renderer-dir',
      join(tmp, 'renderer'),
    ];

    // Nothing listens on the gateway port yet: the recording must wait in the outbox.
    const first = await startWeb(args);
    const api = connect(first.pageUrl);
    const pcm = decodeProtocolWav(readFileSync(join(REPO_ROOT, 'assets', 'sample.wav')));
    const { dictationId, recordingId } = await api.call('dictation.start', {});
    let seq = 0;
    for (let offset = 0; offset < pcm.length; offset += 3200)
      api.sendAudio({ dictationId, seq: seq++, pcm: pcm.subarray(offset, offset + 3200) });
    await api.call('dictation.stop', { dictationId });
    await expect
      .poll(async () => (await api.call('status.get', {})).queue.items.map((i) => i.recordingId), {
        timeout: 10_000,
      })
      .toContain(recordingId);
    await expect
      .poll(async () => (await api.call('status.get', {})).endpoints[0]?.state, { timeout: 20_000 })
      .toMatch(/backing_off|offline|connecting/);
    api.close();
    first.child.kill('SIGKILL');
    await first.exited;

    const gateway = await startGateway(
      [
        '--engine',
        'synthetic',
        '--port',
        String(gatewayPort),
        '--synthetic-phrase',
        'delivered after restart',
      ],
      { skipBuild: true },
    );
    try {
      const second = await startWeb(args);
      const again = connect(second.pageUrl);
      await expect
        .poll(async () => (await again.call('history.get', { recordingId })).state, {
          timeout: 60_000,
          interval: 500,
        })
        .toBe('done');
      const detail = await again.call('history.get', { recordingId });
      expect(detail.text).toContain('delivered after restart');
      again.close();
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    } finally {
      await gateway.stop();
    }
  });
});
