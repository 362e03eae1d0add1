// Tiny and read-only file systems for disk-full / read-only tests: a tmpfs mounted by
// the test. Needs root and mount(8) (true in the project's CI container); tests skip
// with MOUNT_SKIP_REASON otherwise.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const MOUNT_SKIP_REASON = 'needs root and mount(8) to mount a tiny or read-only tmpfs';

let cached: boolean | undefined;

export function canMountTmpfs(): boolean {
  if (cached !== undefined) return cached;
  cached = false;
  if (process.getuid?.() !== 0 || process.platform !== 'linux') return cached;
  const probe = mkdtempSync(join(tmpdir(), 'earshot-mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    cached = true;
  } catch {
    cached = false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
  return cached;
}
