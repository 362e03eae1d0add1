// CPU and memory of the two sides of a run: this process (every worker thread
// included: process.cpuUsage covers all threads) and, when it runs on this machine,
// the gateway, read from /proc by pid (its child processes included) or scraped from
// its Prometheus /metrics.
import { readFileSync, readdirSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';

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
    return this.take(reading);
  }

  /**
   * A sample from the source's /metrics body scraped by the caller (undefined: no answer),
   * when something else reads the same page each second (the lag watch): one request, not two.
   */
  fromMetrics(text: string | undefined): ResourceSample | undefined {
    if (this.failures >= 5) return undefined;
    return this.take(text === undefined ? undefined : parseProcessMetrics(text));
  }

  private take(reading: { cpuSeconds: number; rssBytes: number } | undefined): ResourceSample | undefined {
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
    const text = await getText(url, token, SCRAPE_TIMEOUT_MS);
    return text === undefined ? undefined : parseProcessMetrics(text);
  }
}

const SCRAPE_TIMEOUT_MS = 800;
const LAG_SCRAPE_TIMEOUT_MS = 900;

/** The gateway's /metrics body, undefined on any failure (as the lag watch scrapes it). */
export function scrapeMetrics(url: string, token: string | undefined): Promise<string | undefined> {
  return getText(url, token, LAG_SCRAPE_TIMEOUT_MS);
}
/** A /metrics body larger than this is not the one we know: stop reading. */
const SCRAPE_MAX_BYTES = 4 * 1024 * 1024;

/**
 * GET `url` as text, undefined on any failure. node:http rather than fetch: the scrape runs
 * every second of a run on the client's CPU, and fetch costs several times more per call.
 */
function getText(url: string, token: string | undefined, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const get = url.startsWith('https:') ? httpsGet : httpGet;
    const request = get(
      url,
      { timeout: timeoutMs, headers: token ? { authorization: `Bearer ${token}` } : {} },
      (response) => {
        if (response.statusCode !== 200) {
          response.resume();
          return resolve(undefined);
        }
        const parts: Buffer[] = [];
        let size = 0;
        response.on('data', (part: Buffer) => {
          size += part.length;
          if (size > SCRAPE_MAX_BYTES) request.destroy();
          else parts.push(part);
        });
        response.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
        response.on('error', () => resolve(undefined));
        response.on('aborted', () => resolve(undefined));
      },
    );
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(undefined));
    request.on('close', () => resolve(undefined));
  });
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

/** A cumulative Prometheus histogram: upper bounds in seconds (+Inf last) and counts at or below each. */
export interface LagHistogram {
  bounds: number[];
  cumulative: number[];
}

const LAG_BUCKET = /^earshot_event_loop_lag_seconds_bucket\{[^}]*le="([^"]+)"[^}]*\}\s+([\d.eE+-]+)/gm;
const LAG_WINDOW_MAX = /^earshot_event_loop_lag_max_seconds(?:\{[^}]*\})?\s+([\d.eE+-]+)/m;

