// The app API over the web host on loopback: round-trip time of small calls, and how
// fast audio batches go from the socket through the chunker into the SQLite outbox
// (each chunk fsynced). A benchmark that prints figures, not a test.
//   npx tsx bench/web-api.ts [--calls N] [--audio-seconds S]
// No gateway is needed: delivery points at a closed port, so recordings just queue.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { build } from 'hdr-histogram-js';
import { createWebSocketApi, type WebSocketConstructor } from '../src-shared/api/ws-client.js';
import { WEB_API_PATH } from '../src-shared/api/wire.js';
import { decodeProtocolWav } from '../src-shared/audio/wav.js';
import { AppServices } from '../src-main/services/app-services.js';
import { startWebHost } from '../src-main/web/web-host.js';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '2000' },
    'audio-seconds': { type: 'string', default: '300' },
  },
});
const calls = Math.min(100_000, Math.max(1, Number(values.calls) || 2000));
const audioSeconds = Math.min(3600, Math.max(1, Number(values['audio-seconds']) || 300));

const dir = mkdtempSync(join(tmpdir(), 'earshot-bench-web-'));
const services = await AppServices.open({ dataDir: dir, mode: 'web', gatewayUrl: 'ws://127.0.0.1:9/ws/asr' });
await services.ready;
const host = await startWebHost({ services, port: 0, rendererDir: dir });
const api = createWebSocketApi({
  url: `ws://127.0.0.1:${host.port}${WEB_API_PATH}?token=${host.token}`,
  WebSocket: WebSocket as unknown as WebSocketConstructor,
});

try {
  await api.call('app.info', {});
  const rtt = build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 10_000_000,
    numberOfSignificantValueDigits: 3,
  });
  const started = performance.now();
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    await api.call('settings.get', {});
    rtt.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
  }
  const callWall = (performance.now() - started) / 1000;
  console.log(
    `settings.get x${calls}: ${(calls / callWall).toFixed(0)} calls/s sequential; RTT p50 ${(rtt.getValueAtPercentile(50) / 1000).toFixed(3)} ms, p99 ${(rtt.getValueAtPercentile(99) / 1000).toFixed(3)} ms, max ${(rtt.maxValue / 1000).toFixed(3)} ms`,
  );

  // Speech with pauses (the sample looped), so the chunker cuts real chunks.
  const sample = decodeProtocolWav(readFileSync(new URL('../assets/sample.wav', import.meta.url)));
  const total = audioSeconds * 16_000;
  const { dictationId, recordingId } = await api.call('dictation.start', {});
  const t0 = performance.now();
  let seq = 0;
  for (let offset = 0; offset < total; offset += 1600) {
    const batch = new Int16Array(Math.min(1600, total - offset));
    for (let i = 0; i < batch.length; i++) batch[i] = sample[(offset + i) % sample.length];
    api.sendAudio({ dictationId, seq: seq++, pcm: batch });
  }
  const stopped = await api.call('dictation.stop', { dictationId });
  const ingestWall = (performance.now() - t0) / 1000;
  const detail = await api.call('history.get', { recordingId });
  console.log(
    `audio ingest: ${audioSeconds} s of 16 kHz PCM16 in ${seq} batches of 100 ms -> ${detail.chunks.length} durable chunks in ${ingestWall.toFixed(2)} s wall = ${(audioSeconds / ingestWall).toFixed(0)}x real time (stored ${(stopped.audioMs / 1000).toFixed(1)} s)`,
  );
} finally {
  api.close();
  await host.close();
  await services.close();
  rmSync(dir, { recursive: true, force: true });
}
