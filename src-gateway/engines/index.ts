// The one place that turns an engine name into a loaded engine. Engines are imported
// lazily so a gateway running "synthetic" never touches the native addon.
import { ENGINE_NAMES, EngineUnavailableError } from './engine.js';
import type { Engine, EngineName, EngineOptions } from './engine.js';

export type { Engine, EngineName, EngineOptions, TranscribeResult } from './engine.js';
export { DEFAULT_ENGINE, ENGINE_NAMES, EngineUnavailableError, isEngineName } from './engine.js';

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
    case 'moonshine': {
      const { MoonshineEngine } = await import('./moonshine/moonshine-engine.js');
      return MoonshineEngine.create(options.moonshine);
    }
    default:
      throw new EngineUnavailableError(
        `unknown engine "${String(name)}" (expected one of: ${ENGINE_NAMES.join(', ')})`,
      );
  }
}
