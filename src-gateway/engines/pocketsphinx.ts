// Real offline recognition through the native addon (native/pocketsphinx_addon.c). One
// decoder per engine; the model loads once and decodes run off the event loop.
import { PROTOCOL_SAMPLE_RATE } from '../../src-shared/audio/wav.js';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { installPath } from '../../src-node/paths.js';
import type { ModelInfo } from '../../src-shared/models/manifest.js';
import { EngineUnavailableError, invalidInput } from './engine.js';
import type { Engine, PocketsphinxEngineOptions, TranscribeResult } from './engine.js';
import { resolveModelPaths } from './pocketsphinx-model.js';
import type { PocketsphinxModelPaths } from './pocketsphinx-model.js';

/** The sample rate of the en-us acoustic model. */
const ADDON_FILE = 'earshot_pocketsphinx.node';

/** Opaque decoder handle owned by the addon. */
type DecoderHandle = { readonly __brand: 'PocketsphinxDecoder' };

interface PocketsphinxAddon {
  createDecoder(hmm: string, lm: string, dict: string): DecoderHandle;
  decode(decoder: DecoderHandle, pcm: Int16Array): Promise<string>;
  freeDecoder(decoder: DecoderHandle): void;
}

let cachedAddon: PocketsphinxAddon | undefined;

/** Loads build/Release/earshot_pocketsphinx.node of this installation (src-node/paths.ts). */
export function loadAddon(): PocketsphinxAddon {
  if (cachedAddon) return cachedAddon;
  const found = installPath('build', 'Release', ADDON_FILE);
  if (!existsSync(found)) {
    throw new EngineUnavailableError(
      `pocketsphinx addon is not built (looked for ${found}); install libpocketsphinx-dev and pkg-config, then run npm install`,
    );
  }
  try {
    cachedAddon = createRequire(import.meta.url)(found) as PocketsphinxAddon;
  } catch (err) {
    throw new EngineUnavailableError(`pocketsphinx addon ${found} failed to load: ${(err as Error).message}`);
  }
  return cachedAddon;
}

export class PocketsphinxEngine implements Engine {
  readonly name = 'pocketsphinx';
  readonly model: ModelInfo = { name: 'cmusphinx-en-us' };
  private decoder: DecoderHandle | undefined;
  /** The decoder holds one utterance at a time: decodes on one engine run one after another. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly addon: PocketsphinxAddon,
    readonly modelPaths: PocketsphinxModelPaths,
  ) {
    try {
      this.decoder = addon.createDecoder(modelPaths.hmm, modelPaths.lm, modelPaths.dict);
    } catch (err) {
      throw new EngineUnavailableError(
        `pocketsphinx could not load the model in ${modelPaths.dir}: ${(err as Error).message}`,
      );
    }
  }

  transcribe(pcm: Int16Array, sampleRate: number): Promise<TranscribeResult> {
    const invalid = invalidInput(this.name, pcm, sampleRate, PROTOCOL_SAMPLE_RATE);
    if (invalid) return Promise.reject(invalid);
    const run = this.tail.then(async () => {
      const decoder = this.decoder;
      if (decoder === undefined) throw new Error('pocketsphinx engine is closed');
      const text = await this.addon.decode(decoder, pcm);
      return { text: text.trim() };
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  close(): void {
    const decoder = this.decoder;
    if (decoder === undefined) return;
    this.decoder = undefined;
    // The addon defers the actual free until a running decode has finished.
    this.addon.freeDecoder(decoder);
  }
}

export function createPocketsphinxEngine(options: PocketsphinxEngineOptions = {}): PocketsphinxEngine {
  const model = resolveModelPaths(options.modelDir);
  return new PocketsphinxEngine(loadAddon(), model);
}
