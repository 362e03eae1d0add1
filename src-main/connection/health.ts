// GET /api/v1/health of a gateway, validated: the circuit breaker's probe and the
// connection monitor's poll. Never throws; a failure is a value with the reason.
import { parseRetryAfter } from '../../src-shared/backoff.js';
import { healthResponseSchema, type HealthResponse } from '../../src-shared/protocol/messages.js';
import type { GatewayHealth } from '../../src-shared/api/status.js';
import { healthUrlOf } from '../protocol-client/urls.js';
import { fetchFailureReason, getGatewayJson } from './gateway-fetch.js';

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
  const failed = (
    reason: string,
    details: { status?: number; retryAfterMs?: number; health?: HealthResponse } = {},
  ): HealthCheck => ({ ok: false, reason, ...details, ms: elapsed() });
  let url: string;
  try {
    url = healthUrlOf(wsUrl);
  } catch {
    return { ok: false, reason: 'invalid gateway URL', ms: 0 };
  }
  try {
    const { response, body } = await getGatewayJson(url, timeoutMs);
    const parsed = healthResponseSchema.safeParse(body);
    if (!response.ok) {
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
      // An Earshot gateway says why it is not ready; a bare status code is all others give.
      const said = parsed.success ? parsed.data : undefined;
      return failed(said?.reason ?? (said?.status ? `status ${said.status}` : `HTTP ${response.status}`), {
        status: response.status,
        retryAfterMs,
        ...(said ? { health: said } : {}),
      });
    }
    if (!parsed.success) return failed('health answer is not the protocol JSON', { status: response.status });
    if (parsed.data.status !== 'ready')
      return failed(parsed.data.reason ?? `status ${parsed.data.status}`, { health: parsed.data });
    return { ok: true, health: parsed.data, ms: elapsed() };
  } catch (error) {
    return failed(fetchFailureReason(error, timeoutMs));
  }
}

/** Earshot's health answer adds engine and version to the base gateway's four fields. */
export function protocolOf(health: GatewayHealth | null): 'earshot' | 'base' | null {
  if (!health?.status) return null;
  return health.engine !== undefined || health.version !== undefined ? 'earshot' : 'base';
}
