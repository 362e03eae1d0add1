// Where the compiled gateway runtime lives. src-main only knows it as a path to run,
// never as code to import (docs/architecture.md, "May import").
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Absolute path of dist/src-gateway/cli/<name>.js. */
export function gatewayEntryPoint(name: 'gateway' | 'worker' = 'gateway'): string {
  // Works from dist/src-main/gateway-process/ and, in tests, from src-main/gateway-process/.
  const fromDist = new URL(`../../src-gateway/cli/${name}.js`, import.meta.url);
  const path = fileURLToPath(fromDist);
  if (path.includes('/dist/') || existsSync(path)) return path;
  return fileURLToPath(new URL(`../../dist/src-gateway/cli/${name}.js`, import.meta.url));
}
