// What the benches read about a gateway process on this machine: CPU time from
// /proc/PID/stat (the process, or its main thread apart from the others), resident memory
// from /proc/PID/status, and the event-loop lag the gateway itself reports on its health
// endpoint (its last 5 s window). Shared by bench/frame-cost.ts, bench/gateway-capacity.ts
// and bench/live-streams.ts.
import { readFileSync, readdirSync } from 'node:fs';
import { healthResponseSchema } from '../src-shared/protocol/messages.js';

/** utime + stime in ms from a /proc stat file (USER_HZ is 100 on Linux). */
export function statCpuMs(path: string): number {
  const fields = readFileSync(path, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** CPU ms of a whole process, every thread included. */
export function processCpuMs(pid: number): number {
  return statCpuMs(`/proc/${pid}/stat`);
}

/** CPU ms of a process's main thread (tid = pid) and of all its other threads together. */
export function threadCpuMs(pid: number): { main: number; others: number } {
  let main = 0;
  let others = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const ms = statCpuMs(`/proc/${pid}/task/${tid}/stat`);
      if (Number(tid) === pid) main += ms;
      else others += ms;
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return { main, others };
}

/** Resident memory of a process in KiB (VmRSS), NaN when unreadable. */
export function rssKb(pid: number): number {
  const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
  return match ? Number(match[1]) : NaN;
}

/** The gateway's event-loop lag (ms) over its last 5 s window, from its health endpoint. */
export async function lagNow(httpUrl: string): Promise<{ p99: number; max: number }> {
  const body: unknown = await (await fetch(`${httpUrl}/api/v1/health`)).json();
  const lag = healthResponseSchema.parse(body).event_loop_lag_ms;
  return { p99: lag?.p99 ?? NaN, max: lag?.max ?? NaN };
}
