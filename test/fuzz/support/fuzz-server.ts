// The fuzz loop both servers share. Each case is either one raw HTTP exchange (request
// bytes out, client half-closes, everything read back until the server closes) or one
// WebSocket conversation (a valid handshake, then the generated frames in one write, then
// a marker message whose reply shows the server read everything before it, then a clean
// close). After every batch of cases the server must still answer its health check and
// the healthy session beside the fuzz takes its next step.
import fc from 'fast-check';
import { OPCODE, RawWebSocket, type ServerFrame } from '../../helpers/raw-ws.js';
import { exchange, parseReplies } from './http-exchange.js';
import { httpCase, type HttpCase, type HttpProfile } from './http-arbitraries.js';
import { wsCase, type WsCase, type WsProfile } from './ws-arbitraries.js';

/** Close codes a server may send on its own (RFC 6455 section 7.4.1, and 1013 "try again later"). */
export const SERVER_CLOSE_CODES = new Set([1000, 1001, 1002, 1003, 1007, 1008, 1009, 1013]);

export interface FuzzTarget {
  port: number;
  http: HttpProfile;
  /**
   * How long a server may take to answer or close an HTTP exchange: its own request
   * timeout plus a margin. The client half-closes, so a server that waits this long for
   * the rest of a request has missed the end of the stream.
   */
  httpBoundMs: number;
  ws: WsProfile & {
    /** Path and extra handshake headers of an accepted upgrade. */
    path: string;
    headers: string[];
    /** A text message the server answers in order after what came before it. */
    marker(n: number): { text: string; isReply(message: unknown): boolean };
    /** A short name of a server message for the statistics, e.g. "error/bad_json". */
    describeServerText(message: unknown): string;
    /** Why a text frame from the server is not a valid message (undefined: it is). */
    checkServerText(message: unknown): string | undefined;
  };
  /** How long a WebSocket step may take (the marker's reply, the close). */
  wsBoundMs: number;
  /** Cases between health checks. */
  batch: number;
  /** Throws when the server no longer answers as it should. */
  health(): Promise<void>;
  /** The next step of the healthy session running beside the fuzz. */
  healthyStep(): Promise<void>;
  /** Why a reply must never be seen, e.g. it carries a file from outside the served folder. */
  forbiddenInReply?(reply: Buffer): string | undefined;
}

export type FuzzCase = HttpCase | WsCase;

/** What the fuzz saw, printed after a run: shows how deep the cases got. */
export class FuzzStats {
  readonly statuses = new Map<string, number>();
  readonly closes = new Map<string, number>();
  readonly replies = new Map<string, number>();

  static bump(map: Map<string, number>, key: string): void {
    map.set(key, (map.get(key) ?? 0) + 1);
  }

  summary(): string {
    const show = (map: Map<string, number>) =>
      [...map]
        .sort((a, b) => b[1] - a[1])
        .map(([k, n]) => `${k}:${n}`)
        .join(' ');
    return `HTTP statuses ${show(this.statuses)}\nWebSocket closes ${show(this.closes)}\nreplies ${show(this.replies)}`;
  }
}

/** A case as a failure report shows it: long payloads cut, bytes as escaped text. */
export function describeCase(c: FuzzCase): string {
  const cut = (bytes: Uint8Array | string | undefined, max = 300) => {
    const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes ?? []).toString('latin1');
    return JSON.stringify(text.length > max ? `${text.slice(0, max)}...(${text.length} chars)` : text);
  };
  if (c.kind === 'http') return `http ${cut(c.bytes, 600)}`;
  const frames = c.frames.map((f) => {
    const flags = [
      f.fin === false ? 'fin=0' : '',
      f.rsv ? `rsv=${f.rsv}` : '',
      f.mask === false ? 'unmasked' : '',
      f.declaredLength !== undefined ? `declared=${f.declaredLength}` : '',
    ].filter(Boolean);
    return `  opcode ${f.opcode}${flags.length ? ` (${flags.join(' ')})` : ''}: ${cut(f.payload)}`;
  });
  return `ws${c.leavesFrameOpen ? ' (leaves a frame open)' : ''}\n${frames.join('\n')}`;
}

export function fuzzCase(target: FuzzTarget): fc.Arbitrary<FuzzCase> {
  return fc
    .oneof({ weight: 3, arbitrary: httpCase(target.http) }, { weight: 2, arbitrary: wsCase(target.ws) })
    .map((c) => Object.assign(c, { [fc.toStringMethod]: () => describeCase(c) }));
}

async function checkHttp(target: FuzzTarget, c: HttpCase, stats: FuzzStats): Promise<void> {
  const { reply, closedByServer } = await exchange(target.port, c.bytes, target.httpBoundMs);
  if (!closedByServer)
    throw new Error(`the server held the connection for ${target.httpBoundMs} ms after the client's end`);
  const parsed = parseReplies(reply);
  const detail = () => `reply: ${JSON.stringify(reply.subarray(0, 300).toString('latin1'))}`;
  if (parsed.problem) throw new Error(`malformed reply (${parsed.problem}); ${detail()}`);
  for (const status of parsed.statuses) FuzzStats.bump(stats.statuses, String(status));
  if (parsed.statuses.length === 0) FuzzStats.bump(stats.statuses, 'none');
  const bad = parsed.statuses.find(
    (s) => s >= 500 || (s >= 300 && s < 400) || (s < 200 && s !== 100 && s !== 101),
  );
  if (bad !== undefined) throw new Error(`status ${bad}; ${detail()}`);
  // Anything but blank lines is a request, and a request gets an answer, never silence.
  if (parsed.statuses.length === 0 && /[^\r\n]/.test(c.bytes.toString('latin1')))
    throw new Error(`no response at all to ${c.bytes.length} bytes`);
  const forbidden = target.forbiddenInReply?.(reply);
  if (forbidden) throw new Error(`${forbidden}; ${detail()}`);
}

