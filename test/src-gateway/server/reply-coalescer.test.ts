// The coalescer over a real TCP connection on loopback: what it corks reaches the peer,
// in order, and writes made in one turn and the next leave the socket together.
import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ReplyCoalescer } from '../../../src-gateway/server/reply-coalescer.js';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

const servers: Server[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A loopback connection: the sending end, its count of socket writes, and what the peer read so far. */
async function loopbackPair() {
  let received = '';
  const server = createServer((peer) => {
    sockets.push(peer);
    peer.setEncoding('utf8');
    peer.on('data', (data: string) => (received += data));
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const sender = connect((server.address() as AddressInfo).port, '127.0.0.1');
  sockets.push(sender);
  await once(sender, 'connect');
  sender.setNoDelay(true);
  // Counts what the stream hands the OS: one call per write, or one for a corked batch.
  const calls = { write: 0, writev: 0 };
  type StreamCall = (this: Socket, ...args: unknown[]) => void;
  const proto = Object.getPrototypeOf(sender) as { _write: StreamCall; _writev: StreamCall };
  sender._write = (...args: unknown[]) => {
    calls.write++;
    return proto._write.apply(sender, args);
  };
  sender._writev = (...args: unknown[]) => {
    calls.writev++;
    return proto._writev.apply(sender, args);
  };
  const readUntil = async (expected: string) => {
    for (let i = 0; i < 200 && received.length < expected.length; i++)
      await new Promise((resolve) => setTimeout(resolve, 5));
    return received;
  };
  return { sender, calls, readUntil };
}

describe('ReplyCoalescer', () => {
  it('sends a reply and one written in the next turn in one socket write, in order', async () => {
    const { sender, calls, readUntil } = await loopbackPair();
    const coalescer = new ReplyCoalescer();
    coalescer.hold(sender);
    sender.write('ack;');
    await nextTurn();
    expect(calls).toEqual({ write: 0, writev: 0 }); // still held: the result may come next turn
    coalescer.hold(sender);
    sender.write('result;');
    await nextTurn();
    await nextTurn();
    expect(calls).toEqual({ write: 0, writev: 1 });
    expect(await readUntil('ack;result;')).toBe('ack;result;');
  });

  it('holds a reply no longer than the end of the next turn', async () => {
    const { sender, calls, readUntil } = await loopbackPair();
    const coalescer = new ReplyCoalescer();
    coalescer.hold(sender);
    sender.write('alone;');
    await nextTurn();
    await nextTurn();
    expect(calls.write + calls.writev).toBe(1);
    expect(sender.writableCorked).toBe(0);
    expect(await readUntil('alone;')).toBe('alone;');
    // A later reply is held afresh, and leaves on its own.
    coalescer.hold(sender);
    sender.write('later;');
    expect(sender.writableCorked).toBe(1);
    await nextTurn();
    await nextTurn();
    expect(calls.write + calls.writev).toBe(2);
    expect(await readUntil('alone;later;')).toBe('alone;later;');
  });

  it('lets a socket that ends while held send what it was given, and forgets a destroyed one', async () => {
    const { sender, readUntil } = await loopbackPair();
    const coalescer = new ReplyCoalescer();
    coalescer.hold(sender);
    sender.write('last words;');
    sender.end();
    expect(await readUntil('last words;')).toBe('last words;');
    const other = await loopbackPair();
    coalescer.hold(other.sender);
    other.sender.write('lost;');
    other.sender.destroy();
    await nextTurn();
    await nextTurn(); // uncorking a destroyed socket must not throw
    expect(other.sender.destroyed).toBe(true);
  });
});
