// The kikipounamu gateway's HTTP API for looking sessions up, in its response shapes
// (docs/interop.md, "HTTP API"): GET /api/v1/history, GET and DELETE /api/v1/session/:id,
// GET /api/v1/stats. Support staff use them to find a user's session; `earshot status
// --session ID` and the Status view read them. Behind the gateway token when one is set.
// The Earshot dialect adds fields (unknown fields are ignored by both sides) and a `code`
// on errors; --base-protocol answers with their fields only.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestTarget } from '../../src-shared/http/request-target.js';
import { ROUTES } from '../../src-shared/protocol/messages.js';
import type { FinishedSession, HistoryStore } from './history-store.js';
import { sendJson } from './json-response.js';
import type { SessionRecord, SessionStore } from './session-store.js';

/** What the routes need from the gateway's sessions. */
export interface SessionSource {
  store: SessionStore;
  history: HistoryStore;
  /** chunk_count as this gateway's final_result would say it. */
  chunkCountOf(record: SessionRecord): number;
  /** Forgets a live session (its client gets session_not_found next). */
  forget(sessionId: string): Promise<void>;
  /** Recognition done by this gateway since it started. */
  totals(): { tasks: number; audioSeconds: number; processingSeconds: number };
}

export interface SessionRoutesOptions {
  base: boolean;
  /** False when a token is set and the request does not carry it. */
  authorized(request: IncomingMessage, searchParams: URLSearchParams): boolean;
}

/** Records of GET /api/v1/history by default (their handler's fixed number); ?limit= up to 100. */
export const HISTORY_DEFAULT_LIMIT = 20;
const HISTORY_MAX_LIMIT = 100;

const iso = (ms: number) => new Date(ms).toISOString();
const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Handles the request if it is one of these routes; false lets other routes try. */
export function handleSessionRoute(
  request: IncomingMessage,
  response: ServerResponse,
  target: RequestTarget,
  source: SessionSource,
  options: SessionRoutesOptions,
): boolean {
  const path = target.pathname;
  const sessionPath = path.startsWith(ROUTES.sessionPrefix)
    ? path.slice(ROUTES.sessionPrefix.length)
    : undefined;
  if (path !== ROUTES.history && path !== ROUTES.stats && sessionPath === undefined) return false;
  const error = (status: number, message: string, code: string) =>
    sendJson(response, status, options.base ? { error: message } : { error: message, code });
  const method = request.method ?? 'GET';
  const allowed = sessionPath !== undefined ? ['GET', 'HEAD', 'DELETE'] : ['GET', 'HEAD'];
  if (!allowed.includes(method)) {
    response.setHeader('allow', allowed.join(', '));
    error(405, `method ${method} not allowed on ${path}`, 'method_not_allowed');
    return true;
  }
  if (!options.authorized(request, target.searchParams)) {
    error(401, 'missing or wrong token', 'unauthorized');
    return true;
  }
  let id: string | undefined;
  if (sessionPath !== undefined) {
    try {
      id = decodeURIComponent(sessionPath);
    } catch {
      id = undefined;
    }
    if (!id || id.includes('/')) {
      error(400, 'the path needs one session id: /api/v1/session/<id>', 'bad_request');
      return true;
    }
  }
  const reply = async () => {
    if (path === ROUTES.history) {
      const limitText = target.searchParams.get('limit');
      const limit = limitText === null ? HISTORY_DEFAULT_LIMIT : Number(limitText);
      if (!Number.isInteger(limit) || limit < 1 || limit > HISTORY_MAX_LIMIT)
        return error(400, `limit must be a whole number from 1 to ${HISTORY_MAX_LIMIT}`, 'bad_request');
      const records = (await source.history.list(limit)).map((s) => historyRecord(s, options.base));
      return sendJson(response, 200, { total: records.length, records });
    }
    if (path === ROUTES.stats) return sendJson(response, 200, await stats(source, options.base));
    if (method === 'DELETE') {
      const live = await source.store.get(id!);
      if (live) await source.forget(id!);
      const kept = await source.history.delete(id!);
      if (!live && !kept) return error(404, 'Session not found', 'session_not_found');
      return sendJson(response, 200, { message: 'Session deleted' });
    }
    const detail = await sessionDetail(id!, source, options.base);
    if (!detail) return error(404, 'Session not found', 'session_not_found');
    sendJson(response, 200, detail);
  };
  reply().catch(() => {
    if (!response.headersSent) error(503, 'session storage unavailable', 'internal');
    else response.destroy();
  });
  return true;
}

function historyRecord(session: FinishedSession, base: boolean): Record<string, unknown> {
  const record: Record<string, unknown> = {
    session_id: session.sessionId,
    text: session.text,
    duration: round(session.duration),
    chunk_count: session.chunkCount,
    created_at: iso(session.createdAt),
  };
  if (!base)
    Object.assign(record, {
      completed_at: iso(session.completedAt),
      audio_seconds: round(session.audioSeconds),
      partial: session.partial,
    });
  return record;
}

/** Their Session shape: live sessions from the session store, finished ones from the history. */
async function sessionDetail(
  id: string,
  source: SessionSource,
  base: boolean,
): Promise<Record<string, unknown> | undefined> {
  const live = await source.store.get(id);
  const finished = live?.final
    ? await source.history.get(id)
    : live
      ? undefined
      : await source.history.get(id);
  if (finished) {
    const indexes = Object.keys(finished.results);
    return withExtensions(
      {
        id,
        user_id: finished.userId ?? 'anonymous',
        status: 'done',
        chunk_count: finished.chunkCount,
        results: finished.results,
        completed: Object.fromEntries(indexes.map((index) => [index, true])),
        final_text: finished.text,
        duration: round(finished.duration),
        created_at: iso(finished.createdAt),
        completed_at: iso(finished.completedAt),
      },
      base,
      { audio_seconds: round(finished.audioSeconds), partial: finished.partial },
    );
  }
  if (!live) return undefined;
  const indexes = live.chunks.indexes();
  return withExtensions(
    {
      id,
      user_id: live.userId ?? 'anonymous',
      status: live.final ? 'done' : live.finishRequested ? 'finishing' : 'recording',
      chunk_count: source.chunkCountOf(live),
      results: Object.fromEntries(
        Object.entries(live.chunks.outcomes()).map(([index, outcome]) => [index, outcome.text ?? '']),
      ),
      completed: Object.fromEntries(indexes.map((index) => [index, live.chunks.hasOutcome(index)])),
      final_text: live.final?.text ?? '',
      duration: round(live.final?.duration ?? 0),
      created_at: iso(live.startedAt),
    },
    base,
    {
      audio_seconds: round(live.chunks.audioSeconds()),
      ...(live.final ? { partial: live.final.partial } : {}),
    },
  );
}

function withExtensions(
  shape: Record<string, unknown>,
  base: boolean,
  extensions: Record<string, unknown>,
): Record<string, unknown> {
  return base ? shape : { ...shape, ...extensions };
}

async function stats(source: SessionSource, base: boolean): Promise<Record<string, unknown>> {
  const totals = source.totals();
  const usage = await source.history.usage();
  const shape = {
    total_tasks: totals.tasks,
    total_duration: round(totals.audioSeconds),
    avg_rtf: totals.audioSeconds > 0 ? round(totals.processingSeconds / totals.audioSeconds, 4) : 0,
    storage_used: `${(usage.bytes / 1024 / 1024).toFixed(2)} MB`,
  };
  return withExtensions(shape, base, { sessions_in_history: usage.sessions });
}
