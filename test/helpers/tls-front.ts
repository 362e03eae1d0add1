// A TLS front on 127.0.0.1 for a plain-ws gateway, as a deployed gateway's load balancer
// terminates TLS: node's tls server with a self-signed certificate that openssl makes for
// the test, each connection piped to the gateway's port. Counts completed handshakes, so a
// test can prove its traffic went through TLS.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createServer } from 'node:tls';

export interface TlsFront {
  /** wss://127.0.0.1:PORT/ws/asr */
  url: string;
  /** The self-signed certificate (PEM): what a client would give as its CA file. */
  certFile: string;
  /** TLS handshakes completed so far. */
  handshakes(): number;
  close(): Promise<void>;
}

export async function startTlsFront(gatewayPort: number, dir: string): Promise<TlsFront> {
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  let handshakes = 0;
  const server = createServer({ key: readFileSync(keyFile), cert: readFileSync(certFile) }, (socket) => {
    handshakes++;
    const upstream = connect(gatewayPort, '127.0.0.1');
    socket.pipe(upstream).pipe(socket);
    const end = () => {
      socket.destroy();
      upstream.destroy();
    };
    socket.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('the TLS front has no port');
  return {
    url: `wss://127.0.0.1:${address.port}/ws/asr`,
    certFile,
    handshakes: () => handshakes,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
