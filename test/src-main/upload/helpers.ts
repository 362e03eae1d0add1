// Shared by the uploader tests: outboxes in temp folders filled with chunked fixture
// speech, free loopback ports, and a TCP proxy whose connections a test can cut.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutboxStore } from '../../../src-main/outbox/store.js';
import { REPO_ROOT } from '../../helpers/build.js';
import { fixtureChunksAt } from '../../helpers/fixture-chunks.js';

export const PHRASE = 'synthetic words';

export function fixtureChunks(file = 'long-01-rms.wav') {
  return fixtureChunksAt(join(REPO_ROOT, 'test', 'fixtures', file));
}

export function tempStore(): { store: OutboxStore; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'earshot-upload-'));
  const store = OutboxStore.open(dir);
  return {
    store,
    cleanup() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A sealed recording made of the fixture's chunks; returns its id and chunk count. */
export function addRecording(
  store: OutboxStore,
  file = 'long-01-rms.wav',
  seal = true,
): { id: number; chunks: number } {
  const recording = store.createRecording({ source: `test:${file}` });
  const chunks = fixtureChunks(file);
  for (const chunk of chunks) store.appendChunk(recording.id, chunk);
  if (seal) store.sealRecording(recording.id);
  return { id: recording.id, chunks: chunks.length };
}

export function expectedText(chunks: number): string {
  return Array.from({ length: chunks }, () => PHRASE).join(' ');
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Forwards 127.0.0.1:<port> to a target port; cut() drops every live connection at once. */
export async function startProxy(
  targetPort: number,
): Promise<{ port: number; cut(): void; freeze(): void; connections: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((inbound) => {
    connections++;
    const outbound = connect(targetPort, '127.0.0.1');
    for (const socket of [inbound, outbound]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    cut() {
      for (const socket of sockets) socket.destroy();
    },
    /** Stops forwarding without closing anything: a half-open connection. */
    freeze() {
      for (const socket of sockets) {
        socket.unpipe();
        socket.pause();
      }
    },
    get connections() {
      return connections;
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
