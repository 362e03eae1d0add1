// startEmbeddedGateway runs the compiled gateway as a real child process on a free
// loopback port; stop() ends it gracefully. A gateway that cannot start is a clear error.
import { beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedGatewayError, startEmbeddedGateway } from '../../../src-main/gateway-process/embedded.js';
import { ensureBuilt } from '../../helpers/build.js';
import { TestClient, sessionId, wavBase64 } from '../../src-gateway/support/test-client.js';

beforeAll(() => ensureBuilt(), 300_000);

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('startEmbeddedGateway', () => {
  it('starts a gateway on a free loopback port that serves a session, and stops it', async () => {
    const gateway = await startEmbeddedGateway({ engine: 'synthetic', args: ['--workers', '1'] });
    expect(gateway.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ws\/asr$/);
    expect(isAlive(gateway.pid)).toBe(true);
    const health = (await (await fetch(`${gateway.httpUrl}/api/v1/health`)).json()) as Record<
      string,
      unknown
    >;
    expect(health).toMatchObject({ status: 'ready', engine: 'synthetic' });

    const client = await TestClient.connect(gateway.url);
    const id = sessionId();
    client.start(id);
    client.chunk(id, 0, wavBase64(0.3));
    client.finish(id);
    expect(await client.nextOfType('final_result')).toMatchObject({
      session_id: id,
      text: 'synthetic transcript',
    });
    await client.close();

    await gateway.stop();
    expect(isAlive(gateway.pid)).toBe(false);
  });

  it('two embedded gateways get different ports', async () => {
    const [a, b] = await Promise.all([
      startEmbeddedGateway({ engine: 'synthetic', args: ['--workers', '1'] }),
      startEmbeddedGateway({ engine: 'synthetic', args: ['--workers', '1'] }),
    ]);
    expect(a.url).not.toBe(b.url);
    await Promise.all([a.stop(), b.stop()]);
  });

  it("rejects with the gateway's one-line reason when it cannot start", async () => {
    await expect(startEmbeddedGateway({ engine: 'synthetic', args: ['--workers', 'many'] })).rejects.toThrow(
      /embedded gateway exited \(2\): earshot gateway: --workers must be a number/,
    );
    const previous = process.env.EARSHOT_PS_MODEL_DIR;
    process.env.EARSHOT_PS_MODEL_DIR = '/nonexistent/earshot-model';
    try {
      const failure = startEmbeddedGateway({ engine: 'pocketsphinx', args: ['--workers', '1'] });
      await expect(failure).rejects.toBeInstanceOf(EmbeddedGatewayError);
      await expect(failure).rejects.toThrow(/failed to load/);
    } finally {
      if (previous === undefined) delete process.env.EARSHOT_PS_MODEL_DIR;
      else process.env.EARSHOT_PS_MODEL_DIR = previous;
    }
  });
});
