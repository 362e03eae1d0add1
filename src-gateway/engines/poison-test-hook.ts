// TEST HOOK, off by default (`earshot worker --test-poison-mode throw|crash`, and
// `earshot gateway --test-poison-mode throw` for its in-process workers). Lets tests and
// drills produce a "poison" chunk on purpose: audio whose first bytes are the ASCII marker
// `POISON!!` makes the engine throw (`throw`) or the worker process die on the spot
// (`crash`, like a segfault in a native decoder). Every other chunk passes through.
import type { Engine, TranscribeResult } from './engine.js';

export const POISON_MARKER = 'POISON!!';
export const POISON_MODES = ['throw', 'crash'] as const;
export type PoisonMode = (typeof POISON_MODES)[number];

export function isPoisoned(pcm: Int16Array): boolean {
  if (pcm.byteLength < POISON_MARKER.length) return false;
  const bytes = new Uint8Array(pcm.buffer, pcm.byteOffset, POISON_MARKER.length);
  for (let i = 0; i < POISON_MARKER.length; i++) if (bytes[i] !== POISON_MARKER.charCodeAt(i)) return false;
  return true;
}

export function withPoisonTestHook(engine: Engine, mode: PoisonMode): Engine {
  return {
    name: engine.name,
    model: engine.model,
    transcribe(pcm: Int16Array, sampleRate: number): Promise<TranscribeResult> {
      if (isPoisoned(pcm)) {
        if (mode === 'crash') {
          process.stderr.write('test hook: poison chunk, worker exits now\n');
          process.kill(process.pid, 'SIGKILL');
        }
        return Promise.reject(new Error('test hook: poison chunk'));
      }
      return engine.transcribe(pcm, sampleRate);
    },
    close: () => engine.close(),
  };
}
