// The cost of the door under a reconnect storm (src-gateway/server/admission.ts,
// docs/gateway.md "Admission"): N sessions are refused at `start` and keep coming back
// while the queue is full; every `start` asks who waits ahead of it. Prints the gateway
// CPU time per `start` and per storm round (all N asking once) for each N.
//   npx tsx bench/door-storm.ts [--rounds 20] [--sizes 500,2000,5000,10000]
import { parseArgs } from 'node:util';
import { AdmissionControl } from '../src-gateway/server/admission.js';
import { boundedInt } from './bounded-int.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '20' },
    sizes: { type: 'string', default: '500,2000,5000,10000' },
  },
});
const rounds = boundedInt(values.rounds, 'rounds', 1, 1_000);
const sizes = values.sizes.split(',').map((size) => boundedInt(size, 'sizes', 1, 100_000));

function storm(size: number, rounds: number): number {
  let now = 0;
  // A queue far over the target: nobody gets in, everyone keeps their place in line.
  const admission = new AdmissionControl(
    { backlogSeconds: () => 10_000, throughput: () => 40, workers: () => 2 },
    { maxQueueWaitMs: 2_000, now: () => now },
  );
  const ids = Array.from({ length: size }, (_, i) => `session-${i}`);
  for (const id of ids) admission.admitSession(id, 3);
  const started = process.hrtime.bigint();
  for (let round = 0; round < rounds; round++) {
    now += 100;
    for (const id of ids) if (admission.admitSession(id, 3).ok) throw new Error('admitted into a full queue');
  }
  return Number(process.hrtime.bigint() - started) / 1e6;
}

storm(1_000, 5); // warm-up, not reported
console.log('| sessions waiting | per start (µs) | per round of all of them (ms) |');
console.log('| ---: | ---: | ---: |');
for (const size of sizes) {
  const ms = storm(size, rounds);
  console.log(`| ${size} | ${((ms * 1000) / (rounds * size)).toFixed(2)} | ${(ms / rounds).toFixed(2)} |`);
}
