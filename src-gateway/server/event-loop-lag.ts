// How late the gateway's event loop runs, over the last few seconds: every socket, ack and
// result waits for it, so a lag of 100 ms is 100 ms added to every reply (docs/gateway.md,
// "Logs and metrics"). perf_hooks samples the delay of a timer; the figures of the last
// complete window are kept, so /metrics, health and `earshot status` read the same numbers
// however often they ask (prom-client's own lag metrics reset on every scrape).
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export interface EventLoopLagSnapshot {
  /** Milliseconds, over the last complete window. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  windowMs: number;
}

export class EventLoopLag {
  private readonly histogram: IntervalHistogram;
  private readonly timer: NodeJS.Timeout;
  private last: EventLoopLagSnapshot;

  constructor(readonly windowMs = 5_000) {
    // 10 ms resolution: a finer timer costs the loop more than it tells at this scale.
    this.histogram = monitorEventLoopDelay({ resolution: 10 });
    this.histogram.enable();
    this.last = { p50Ms: 0, p99Ms: 0, maxMs: 0, windowMs };
    this.timer = setInterval(() => this.roll(), windowMs);
    this.timer.unref();
  }

  /** The last complete window (zeros until the first one ends). */
  snapshot(): EventLoopLagSnapshot {
    return this.last;
  }

  private roll(): void {
    const h = this.histogram;
    // Delays are in ns and include the sampling resolution itself: subtract it, as lag.
    const lag = (ns: number) => Math.max(0, ns / 1e6 - 10);
    this.last =
      h.count > 0
        ? {
            p50Ms: lag(h.percentile(50)),
            p99Ms: lag(h.percentile(99)),
            maxMs: lag(h.max),
            windowMs: this.windowMs,
          }
        : // Not one sample in a whole window: the loop was blocked all along.
          { p50Ms: this.windowMs, p99Ms: this.windowMs, maxMs: this.windowMs, windowMs: this.windowMs };
    h.reset();
  }

  close(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }
}