/** The gateway's event-loop lag histogram from a /metrics body (docs/gateway.md, "Logs and metrics"). */
export function parseLagHistogram(text: string): LagHistogram | undefined {
  const rows: [number, number][] = [];
  for (const match of text.matchAll(LAG_BUCKET)) {
    const bound = match[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(match[1]);
    rows.push([bound, Number(match[2])]);
  }
  if (rows.length === 0 || rows.some(([b, c]) => Number.isNaN(b) || !Number.isFinite(c))) return undefined;
  rows.sort((a, b) => a[0] - b[0]);
  return { bounds: rows.map((r) => r[0]), cumulative: rows.map((r) => r[1]) };
}

/** What happened between two scrapes of the same histogram: counts per bucket, not cumulative. */
export function lagBetween(before: LagHistogram | undefined, after: LagHistogram): LagHistogram {
  const sameBuckets =
    before !== undefined &&
    before.bounds.length === after.bounds.length &&
    before.bounds.every((b, i) => b === after.bounds[i]);
  return {
    bounds: after.bounds,
    // A restarted gateway starts its counts over: then the later scrape is the whole story.
    cumulative: after.cumulative.map((c, i) =>
      sameBuckets && before.cumulative[i] <= c ? c - before.cumulative[i] : c,
    ),
  };
}

/**
 * The q-quantile in ms, interpolated inside its bucket as Prometheus' histogram_quantile
 * does; in the last (+Inf) bucket, the largest finite bound. Null without samples.
 */
export function lagQuantileMs(histogram: LagHistogram, q: number): number | null {
  const { bounds, cumulative } = histogram;
  const total = cumulative.at(-1) ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  for (let i = 0; i < bounds.length; i++) {
    if (cumulative[i] < rank) continue;
    const upper = bounds[i];
    const lower = i === 0 ? 0 : bounds[i - 1];
    if (!Number.isFinite(upper)) return Math.round(lower * 1000);
    const below = i === 0 ? 0 : cumulative[i - 1];
    const inBucket = cumulative[i] - below;
    const share = inBucket > 0 ? (rank - below) / inBucket : 1;
    return Math.round((lower + (upper - lower) * share) * 1000 * 10) / 10;
  }
  return Math.round((bounds.findLast((b) => Number.isFinite(b)) ?? 0) * 1000);
}

export interface GatewayLagSummary {
  /** The /metrics address scraped. */
  source: string;
  /** Lag samples (one per 10 ms timer run) between the first and the last scrape. */
  samples: number;
  p50_ms: number | null;
  p99_ms: number | null;
  /** The longest lag of any 5-s window seen by the scrapes (the gateway's window maximum). */
  max_ms: number | null;
  /** Scrapes that got no answer in time: a stalled loop answers late or not at all. */
  scrapes_failed: number;
}

/**
 * The gateway's event-loop lag during the run, from its /metrics: a scrape before the
 * traffic and one per second after, the run's distribution being the difference between
 * the first and the last (a reconnect storm's lag is the point of docs/stress.md,
 * "Reconnect storms").
 */
export class GatewayLagWatch {
  private first: LagHistogram | undefined;
  private previous: LagHistogram | undefined;
  private last: LagHistogram | undefined;
  private maxMs: number | null = null;
  private failed = 0;
  private busy = false;

  constructor(
    readonly url: string,
    private readonly token?: string,
  ) {}

  /** One scrape; the lag p99 in ms since the previous one, or null (no answer, no samples). */
  async sample(): Promise<number | null> {
    if (this.busy) return null;
    this.busy = true;
    try {
      // node:http like the resource scrape: this runs every second on the client's CPU.
      return this.read(await scrapeMetrics(this.url, this.token));
    } finally {
      this.busy = false;
    }
  }

  /** Reads one scrape of the watched /metrics made by the caller (undefined: no answer); as sample(). */
  read(body: string | undefined): number | null {
    try {
      const text = body ?? '';
      const histogram = parseLagHistogram(text);
      if (!histogram) {
        this.failed++;
        return null;
      }
      const windowMax = LAG_WINDOW_MAX.exec(text);
      if (windowMax && this.first)
        this.maxMs = Math.max(this.maxMs ?? 0, Math.round(Number(windowMax[1]) * 1000));
      const interval = this.previous ? lagBetween(this.previous, histogram) : undefined;
      this.first ??= histogram;
      this.previous = histogram;
      this.last = histogram;
      return interval ? lagQuantileMs(interval, 0.99) : null;
    } catch {
      this.failed++;
      return null;
    }
  }

  summary(): GatewayLagSummary | null {
    if (!this.first || !this.last) return null;
    const run = lagBetween(this.first, this.last);
    return {
      source: this.url,
      samples: run.cumulative.at(-1) ?? 0,
      p50_ms: lagQuantileMs(run, 0.5),
      p99_ms: lagQuantileMs(run, 0.99),
      max_ms: this.maxMs,
      scrapes_failed: this.failed,
    };
  }
}

/** Where a gateway's /metrics is, from its WebSocket URL. */
export function metricsUrlOf(wsUrl: string): string {
  const url = new URL(wsUrl);
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  url.pathname = '/metrics';
  url.search = '';
  return url.toString();
}
