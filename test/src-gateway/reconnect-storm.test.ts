// A reconnect storm at small numbers (docs/gateway.md, "Reconnect storms"): five live
// sessions drop at once and all come back at once. The real gateway process holds its
// event loop for 300 ms on every upgrade it takes (the test hook --test-upgrade-stall-ms
// stands in for the cost of thousands of comebacks), so while it is behind it takes one
// upgrade a second (--shed-allowance 1) and refuses the others with 503, a Retry-After and
// retry_after_ms, spread at most 2 a second. Every refused client comes back when told and
// resumes its session: nothing sent before the drop is lost, every session finishes.
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../../src-shared/audio/wav.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { readPcm } from '../helpers/speech-fixtures.js';
import { REPO_ROOT } from '../helpers/build.js';
import { TestClient, type Message } from './support/test-client.js';

const SESSIONS = 5;
let gateway: TestGateway;

/** Real speech, split in two chunks (a WAV each, as the protocol sends them). */
const speech = readPcm({ path: join(REPO_ROOT, 'test', 'fixtures', 'short-01-rms.wav') });
const half = Math.floor(speech.length / 2);
const chunks = [speech.subarray(0, half), speech.subarray(half)].map((pcm) =>
  Buffer.from(encodeWav(pcm)).toString('base64'),
);

interface Refused {
  status: number;
  retryAfter: string | undefined;
  body: Record<string, unknown>;
}

/** One upgrade attempt: the open client, or the HTTP refusal with its body. */
function attempt(url: string): Promise<{ client: TestClient } | { refused: Refused }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('open', () => {
      socket.removeAllListeners('error');
      // TestClient takes the socket over from here (its messages, its close).
      resolve({ client: TestClient.adopt(socket) });
    });
    socket.once('unexpected-response', (_request, response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (part: string) => (text += part));
      response.on('end', () => {
        socket.terminate();
        resolve({
          refused: {
            status: response.statusCode ?? 0,
            retryAfter: response.headers['retry-after'] as string | undefined,
            body: JSON.parse(text || '{}') as Record<string, unknown>,
          },
        });
      });
    });
    socket.once('error', reject);
  });
}

/** Upgrades the gateway refused so far because its loop was behind (its /metrics). */
async function refusedOf(target: TestGateway): Promise<number> {
  const metrics = await (await fetch(`${target.httpUrl}/metrics`)).text();
  return Number(/^earshot_upgrades_refused_total\{reason="loop_behind"\} (\d+)/m.exec(metrics)?.[1] ?? 0);
}

beforeAll(async () => {
  gateway = await startGateway([
    ...['--test-upgrade-stall-ms', '300', '--shed-lag-ms', '50', '--shed-allowance', '1'],
    ...['--shed-returns-per-second', '2', '--log-level', 'warn'],
  ]);
});
afterAll(async () => {
  await gateway?.stop();
});

describe('a reconnect storm', () => {
  it('sheds the burst with 503 + Retry-After, and every refused client comes back and resumes', async () => {
    const ids = Array.from({ length: SESSIONS }, (_, i) => `storm-${i}-${Date.now()}`);
    // Live sessions, connected one after another (refused ones, as the loop is behind after
    // each stall, try again when told: the storm proper comes after).
    const connect = async (): Promise<TestClient> => {
      for (;;) {
        const outcome = await attempt(gateway.url);
        if ('client' in outcome) return outcome.client;
        await new Promise((r) => setTimeout(r, Number(outcome.refused.retryAfter) * 1000));
      }
    };
    for (const id of ids) {
      const client = await connect();
      client.start(id);
      await client.nextOfType('ack', id);
      client.chunk(id, 0, chunks[0]);
      await client.next((m) => m.type === 'ack' && m.chunk_index === 0);
      client.socket.terminate(); // the drop: no close handshake, no finish
      await client.closed;
    }

    // All come back in the same instant; a refused one returns when Retry-After says.
    const before = await refusedOf(gateway);
    const refusals: Refused[] = [];
    const comeBack = async (id: string): Promise<Message[]> => {
      for (;;) {
        const outcome = await attempt(gateway.url);
        if ('refused' in outcome) {
          refusals.push(outcome.refused);
          await new Promise((r) => setTimeout(r, Number(outcome.refused.retryAfter) * 1000));
          continue;
        }
        const { client } = outcome;
        client.start(id);
        const resumed = await client.nextOfType('ack', id, 30_000);
        client.chunk(id, 1, chunks[1]);
        client.finish(id);
        const final = await client.nextOfType('final_result', id, 30_000);
        await client.close();
        return [resumed, final];
      }
    };
    const results = await Promise.all(ids.map((id) => comeBack(id)));

    // The burst was shed, explicitly: 503, a whole-second Retry-After, and the same in ms.
    expect(refusals.length).toBeGreaterThan(0);
    for (const refusal of refusals) {
      expect(refusal.status).toBe(503);
      expect(refusal.retryAfter).toMatch(/^[1-9]\d*$/);
      expect(refusal.body).toMatchObject({ code: 'busy', retry_after_ms: Number(refusal.retryAfter) * 1000 });
    }
    // Every session resumed (not restarted) with its chunk from before the drop, and finished
    // with both chunks' text.
    for (const [resumed, final] of results) {
      expect(resumed).toMatchObject({ status: 'session_resumed', received: [0] });
      expect(final).toMatchObject({ type: 'final_result', chunk_count: 2 });
      expect(final.partial ?? false).toBe(false);
    }
    // The gateway counted what it did, and sampled its loop's lag throughout.
    expect((await refusedOf(gateway)) - before).toBe(refusals.length);
    const metrics = await (await fetch(`${gateway.httpUrl}/metrics`)).text();
    const lagSamples = Number(/^earshot_event_loop_lag_seconds_count (\d+)/m.exec(metrics)?.[1] ?? 0);
    expect(lagSamples).toBeGreaterThan(0);
    // Those stalls were seen: samples past 250 ms of lag are in the histogram.
    const underQuarterSecond = Number(
      /^earshot_event_loop_lag_seconds_bucket\{le="0.2"\} (\d+)/m.exec(metrics)?.[1] ?? 0,
    );
    expect(underQuarterSecond).toBeLessThan(lagSamples);
  });
});
