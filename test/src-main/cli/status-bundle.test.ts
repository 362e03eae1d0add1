// `earshot status --bundle FILE` as support runs it: the compiled CLI against a real
// gateway process on 127.0.0.1 that wants a token, with an outbox and a settings.json
// written through the real stores. The archive is unpacked with the system's tar and
// every file is read back; the token must not appear anywhere in its bytes.
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxStore } from '../../../src-main/outbox/store.js';
import { SettingsStore } from '../../../src-main/services/settings-store.js';
import { ensureBuilt } from '../../helpers/build.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { runEarshot } from '../../helpers/earshot-cli.js';
import { addRecording, freePort } from '../upload/helpers.js';

const TOKEN = 'bundle-secret-token-7f3a9c';
const PRIVATE_TEXT = 'the words the user dictated in private';

let gateway: TestGateway;
let dir: string;
let dataDir: string;

beforeAll(async () => {
  await ensureBuilt();
  gateway = await startGateway(['--token', TOKEN], { skipBuild: true });
  dir = mkdtempSync(join(tmpdir(), 'earshot-status-bundle-'));
  dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  // settings.json as the app writes it: the token in the 0600 file, a URL that carries it too.
  new SettingsStore(dataDir).set({
    token: TOKEN,
    gatewayUrls: [`${gateway.url}?token=${TOKEN}`],
    userId: 'support-case-12',
  });
  const store = OutboxStore.open(dataDir);
  addRecording(store, 'short-01-rms.wav');
  addRecording(store, 'short-02-kal16.wav');
  const failed = addRecording(store, 'short-03-awb.wav');
  store.markFailed(failed.id, 'bad_audio: the gateway refused chunk 0');
  const done = addRecording(store, 'short-04-rms.wav');
  store.saveChunkResult(done.id, 0, PRIVATE_TEXT);
  store.saveFinal(done.id, { text: PRIVATE_TEXT });
  store.close();
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Unpacks with /usr/bin/tar; every file's text by its path inside the bundle's one folder. */
function unpack(archive: string): Map<string, string> {
  const out = mkdtempSync(join(dir, 'unpacked-'));
  execFileSync('tar', ['-xzf', archive, '-C', out]);
  const [folder, ...others] = readdirSync(out);
  expect(others).toEqual([]);
  expect(folder).toMatch(/^earshot-diagnostics-\d{8}-\d{6}$/);
  const files = new Map<string, string>();
  for (const entry of readdirSync(join(out, folder), { recursive: true, withFileTypes: true }))
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name);
      files.set(path.slice(join(out, folder).length + 1), readFileSync(path, 'utf8'));
    }
  return files;
}

function expectNoSecrets(archive: string): void {
  const bytes = readFileSync(archive);
  const tar = gunzipSync(bytes);
  for (const text of [TOKEN, encodeURIComponent(TOKEN), PRIVATE_TEXT, 'short-01-rms']) {
    expect(bytes.includes(text)).toBe(false);
    expect(tar.includes(text)).toBe(false);
  }
}

