// Opens a WebSocket that the gateway is expected to refuse before the upgrade, and
// returns the HTTP answer (status, headers, JSON body).
import WebSocket from 'ws';

export interface HttpRefusal {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

export function expectRefusal(url: string, options: WebSocket.ClientOptions = {}): Promise<HttpRefusal> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, options);
    socket.once('open', () => {
      socket.close();
      reject(new Error('the gateway accepted a connection it should have refused'));
    });
    socket.once('unexpected-response', (_request, response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (part: string) => (text += part));
      response.on('end', () => {
        socket.terminate();
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: JSON.parse(text || '{}') as Record<string, unknown>,
        });
      });
    });
    socket.once('error', (error) => reject(error));
  });
}
