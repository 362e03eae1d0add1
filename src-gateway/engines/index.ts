// The one place that turns an engine name into a loaded engine. Engines are imported
// lazily so a gateway running "synthetic" never touches the native addon.
import { ENGINE_NAMES, EngineUnavailableError } from './engine.js';
import type { Engine, EngineName, EngineOptions } from './engine.js';

export type { Engine, EngineName, EngineOptions, TranscribeResult } from './engine.js';
export { ENGINE_NAMES, EngineUnavailableError } from './engine.js';

export function isEngineName(value: string): value is EngineName {
  return (ENGINE_NAMES as readonly string[]).includes(value);
}

export async function createEngine(name: EngineName, options: EngineOptions = {}): Promise<Engine> {
  switch (name) {
    case 'synthetic': {
      const { SyntheticEngine } = await import('./synthetic.js');
      return new SyntheticEngine(options.synthetic);
    }
    case 'pocketsphinx': {
      const { createPocketsphinxEngine } = await import('./pocketsphinx.js');
      return createPocketsphinxEngine(options.pocketsphinx);
    }
    default:
      throw new EngineUnavailableError(
        `unknown engine "${String(name)}" (expected one of: ${ENGINE_NAMES.join(', ')})`,
      );
  }
}
