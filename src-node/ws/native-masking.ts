// `ws` masks every frame a client sends and unmasks every frame a server receives. With
// the optional bufferutil package it does so natively, about 4x less CPU per second of
// audio than its JavaScript loop (bench/ws-frame-cost.ts, docs/benchmarks.md); without it
// everything still works, only slower. Said in the gateway's ready line, so a slow
// deployment can be told apart from one missing its native helper.
import { createRequire } from 'node:module';

export function wsNativeMasking(env: NodeJS.ProcessEnv = process.env): boolean {
  // ws's own switch: set, it never loads bufferutil.
  if (env.WS_NO_BUFFER_UTIL) return false;
  try {
    createRequire(import.meta.url)('bufferutil');
    return true;
  } catch {
    return false;
  }
}
