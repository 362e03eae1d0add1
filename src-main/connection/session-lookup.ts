// Looks one session up on a gateway through the session lookup API (GET
// /api/v1/session/:id, the kikipounamu gateway's route, which the Earshot gateway serves
// too; docs/interop.md), for `earshot status --session` and the Status view. Never throws:
// a failure is a value with the reason, the way support staff need to read it.
import { ROUTES, sessionDetailSchema, type SessionDetail } from '../../src-shared/protocol/messages.js';
import { httpBaseOf } from '../protocol-client/urls.js';
import { fetchFailureReason } from './fetch-failure.js';

export type SessionLookup =
  { ok: true; session: SessionDetail } | { ok: false; reason: string; status?: number };

/** The token for HTTP: the one given, else a ?token= in the gateway URL. */
function tokenFor(wsUrl: string, token: string | undefined): string | undefined {
  if (token) return token;
  try {
    return new URL(wsUrl).searchParams.get('token') ?? undefined;
  } catch {
    return undefined;
  }
}

export async function lookupSession(
  wsUrl: string,
  sessionId: string,
  options: { token?: string; timeoutMs?: number } = {},
): Promise<SessionLookup> {
  if (!sessionId.trim()) return { ok: false, reason: 'a session id is needed' };
  let url: string;
  try {
    url = `${httpBaseOf(wsUrl)}${ROUTES.sessionPrefix}${encodeURIComponent(sessionId)}`;
  } catch {
    return { ok: false, reason: 'invalid gateway URL' };
  }
  const token = tokenFor(wsUrl, options.token);
  const timeoutMs = options.timeoutMs ?? 5000;
  try {
    const response = await fetch(url, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body: unknown = await response.json().catch(() => undefined);
    if (response.status === 404)
      return { ok: false, status: 404, reason: `no session ${sessionId} on this gateway` };
    if (response.status === 401 || response.status === 403)
      return { ok: false, status: response.status, reason: 'the gateway refused the token' };
    if (!response.ok) {
      const said = (body as { error?: unknown } | undefined)?.error;
      return {
        ok: false,
        status: response.status,
        reason: `HTTP ${response.status}${typeof said === 'string' ? `: ${said}` : ''}`,
      };
    }
    const parsed = sessionDetailSchema.safeParse(body);
    if (!parsed.success) return { ok: false, status: response.status, reason: 'the answer is not a session' };
    return { ok: true, session: parsed.data };
  } catch (error) {
    return { ok: false, reason: `cannot reach the gateway (${fetchFailureReason(error, timeoutMs)})` };
  }
}

/** The session as a few readable lines. */
export function describeSession(session: SessionDetail): string[] {
  const chunks = Object.keys(session.completed ?? session.results ?? {}).length;
  const done = Object.values(session.completed ?? {}).filter(Boolean).length;
  const lines = [
    ['session', session.id],
    ['user', session.user_id ?? '-'],
    ['status', `${session.status}${session.partial ? ' (partial)' : ''}`],
    ['chunks', `${session.chunk_count ?? chunks}${chunks ? ` (${done} of ${chunks} recognised)` : ''}`],
    ['started', session.created_at ?? '-'],
  ];
  if (session.completed_at) lines.push(['finished', session.completed_at]);
  if (session.duration) lines.push(['duration', `${session.duration} s`]);
  if (session.audio_seconds !== undefined) lines.push(['audio', `${session.audio_seconds} s`]);
  lines.push(['text', session.final_text || '-']);
  return lines.map(([key, value]) => `${key.padEnd(9)}${value}`);
}
