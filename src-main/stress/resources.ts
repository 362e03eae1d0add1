// CPU and memory of the two sides of a run: this process (every worker thread
// included: process.cpuUsage covers all threads) and, when it runs on this machine,
// the gateway, read from /proc by pid (its child processes included) or scraped from
// its Prometheus /metrics.
import { readFileSync, readdirSync } from 'node:fs';

export interface ResourceSample {
  /** CPU time used since the previous sample as a percentage of one core. */
  cpuPercent: number;
  rssBytes: number;
}

export class ClientResources {
  private lastCpu = process.cpuUsage();
  private lastAt = performance.now();
  readonly startCpu = process.cpuUsage();

  sample(): ResourceSample {
    const cpu = process.cpuUsage();
    const now = performance.now();
    const usedUs = cpu.user - this.lastCpu.user + (cpu.system - this.lastCpu.system);
    const wallMs = Math.max(1, now - this.lastAt);
    this.lastCpu = cpu;
    this.lastAt = now;
    return { cpuPercent: usedUs / 10 / wallMs, rssBytes: process.memoryUsage.rss() };
  }

  /** CPU seconds (user + system) since construction. */
  cpuSecondsSoFar(): number {
    const cpu = process.cpuUsage(this.startCpu);
    return (cpu.user + cpu.system) / 1e6;
  }
}

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ; 100 on every Linux we target

/** CPU seconds and RSS of a process and its descendants from /proc, or undefined if gone. */
export function readProcessTree(pid: number): { cpuSeconds: number; rssBytes: number } | undefined {
  const seen = new Set<number>();
  let cpuSeconds = 0;
  let rssBytes = 0;
  const visit = (id: number): boolean => {
    if (seen.has(id) || seen.size > 256) return true;
    seen.add(id);
    try {
      const stat = readFileSync(`/proc/${id}/stat`, 'utf8');
      // Fields after the ")" of the command name: state is field 3, utime 14, stime 15, rss 24.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpuSeconds += (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
      rssBytes += Number(fields[21]) * 4096;
      for (const task of readdirSync(`/proc/${id}/task`)) {
        let children = '';
        try {
          children = readFileSync(`/proc/${id}/task/${task}/children`, 'utf8');
        } catch {
          continue;
        }
        for (const child of children.split(' ').filter(Boolean)) visit(Number(child));
      }
      return true;
    } catch {
      return false;
    }
  };
  return visit(pid) ? { cpuSeconds, rssBytes } : undefined;
}

/** Parses the two prom-client default metrics we need (any prefix) from a /metrics body. */
export function parseProcessMetrics(text: string): { cpuSeconds: number; rssBytes: number } | undefined {
  const cpu = /^(?:[a-z_]*_)?process_cpu_seconds_total(?:\{[^}]*\})?\s+([\d.eE+-]+)/m.exec(text);
  const rss = /^(?:[a-z_]*_)?process_resident_memory_bytes(?:\{[^}]*\})?\s+([\d.eE+-]+)/m.exec(text);
  if (!cpu || !rss) return undefined;
  return { cpuSeconds: Number(cpu[1]), rssBytes: Number(rss[1]) };
}

export type GatewaySource =
  | { kind: 'pid'; pid: number }
  /** A gateway run with --token serves /metrics only with it. */
  | { kind: 'metrics'; url: string; token?: string };

export class GatewayResources {
  private last: { cpuSeconds: number; at: number } | undefined;
  private failures = 0;

  constructor(readonly source: GatewaySource) {}

  describe(): string {
    return this.source.kind === 'pid' ? `pid ${this.source.pid} (/proc)` : this.source.url;
  }

  async sample(): Promise<ResourceSample | undefined> {
    if (this.failures >= 5) return undefined; // stop asking a gateway that never answers
    const reading =
      this.source.kind === 'pid'
        ? readProcessTree(this.source.pid)
        : await this.scrape(this.source.url, this.source.token);
    if (!reading) {
      this.failures++;
      return undefined;
    }
    this.failures = 0;
    const now = performance.now();
    const previous = this.last;
    this.last = { cpuSeconds: reading.cpuSeconds, at: now };
    if (!previous) return { cpuPercent: 0, rssBytes: reading.rssBytes };
    const cpuPercent =
      ((reading.cpuSeconds - previous.cpuSeconds) * 100_000) / Math.max(1, now - previous.at);
    return { cpuPercent: Math.max(0, cpuPercent), rssBytes: reading.rssBytes };
  }

  private async scrape(
    url: string,
    token: string | undefined,
  ): Promise<{ cpuSeconds: number; rssBytes: number } | undefined> {
    try {
      const response = await fetch(url, {
        signal: AbortSignal.timeout(800),
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
      if (!response.ok) return undefined;
      return parseProcessMetrics(await response.text());
    } catch {
      return undefined;
    }
  }
}

/** Where to watch the gateway: its pid when known, else /metrics if it is on loopback. */
export function gatewaySourceFor(
  wsUrl: string,
  pid: number | undefined,
  token?: string,
): GatewaySource | undefined {
  if (pid !== undefined) return { kind: 'pid', pid };
  const url = new URL(wsUrl);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) return undefined;
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  url.pathname = '/metrics';
  url.search = '';
  return { kind: 'metrics', url: url.toString(), ...(token ? { token } : {}) };
}
