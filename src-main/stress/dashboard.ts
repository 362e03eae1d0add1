// The live view of a run in a terminal: a block redrawn in place once per second on a
// TTY, one plain line per second otherwise (CI logs, pipes).
import type { StressSecond } from './aggregate.js';
import { errorsOf, type Counters } from './metrics.js';

export interface DashboardOutput {
  isTTY?: boolean;
  write(text: string): unknown;
}

const n = (counters: Counters, name: string) => counters[name] ?? 0;

export function dashboardLines(s: StressSecond, header: string): string[] {
  const c = s.totals;
  const gateway =
    s.gateway_cpu_percent === null
      ? 'gateway cpu/rss: n/a'
      : `gateway cpu ${s.gateway_cpu_percent}%  rss ${s.gateway_rss_mb} MB`;
  const lag = s.gateway_lag_p99_ms === null ? '' : `  loop lag p99 ${s.gateway_lag_p99_ms} ms`;
  const storm =
    n(c, 'storm_drops') > 0
      ? [
          `storm drops ${n(c, 'storm_drops')}  resumed ${n(c, 'resumed')}  comebacks refused ${n(c, 'comebacks_refused')}  lost ${n(c, 'comeback_lost')}`,
        ]
      : [];
  return [
    `${header}  t=${s.t.toFixed(0)}s  [${s.phase}]`,
    `connections open ${s.open_connections}  peak ${s.peak_connections}  in flight ${s.in_flight}`,
    `sessions attempted ${n(c, 'sessions')}  connection attempts ${n(c, 'attempts')}  started ${n(c, 'started')}  completed ${n(c, 'completed')}  errors ${errorsOf(c)}`,
    `outcomes ok ${n(c, 'ok')}  refused ${n(c, 'refused')}  rejected ${n(c, 'rejected')}  busy ${n(c, 'busy')}  timeout ${n(c, 'timeout')}  closed_early ${n(c, 'closed_early')}  server_error ${n(c, 'server_error')}  protocol_error ${n(c, 'protocol_error')}`,
    `this second: attempts ${s.attempts}  completed ${s.completed}  errors ${s.errors}  chunks ${s.chunks_sent}  final p50 ${s.p50_final_ms} ms  p99 ${s.p99_final_ms} ms  connect p99 ${s.p99_connect_ms} ms`,
    ...storm,
    `client cpu ${s.client_cpu_percent}%  rss ${s.client_rss_mb} MB   ${gateway}${lag}`,
  ];
}

export function plainLine(s: StressSecond): string {
  const c = s.totals;
  return (
    `t=${s.t.toFixed(0)}s ${s.phase} open=${s.open_connections} peak=${s.peak_connections} attempted=${n(c, 'sessions')} completed=${n(c, 'completed')} ` +
    `errors=${errorsOf(c)} final_p99=${s.p99_final_ms}ms client_cpu=${s.client_cpu_percent}% rss=${s.client_rss_mb}MB`
  );
}

export class Dashboard {
  private drawn = 0;

  constructor(
    private readonly out: DashboardOutput,
    private readonly header: string,
  ) {}

  update(snapshot: StressSecond): void {
    if (!this.out.isTTY) {
      this.out.write(`${plainLine(snapshot)}\n`);
      return;
    }
    const lines = dashboardLines(snapshot, this.header);
    // Move up over the previous block and clear each line as it is rewritten.
    const rewind = this.drawn ? `\x1b[${this.drawn}A` : '';
    this.out.write(rewind + lines.map((line) => `\x1b[2K${line}`).join('\n') + '\n');
    this.drawn = lines.length;
  }
}
