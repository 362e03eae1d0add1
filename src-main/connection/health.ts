// GET /api/v1/health of a gateway, validated: the circuit breaker's probe and the
// connection monitor's poll. Never throws; a failure is a value with the reason.
import { parseRetryAfter } from '../../src-shared/backoff.js';
import { healthResponseSchema, type HealthResponse } from '../../src-shared/protocol/messages.js';
import { healthUrlOf } from '../protocol-client/urls.js';
import { fetchFailureReason } from './fetch-failure.js';

export type HealthCheck =
  | { ok: true; health: HealthResponse; ms: number }
  | {
      ok: false;
      reason: string;
      status?: number;
      health?: HealthResponse;
      retryAfterMs?: number;
      ms: number;
    };

export async function checkHealth(wsUrl: string, timeoutMs = 3000): Promise<HealthCheck> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let url: string;
  try {
    url = healthUrlOf(wsUrl);
  } catch {
    return { ok: false, reason: 'invalid gateway URL', ms: 0 };
  }
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const body: unknown = await response.json().catch(() => undefined);
    if (!response.ok) {
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
      return {
        ok: false,
        reason: `HTTP ${response.status}`,
        status: response.status,
        retryAfterMs,
        ms: elapsed(),
      };
    }
    const parsed = healthResponseSchema.safeParse(body);
    if (!parsed.success)
      return {
        ok: false,
        reason: 'health answer is not the protocol JSON',
        status: response.status,
        ms: elapsed(),
      };
    if (parsed.data.status !== 'ready')
      return { ok: false, reason: `status ${parsed.data.status}`, health: parsed.data, ms: elapsed() };
    return { ok: true, health: parsed.data, ms: elapsed() };
  } catch (error) {
    return { ok: false, reason: fetchFailureReason(error, timeoutMs), ms: elapsed() };
  }
}