describe('earshot status --bundle', () => {
  it('writes a tar.gz with settings, logs, timeline, health, outbox summary, versions and a manifest', async () => {
    const archive = join(dir, 'support.tar.gz');
    const output = await runEarshot([
      'status',
      '--url',
      gateway.url,
      '--token',
      TOKEN,
      '--data-dir',
      dataDir,
      '--bundle',
      archive,
    ]);
    expect(output.stderr).toBe('');
    expect(output.code).toBe(0);
    const size = statSync(archive).size;
    expect(output.stdout).toContain(
      `bundle   ${archive} (${size} bytes: manifest.json, settings.json, logs/cli.log, timeline.json, health.json, outbox.json, versions.json)`,
    );
    expect(output.stdout).not.toContain(TOKEN);
    expect(statSync(archive).mode & 0o777).toBe(0o600);
    expectNoSecrets(archive);

    const files = unpack(archive);
    const manifest = JSON.parse(files.get('manifest.json')!);
    expect(manifest).toMatchObject({ format: 'earshot-diagnostics', formatVersion: 1, source: 'cli' });
    expect(manifest.files.map((f: { name: string }) => f.name)).toEqual([
      'settings.json',
      'logs/cli.log',
      'timeline.json',
      'health.json',
      'outbox.json',
      'versions.json',
    ]);
    expect([...files.keys()].sort()).toEqual(
      [...manifest.files.map((f: { name: string }) => f.name), 'manifest.json'].sort(),
    );
    for (const entry of manifest.files) expect(Buffer.byteLength(files.get(entry.name)!)).toBe(entry.bytes);

    const settings = JSON.parse(files.get('settings.json')!);
    expect(settings).toMatchObject({
      command: 'earshot status',
      gatewayUrl: gateway.url,
      token: 'given (flag)',
      dataDir,
      settingsFile: {
        path: join(dataDir, 'settings.json'),
        present: true,
        tokenEncoding: 'plain',
        settings: { token: '<redacted>', userId: 'support-case-12' },
      },
    });
    expect(settings.settingsFile.settings.gatewayUrls).toEqual([`${gateway.url}?token=<redacted>`]);

    const log = files.get('logs/cli.log')!;
    expect(log).toMatch(/^# earshot status keeps no log file/);
    expect(log).toMatch(new RegExp(`connection 127\\.0\\.0\\.1:${gateway.port} connected$`, 'm'));
    expect(log).toMatch(/ health: ready \(\d+ ms\)$/m);

    const timeline = JSON.parse(files.get('timeline.json')!);
    expect(timeline.gateways).toHaveLength(1);
    expect(timeline.gateways[0]).toMatchObject({ state: 'idle', counters: { connects: 1, failures: 0 } });
    expect(typeof timeline.gateways[0].rttMs).toBe('number');
    expect(timeline.gateways[0].events.map((e: { kind: string }) => e.kind)).toContain('connected');

    const health = JSON.parse(files.get('health.json')!);
    expect(health.gateways[0].checks.length).toBeGreaterThan(0);
    expect(health.gateways[0].checks.at(-1)).toMatchObject({
      ok: true,
      status: 'ready',
      engine: 'synthetic',
    });

    const outbox = JSON.parse(files.get('outbox.json')!);
    expect(outbox).toMatchObject({
      dataDir,
      total: 4,
      byState: { queued: 2, failed: 1, done: 1, recording: 0, uploading: 0 },
    });
    expect(outbox.recentFailures).toHaveLength(1);
    expect(outbox.recentFailures[0]).toMatchObject({
      reason: 'bad_audio: the gateway refused chunk 0',
      chunksRecognised: 0,
    });
    expect(outbox.recentFailures[0].chunks).toBeGreaterThan(0);
    expect(outbox.excluded).toMatch(/transcript text/);

    const versions = JSON.parse(files.get('versions.json')!);
    expect(versions).toMatchObject({
      earshot: '0.1.0',
      mode: 'cli',
      node: process.versions.node,
      electron: null,
    });
    expect(versions.gateways[0]).toMatchObject({
      engine: 'synthetic',
      version: '0.1.0',
      protocol: 'earshot',
    });
  });

  it('refuses to overwrite an existing file unless --force, and says so in --json', async () => {
    const archive = join(dir, 'existing.tar.gz');
    writeFileSync(archive, 'keep me');
    const refused = await runEarshot(['status', '--url', gateway.url, '--token', TOKEN, '--bundle', archive]);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim()).toBe(
      `earshot: --bundle ${archive} already exists; give --force to overwrite it`,
    );
    expect(refused.stdout).toBe(''); // checked before any traffic
    expect(readFileSync(archive, 'utf8')).toBe('keep me');

    const forced = await runEarshot([
      'status',
      '--url',
      `${gateway.url}?token=${TOKEN}`,
      '--json',
      '--bundle',
      archive,
      '--force',
    ]);
    expect(forced.code).toBe(0);
    const line = JSON.parse(forced.stdout);
    expect(line.bundle).toMatchObject({ path: archive, bytes: statSync(archive).size });
    expect(line.bundle.files.map((f: string) => f.replace(/^[^/]+\//, ''))).toContain('outbox.json');
    expectNoSecrets(archive);
    const files = unpack(archive);
    expect(JSON.parse(files.get('settings.json')!)).toMatchObject({
      gatewayUrl: `${gateway.url}?token=<redacted>`,
      token: 'given (url)',
      dataDir: null,
    });
    expect(JSON.parse(files.get('outbox.json')!)).toMatchObject({ included: false });
  });

  it('says clearly why a path cannot be written, before any traffic', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const cases: [string, string][] = [
      [join(dir, 'no-such-folder', 'b.tar.gz'), `the folder ${join(dir, 'no-such-folder')} does not exist`],
      [join(file, 'b.tar.gz'), `${file} is a file, not a folder`],
      [dir, `is a folder; give a file name, e.g. ${join(dir, 'earshot-diagnostics.tar.gz')}`],
    ];
    for (const [path, message] of cases) {
      const output = await runEarshot(['status', '--url', gateway.url, '--bundle', path]);
      expect(output.code).toBe(2);
      expect(output.stdout).toBe('');
      expect(output.stderr).toContain(message);
      expect(output.stderr.trim().split('\n')).toHaveLength(1);
    }
    const lone = await runEarshot(['status', '--url', gateway.url, '--force']);
    expect(lone.code).toBe(2);
    expect(lone.stderr.trim()).toBe('earshot: --force goes with --bundle FILE');
  });

  it('still writes the bundle when the gateway is down, with the failure in it', async () => {
    const port = await freePort();
    const archive = join(dir, 'down.tar.gz');
    const output = await runEarshot([
      'status',
      '--url',
      `ws://127.0.0.1:${port}/ws/asr`,
      '--timeout-ms',
      '1000',
      '--bundle',
      archive,
    ]);
    expect(output.code).toBe(1);
    expect(existsSync(archive)).toBe(true);
    const files = unpack(archive);
    const timeline = JSON.parse(files.get('timeline.json')!);
    expect(timeline.gateways[0]).toMatchObject({ state: 'offline', counters: { connects: 0, failures: 1 } });
    expect(timeline.gateways[0].lastError).toMatch(/ECONNREFUSED|refused/i);
    expect(files.get('logs/cli.log')).toMatch(/ failed: /);
    const health = JSON.parse(files.get('health.json')!);
    expect(health.gateways[0].checks.at(-1)).toMatchObject({ ok: false, status: 'unreachable' });
  });
});
