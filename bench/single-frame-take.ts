// A whole take in one frame, as the kikipounamu Electron client sends it: how long a gateway
// on 127.0.0.1 takes to ack one chunk of N seconds (base64 check, decode, queue) and to send
// its final, as a WAV and as headerless raw PCM. The synthetic engine at a negligible cost,
// so the figures are the frame's path, not recognition. A benchmark, not a test.
//   npx tsx bench/single-frame-take.ts [--seconds 60,180,600] [--runs 3]
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { PROTOCOL_SAMPLE_RATE, encodeWav } from '../src-shared/audio/wav.js';
import { startGateway } from '../test/helpers/gateway.js';
import { TestClient } from '../test/src-gateway/support/test-client.js';
import { boundedInt } from './bounded-int.js';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '60,180,600' }, runs: { type: 'string', default: '3' } },
});
const takes = (values.seconds ?? '').split(',').map((s) => boundedInt(s, 'seconds', 1, 780));
const runs = boundedInt(values.runs ?? '3', 'runs', 1, 20);

function tone(seconds: number): Int16Array {
  const pcm = new Int16Array(seconds * PROTOCOL_SAMPLE_RATE);
  for (let i = 0; i < pcm.length; i++) pcm[i] = Math.round(4000 * Math.sin(i / 11));
  return pcm;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const gateway = await startGateway(['--synthetic-rtf', '0', '--workers', '1', '--log-level', 'warn']);
try {
  console.log('take   container  base64 MB  ack ms (median)  final ms (median)');
  for (const seconds of takes) {
    const pcm = tone(seconds);
    const containers = {
      wav: Buffer.from(encodeWav(pcm)).toString('base64'),
      raw: Buffer.from(pcm.buffer).toString('base64'),
    };
    for (const [container, audio] of Object.entries(containers)) {
      const acks: number[] = [];
      const finals: number[] = [];
      for (let run = 0; run < runs; run++) {
        const client = await TestClient.connect(gateway.url);
        const id = randomUUID();
        client.start(id);
        await client.nextOfType('ack');
        const sentAt = performance.now();
        client.chunk(id, 0, audio);
        await client.next((m) => m.type === 'ack' || m.type === 'error', 60_000);
        acks.push(performance.now() - sentAt);
        client.finish(id);
        await client.nextOfType('final_result', id, 60_000);
        finals.push(performance.now() - sentAt);
        await client.close();
      }
      console.log(
        `${String(seconds).padStart(4)} s ${container.padEnd(10)} ${(audio.length / 1e6).toFixed(1).padStart(9)}  ${median(
          acks,
        )
          .toFixed(0)
          .padStart(15)}  ${median(finals).toFixed(0).padStart(17)}`,
      );
    }
  }
} finally {
  await gateway.stop();
}
