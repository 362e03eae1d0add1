// CPU per WebSocket frame of one second of audio, with `ws`'s native masking helper
// (bufferutil) and without it (WS_NO_BUFFER_UTIL=1, ws's JavaScript loop). Every frame a
// client sends is masked byte by byte and unmasked by the gateway, so both sides pay it
// per chunk. One process holds both ends on 127.0.0.1; its CPU time (user + system) over
// N frames, divided by N, is what one frame costs sender and receiver together.
//   npx tsx bench/ws-frame-cost.ts [--frames 3000] [--rounds 3]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { WebSocket, WebSocketServer } from 'ws';
import { boundedInt } from './bounded-int.js';

const { values } = parseArgs({
  options: {
    frames: { type: 'string', default: '3000' },
    rounds: { type: 'string', default: '3' },
    child: { type: 'string' },
  },
});
const frames = boundedInt(values.frames, 'frames', 10, 100_000);

// One second of 16 kHz PCM16 mono: as base64 WAV in a JSON chunk message, and raw.
const PAYLOADS: Record<string, Buffer> = {
  'JSON chunk, base64 (43 KB)': Buffer.alloc(43_000, 'A'),
  'raw PCM16 (32 KB)': Buffer.alloc(32_000, 7),
};

async function measure(payload: Buffer): Promise<number> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  let received = 0;
  const done = new Promise<void>((resolve) =>
    server.on('connection', (socket) =>
      socket.on('message', () => {
        if (++received === frames) resolve();
      }),
    ),
  );
  const client = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
  await new Promise((resolve) => client.once('open', resolve));
  const before = process.cpuUsage();
  for (let i = 0; i < frames; i++) client.send(payload);
  await done;
  const used = process.cpuUsage(before);
  client.close();
  server.close();
  return (used.user + used.system) / 1000 / frames;
}

if (values.child) {
  const ms = await measure(PAYLOADS[values.child]);
  process.stdout.write(`${ms}\n`);
  process.exit(0);
}

const rounds = boundedInt(values.rounds, 'rounds', 1, 20);
const self = fileURLToPath(import.meta.url);
function childRun(payload: string, native: boolean): number {
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', self, '--child', payload, '--frames', String(frames)],
    {
      encoding: 'utf8',
      timeout: 120_000,
      env: native ? { ...process.env, WS_NO_BUFFER_UTIL: '' } : { ...process.env, WS_NO_BUFFER_UTIL: '1' },
    },
  );
  if (run.status !== 0) throw new Error(`child failed: ${run.stderr}`);
  return Number(run.stdout.trim());
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`${frames} frames per run, median of ${rounds} runs; CPU of sender + receiver per frame`);
console.log('| frame | JavaScript masking (ms) | bufferutil (ms) | ratio |');
console.log('| --- | ---: | ---: | ---: |');
for (const name of Object.keys(PAYLOADS)) {
  const js: number[] = [];
  const native: number[] = [];
  for (let r = 0; r < rounds; r++) {
    js.push(childRun(name, false));
    native.push(childRun(name, true));
  }
  const a = median(js);
  const b = median(native);
  console.log(`| ${name} | ${a.toFixed(3)} | ${b.toFixed(3)} | ${(a / b).toFixed(2)}x |`);
}
