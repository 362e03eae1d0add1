// Connect burst: N WebSocket handshakes started at once against a gateway on 127.0.0.1,
// once per --listen-backlog value, to show what the accept queue's size does to connect
// times (a full queue drops SYNs; the client retries after 1, 3, 7... s). Prints connect
// p50/p99/max and failures per value. A benchmark, not a test.
//   npx tsx bench/connect-burst.ts [--connections 3000] [--backlogs 511,4096]
import { parseArgs } from 'node:util';
import * as hdr from 'hdr-histogram-js';
import WebSocket from 'ws';
import { startGateway } from '../test/helpers/gateway.js';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '3000' },
    backlogs: { type: 'string', default: '511,4096' },
  },
});
const connections = Number(values.connections);
const backlogs = (values.backlogs ?? '').split(',').map(Number);
if (
  !Number.isInteger(connections) ||
  connections < 1 ||
  connections > 10_000 ||
  backlogs.some((b) => !Number.isInteger(b) || b < 1)
) {
  process.stderr.write(
    'connect-burst: --connections must be 1..10000 and --backlogs whole numbers > 0, comma-separated\n',
  );
  process.exit(2);
}
const CONNECT_TIMEOUT_MS = 40_000;

async function burst(backlog: number): Promise<string> {
  const gateway = await startGateway(['--listen-backlog', String(backlog), '--log-level', 'warn']);
  const connectMs = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000,
    numberOfSignificantValueDigits: 3,
  });
  const failures = new Map<string, number>();
  const sockets: WebSocket[] = [];
  try {
    await Promise.all(
      Array.from(
        { length: connections },
        () =>
          new Promise<void>((resolve) => {
            const startedAt = performance.now();
            const socket = new WebSocket(gateway.url, {
              perMessageDeflate: false,
              handshakeTimeout: CONNECT_TIMEOUT_MS,
            });
            sockets.push(socket);
            socket.once('open', () => {
              connectMs.recordValue(Math.max(1, Math.round(performance.now() - startedAt)));
              resolve();
            });
            socket.once('error', (error: NodeJS.ErrnoException) => {
              const kind = error.code ?? error.message;
              failures.set(kind, (failures.get(kind) ?? 0) + 1);
              resolve();
            });
          }),
      ),
    );
    const failed = failures.size ? [...failures].map(([k, v]) => `${k}=${v}`).join(', ') : 'none';
    return `--listen-backlog ${String(backlog).padEnd(5)} open ${connectMs.totalCount}/${connections}  connect p50 ${connectMs.getValueAtPercentile(50)} ms  p99 ${connectMs.getValueAtPercentile(99)} ms  max ${connectMs.maxValue} ms  failures: ${failed}`;
  } finally {
    for (const socket of sockets) socket.terminate();
    await gateway.stop();
  }
}

process.stdout.write(`connect-burst: ${connections} WebSocket handshakes started at once, 127.0.0.1\n`);
for (const backlog of backlogs) process.stdout.write(`${await burst(backlog)}\n`);