/** Codes of the client's own valid close frames (the server echoes them, RFC 6455 section 5.5.1). */
function echoableCloseCodes(c: WsCase): { codes: Set<number>; empty: boolean } {
  const codes = new Set<number>();
  let empty = false;
  for (const frame of c.frames) {
    if (frame.opcode !== OPCODE.close || frame.declaredLength !== undefined) continue;
    const payload = Buffer.from(frame.payload ?? []);
    if (payload.length === 0) empty = true;
    if (payload.length >= 2) codes.add(payload.readUInt16BE(0));
  }
  return { codes, empty };
}

function describeFrames(frames: ServerFrame[]): string {
  return JSON.stringify(
    frames.slice(-6).map((f) => ({ opcode: f.opcode, payload: f.payload.subarray(0, 200).toString('utf8') })),
  );
}

let markers = 0;

async function checkWs(target: FuzzTarget, c: WsCase, stats: FuzzStats): Promise<void> {
  const ws = await RawWebSocket.connect(target.port, target.ws.path, target.ws.headers);
  try {
    ws.send(...c.frames);
    let answered = false;
    let droppedAt: number | undefined;
    if (c.leavesFrameOpen) ws.end();
    else {
      const marker = target.ws.marker(++markers);
      ws.sendText(marker.text);
      const replied = () =>
        ws.frames.some((f) => {
          if (f.opcode !== OPCODE.text) return false;
          try {
            return marker.isReply(JSON.parse(f.payload.toString('utf8')));
          } catch {
            return false;
          }
        });
      const waitStart = Date.now();
      answered = await ws.waitUntil(() => replied() || ws.closeCode !== undefined, target.wsBoundMs);
      if (!answered && ws.hasEnded) droppedAt = Date.now() - waitStart;
      const close = Buffer.alloc(2);
      close.writeUInt16BE(1000);
      ws.send({ opcode: OPCODE.close, payload: close });
    }
    await ws.waitUntil(() => false, target.wsBoundMs);
    if (!ws.hasEnded)
      throw new Error(`the connection was still open ${target.wsBoundMs} ms after the client's close`);
    const closeFrames = ws.frames.filter((f) => f.opcode === OPCODE.close);
    if (!c.leavesFrameOpen && !answered && closeFrames.length === 0)
      throw new Error(
        droppedAt !== undefined
          ? `the server dropped the connection without a close frame (after ${droppedAt} ms); frames: ${describeFrames(ws.frames)}`
          : `neither the marker's reply nor a close frame within ${target.wsBoundMs} ms; frames: ${describeFrames(ws.frames)}`,
      );
    const firstClose = closeFrames[0]?.payload;
    FuzzStats.bump(
      stats.closes,
      firstClose === undefined
        ? 'none'
        : firstClose.length >= 2
          ? String(firstClose.readUInt16BE(0))
          : 'empty',
    );
    const echo = echoableCloseCodes(c);
    for (const frame of closeFrames) {
      if (frame.payload.length === 0) {
        if (!echo.empty) throw new Error('a close frame without a code, to a client that sent none');
        continue;
      }
      const code = frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : -1;
      if (!SERVER_CLOSE_CODES.has(code) && !echo.codes.has(code))
        throw new Error(`close code ${code} (${JSON.stringify(frame.payload.subarray(2).toString('utf8'))})`);
    }
    for (const frame of ws.frames) {
      if (![OPCODE.text, OPCODE.close, OPCODE.ping, OPCODE.pong].includes(frame.opcode as 1))
        throw new Error(`a frame with opcode ${frame.opcode}`);
      if (frame.opcode !== OPCODE.text) continue;
      let message: unknown;
      try {
        message = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(frame.payload));
      } catch {
        throw new Error(`a text frame that is not UTF-8 JSON: ${describeFrames([frame])}`);
      }
      FuzzStats.bump(stats.replies, target.ws.describeServerText(message));
      const problem = target.ws.checkServerText(message);
      if (problem) throw new Error(`${problem}: ${frame.payload.subarray(0, 300).toString('utf8')}`);
    }
  } finally {
    ws.destroy();
  }
}

/** The property: every case is answered well, and the server stays healthy batch after batch. */
export function serverProperty(target: FuzzTarget, stats: FuzzStats): fc.IAsyncProperty<[FuzzCase]> {
  let done = 0;
  return fc.asyncProperty(fuzzCase(target), async (c) => {
    if (c.kind === 'http') await checkHttp(target, c, stats);
    else await checkWs(target, c, stats);
    if (++done % target.batch === 0) {
      await target.health();
      await target.healthyStep();
    }
  });
}
