// Files shipped in assets/ (sample audio, icons), found both from source (tests, tsx) and
// from dist/ (CLI, Electron) without an absolute path of any machine.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function assetPath(name: string): string {
  const candidates = [
    new URL(`../../assets/${name}`, import.meta.url),
    new URL(`../../../assets/${name}`, import.meta.url),
  ];
  for (const candidate of candidates) {
    const path = fileURLToPath(candidate);
    if (existsSync(path)) return path;
  }
  throw new Error(
    `bundled asset ${name} not found next to the application (looked in ${candidates.map((c) => fileURLToPath(c)).join(', ')})`,
  );
}
