// Found by the web host fuzz (test/fuzz/web-host.fuzz.test.ts): a WebSocket protocol
// violation on the API socket (a frame over the 1 MiB limit, invalid UTF-8 in a text
// frame, an unmasked client frame) followed by more data was answered with a close frame
// and at once a destroyed socket; with the client's bytes still unread, the kernel
// answers with a reset, which throws the close frame away: the page saw 1006 and no
// reason. The socket now closes with the code RFC 6455 gives the violation (1009, 1007,
// 1002), reading on until the close handshake ends, and the host keeps serving.
//
// The real `earshot web` runs as a child process: in this test's own process the client's
// writes and the server's reads take turns on one event loop and the race never shows.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEB_API_PATH } from '../../../src-shared/api/wire.js';
import { MAX_FRAME_BYTES } from '../../../src-main/web/api-socket.js';
import { startWebHost, type WebHostProcess } from '../../e2e/support/web.js';
import { OPCODE, RawWebSocket, type FrameSpec } from '../../helpers/raw-ws.js';

let dir: string;
let web: WebHostProcess;
let token: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-web-close-codes-'));
  mkdirSync(join(dir, 'ui'));
  writeFileSync(join(dir, 'ui', 'index.html'), '<!doctype html><title>Earshot test page</title>');
  web = await startWebHost({ dataDir: join(dir, 'data'), rendererDir: join(dir, 'ui') });
  token = new URL(web.url).searchParams.get('token')!;
}, 300_000);

afterAll(async () => {
  await web?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** More of a message behind the bad frame, in the same write, as a client streaming would have. */
const trailing: FrameSpec[] = [
  { opcode: OPCODE.text, payload: 'A'.repeat(500_000), fin: false },
  { opcode: OPCODE.continuation, payload: 'A'.repeat(500_000) },
];

/** The close codes of five connections that each send `frame` first (the drop was a race). */
async function closeCodesAfter(frame: FrameSpec): Promise<(number | undefined)[]> {
  const codes: (number | undefined)[] = [];
  for (let i = 0; i < 5; i++) {
    const ws = await RawWebSocket.connect(web.port, `${WEB_API_PATH}?token=${token}`);
    ws.send(frame, ...trailing);
    ws.sendText(JSON.stringify({ type: 'call', id: 1, channel: 'app.info', input: {} }));
    await ws.waitForEnd(40_000);
    codes.push(ws.closeCode);
  }
  return codes;
}

describe('API socket protocol violations', () => {
  it('closes an over-limit frame with 1009', async () => {
    const payload = new Uint8Array(MAX_FRAME_BYTES + 1).fill(0x41);
    expect(await closeCodesAfter({ opcode: OPCODE.text, payload })).toEqual([1009, 1009, 1009, 1009, 1009]);
  });

  it('closes invalid UTF-8 in a text frame with 1007', async () => {
    expect(
      await closeCodesAfter({ opcode: OPCODE.text, payload: Uint8Array.of(0x7b, 0xc3, 0x28, 0x7d) }),
    ).toEqual([1007, 1007, 1007, 1007, 1007]);
  });

  it('closes an unmasked client frame and a reserved opcode with 1002', async () => {
    const protocolError = [1002, 1002, 1002, 1002, 1002];
    expect(await closeCodesAfter({ opcode: OPCODE.text, payload: '{}', mask: false })).toEqual(protocolError);
    expect(await closeCodesAfter({ opcode: 5, payload: 'x' })).toEqual(protocolError);
  });

  it('keeps serving afterwards', async () => {
    expect(web.process.exitCode).toBeNull();
    const ws = await RawWebSocket.connect(web.port, `${WEB_API_PATH}?token=${token}`);
    ws.sendText(JSON.stringify({ type: 'call', id: 1, channel: 'app.info', input: {} }));
    const [reply] = await ws.waitForMessages(1, 10_000, (m) => m.type === 'result');
    expect(reply).toMatchObject({ id: 1, ok: true });
    ws.destroy();
  });
});
