// The names a stress run counts by: outcomes and latency metrics. Shared so the Stress
// view can check a threshold expression (src-shared/stress/thresholds.ts) with the same
// names the engine measures (src-main/stress/metrics.ts).

/** Every session ends in exactly one of these. */
export const OUTCOMES = [
  'ok',
  'refused', // TCP connect refused
  'rejected', // HTTP status on the upgrade (detail: status)
  'busy', // protocol `busy` error
  'timeout', // detail: connect | ack | final
  'protocol_error', // a frame we could not make sense of
  'server_error', // protocol `error` other than busy (detail: code)
  'closed_early', // the connection ended before final_result
  'unfinished', // still in flight when the drain period ran out (or the run was cancelled)
] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const LATENCY_METRICS = [
  'connect',
  'first_ack',
  'door_wait',
  'comeback',
  'chunk_ack',
  'first_chunk_result',
  'final',
  'session',
] as const;
export type LatencyMetric = (typeof LATENCY_METRICS)[number];
