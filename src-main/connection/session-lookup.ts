// Looks one session up on a gateway through the session lookup API (GET
// /api/v1/session/:id, the kikipounamu gateway's route, which the Earshot gateway serves
// too; docs/interop.md), for `earshot status --session` and the Status view. Never throws:
// a failure is a value with the reason, the way support staff need to read it.
import type {
  GatewaySession,
  SessionLookupAttempt,
  SessionLookupFailure,
  SessionLookupResult,
} from '../../src-shared/api/status.js';
import { ROUTES, sessionDetailSchema, type SessionDetail } from '../../src-shared/protocol/messages.js';
import { httpBaseOf, redactUrl } from '../protocol-client/urls.js';
import { fetchFailureReason, getGatewayJson } from './gateway-fetch.js';

export type SessionLookup =
  | { ok: true; session: SessionDetail }
  | { ok: false; failure: SessionLookupFailure | 'bad_input'; reason: string; status?: number };

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
  if (!sessionId.trim()) return { ok: false, failure: 'bad_input', reason: 'a session id is needed' };
  let url: string;
  try {
    url = `${httpBaseOf(wsUrl)}${ROUTES.sessionPrefix}${encodeURIComponent(sessionId)}`;
  } catch {
    return { ok: false, failure: 'bad_url', reason: 'invalid gateway URL' };
  }
  const token = tokenFor(wsUrl, options.token);
  const timeoutMs = options.timeoutMs ?? 5000;
  try {
    const { response, body } = await getGatewayJson(url, timeoutMs, token);
    if (response.status === 404)
      return {
        ok: false,
        failure: 'not_found',
        status: 404,
        reason: `no session ${sessionId} on this gateway`,
      };
    if (response.status === 401 || response.status === 403)
      return {
        ok: false,
        failure: 'unauthorized',
        status: response.status,
        reason: token ? 'the gateway refused the token' : 'the gateway wants a token and none is set',
      };
    if (!response.ok) {
      const said = (body as { error?: unknown } | undefined)?.error;
      return {
        ok: false,
        failure: 'http_error',
        status: response.status,
        reason: `HTTP ${response.status}${typeof said === 'string' ? `: ${said}` : ''}`,
      };
    }
    const parsed = sessionDetailSchema.safeParse(body);
    if (!parsed.success)
      return {
        ok: false,
        failure: 'bad_answer',
        status: response.status,
        reason: 'the answer is not a session',
      };
    return { ok: true, session: parsed.data };
  } catch (error) {
    return {
      ok: false,
      failure: 'unreachable',
      reason: `cannot reach the gateway (${fetchFailureReason(error, timeoutMs)})`,
    };
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

/** The session as the app's API carries it: chunks as a sorted list, names in camelCase. */
export function toGatewaySession(detail: SessionDetail): GatewaySession {
  const indexes = new Set<number>();
  for (const key of [...Object.keys(detail.results ?? {}), ...Object.keys(detail.completed ?? {})]) {
    // Keys are chunk indexes written as JSON object keys; anything else is not a chunk.
    if (/^\d{1,9}$/.test(key)) indexes.add(Number(key));
  }
  const chunks = [...indexes]
    .sort((a, b) => a - b)
    .map((index) => {
      const text = detail.results?.[String(index)];
      const recognised = detail.completed?.[String(index)] ?? text !== undefined;
      return { index, recognised, ...(recognised && text !== undefined ? { text } : {}) };
    });
  const count = (n: number | undefined) => (n !== undefined && Number.isInteger(n) && n >= 0 ? n : undefined);
  const seconds = (n: number | undefined) => (n !== undefined && n >= 0 ? n : undefined);
  const session: GatewaySession = { id: detail.id, status: detail.status, chunks };
  if (detail.user_id !== undefined) session.userId = detail.user_id;
  if (count(detail.chunk_count) !== undefined) session.chunkCount = count(detail.chunk_count);
  if (detail.final_text !== undefined) session.finalText = detail.final_text;
  if (seconds(detail.duration) !== undefined) session.duration = seconds(detail.duration);
  if (seconds(detail.audio_seconds) !== undefined) session.audioSeconds = seconds(detail.audio_seconds);
  if (detail.partial !== undefined) session.partial = detail.partial;
  if (detail.created_at) session.createdAt = detail.created_at;
  if (detail.completed_at) session.completedAt = detail.completed_at;
  return session;
}

export interface LookupGateway {
  url: string;
  /** How the Status view names it ("This computer", or the URL's host). */
  label: string;
}

/**
 * The Status view's lookup: asks every configured gateway at once (a session lives on
 * the one its recording went to) and answers with the first in order of preference that
 * holds it, else with what each one said. The token goes only to these URLs, the ones
 * recordings are delivered to: the renderer cannot name another host.
 */
export async function lookupSessionOnGateways(
  gateways: readonly LookupGateway[],
  sessionId: string,
  options: { token?: string; timeoutMs?: number } = {},
): Promise<SessionLookupResult> {
  if (!sessionId.trim()) throw new Error('a session id is needed');
  const answers = await Promise.all(gateways.map((g) => lookupSession(g.url, sessionId, options)));
  const attempts: SessionLookupAttempt[] = [];
  for (const [i, answer] of answers.entries()) {
    const from = { gatewayUrl: redactUrl(gateways[i].url), label: gateways[i].label };
    if (answer.ok) {
      return {
        found: true,
        from: { ...from, message: `found on ${from.label}` },
        session: toGatewaySession(answer.session),
      };
    }
    // The id was checked above, so the failure is the gateway's, never bad_input.
    attempts.push({ ...from, failure: answer.failure as SessionLookupFailure, message: answer.reason });
  }
  return { found: false, attempts };
}
