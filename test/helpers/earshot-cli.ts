// Runs the compiled `earshot` CLI (bin/earshot.js) as a user would: a child process in the
// repository, its exit code and output captured whether it succeeds or not.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './build.js';

export const EARSHOT_CLI = join(REPO_ROOT, 'bin', 'earshot.js');

export interface CliResult {
  /** The exit code; -1 when the process ended by a signal or the timeout. */
  code: number;
  stdout: string;
  stderr: string;
}

const run = promisify(execFile);

export async function runEarshot(args: string[], timeoutMs = 60_000): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [EARSHOT_CLI, ...args], {
      cwd: REPO_ROOT,
      timeout: timeoutMs,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === 'number' ? failed.code : -1,
      stdout: failed.stdout ?? '',
      stderr: failed.stderr ?? '',
    };
  }
}
