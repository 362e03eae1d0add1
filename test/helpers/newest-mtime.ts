// Freshness checks for the build helpers: the newest modification time among the files
// under some folders (recursively, those `include` accepts) and some single files.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function newestMtime(
  dirs: string[],
  files: string[],
  include: (name: string) => boolean = () => true,
): number {
  let newest = 0;
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (include(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const dir of dirs) walk(dir);
  for (const path of files) if (existsSync(path)) newest = Math.max(newest, statSync(path).mtimeMs);
  return newest;
}
