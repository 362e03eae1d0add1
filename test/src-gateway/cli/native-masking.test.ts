// The gateway's ready line says whether ws masks frames natively (bufferutil, an optional
// dependency the README's install brings) or with its JavaScript loop, and ws's own
// switch WS_NO_BUFFER_UTIL turns it off. Real gateway processes.
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../../helpers/build.js';
import { startGateway } from '../../helpers/gateway.js';

beforeAll(() => ensureBuilt(), 300_000);

async function readyLine(env?: NodeJS.ProcessEnv): Promise<{ ws_native_masking?: boolean }> {
  const gateway = await startGateway(['--engine', 'synthetic', '--workers', '1', '--port', '0'], { env });
  try {
    const line = gateway
      .stderr()
      .split('\n')
      .find((l) => l.includes('"event":"listening"'));
    if (!line) throw new Error(`no listening line; stderr: ${gateway.stderr().slice(-2000)}`);
    return JSON.parse(line) as { ws_native_masking?: boolean };
  } finally {
    await gateway.stop();
  }
}

describe('ws native masking', () => {
  it('is on where bufferutil is installed, as npm ci installs it here', async () => {
    expect((await readyLine()).ws_native_masking).toBe(true);
  });

  it('is off, and said to be, with WS_NO_BUFFER_UTIL', async () => {
    expect((await readyLine({ ...process.env, WS_NO_BUFFER_UTIL: '1' })).ws_native_masking).toBe(false);
  });
});
