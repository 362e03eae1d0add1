// A launcher may send SIGTERM the instant it reads the ready line (tests and the
// embedded gateway do). The gateway must already be listening for signals then, and
// shut down gracefully (exit 0), not die of the signal.
import { spawn } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../../helpers/build.js';
import { GATEWAY_SCRIPT } from '../../helpers/gateway.js';

beforeAll(() => ensureBuilt(), 300_000);

function startAndSignalAtReady(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [GATEWAY_SCRIPT, '--port', '0', '--engine', 'synthetic', '--workers', '1'],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    let signalled = false;
    child.stdout.on('data', (data: Buffer) => {
      if (!signalled && data.toString().includes('Earshot gateway listening on')) {
        signalled = true;
        child.kill('SIGTERM');
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
}

describe('earshot gateway ready line', () => {
  it('handles SIGTERM sent the moment the ready line appears: graceful exit 0', async () => {
    for (let trial = 0; trial < 5; trial++) {
      expect(await startAndSignalAtReady()).toEqual({ code: 0, signal: null });
    }
  });
});
