// The kernel silently caps a listening socket's backlog at net.core.somaxconn, so a
// larger --listen-backlog would do less than it says. Read the cap to tell the operator.
import { readFileSync } from 'node:fs';

const SOMAXCONN_PATH = '/proc/sys/net/core/somaxconn';

export interface ListenBacklog {
  requested: number;
  /** net.core.somaxconn, when this system exposes it. */
  somaxconn?: number;
  /** What the kernel will actually use. */
  effective: number;
}

export function listenBacklog(requested: number, somaxconnPath = SOMAXCONN_PATH): ListenBacklog {
  let somaxconn: number | undefined;
  try {
    const value = Number(readFileSync(somaxconnPath, 'utf8').trim());
    if (Number.isInteger(value) && value > 0) somaxconn = value;
  } catch {
    // Not Linux, or /proc is hidden: nothing to compare with.
  }
  return {
    requested,
    somaxconn,
    effective: somaxconn === undefined ? requested : Math.min(requested, somaxconn),
  };
}
