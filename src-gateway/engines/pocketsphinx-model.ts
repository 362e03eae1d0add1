// Finds the pocketsphinx en-us model on disk. Explicit choices (option, env) win and are
// never silently replaced by a default: a wrong path must be an error naming that path.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EngineUnavailableError } from './engine.js';

export const MODEL_DIR_ENV = 'EARSHOT_PS_MODEL_DIR';

export interface PocketsphinxModelPaths {
  dir: string;
  hmm: string;
  lm: string;
  dict: string;
}

/** Where packages put the model: Debian/Ubuntu, source installs, Homebrew (Apple silicon, Intel). */
const KNOWN_PREFIXES = ['/usr', '/usr/local', '/opt/homebrew'];

export function modelPathsIn(dir: string): PocketsphinxModelPaths {
  return {
    dir,
    hmm: join(dir, 'en-us'),
    lm: join(dir, 'en-us.lm.bin'),
    dict: join(dir, 'cmudict-en-us.dict'),
  };
}

/** The first missing part of a model folder, or undefined when it is complete. */
export function missingModelPart(paths: PocketsphinxModelPaths): string | undefined {
  if (!isDirectory(paths.dir)) return paths.dir;
  if (!isDirectory(paths.hmm)) return paths.hmm;
  if (!existsSync(paths.lm)) return paths.lm;
  if (!existsSync(paths.dict)) return paths.dict;
  return undefined;
}

export function resolveModelPaths(
  explicitDir?: string,
  env: NodeJS.ProcessEnv = process.env,
): PocketsphinxModelPaths {
  const chosen = explicitDir ?? nonEmpty(env[MODEL_DIR_ENV]);
  if (chosen !== undefined) {
    const source = explicitDir !== undefined ? 'modelDir option' : `${MODEL_DIR_ENV}`;
    const paths = modelPathsIn(chosen);
    const missing = missingModelPart(paths);
    if (missing !== undefined) {
      throw new EngineUnavailableError(
        `pocketsphinx model not found: ${missing} is missing (model folder from ${source}: ${chosen})`,
      );
    }
    return paths;
  }
  const candidates = defaultModelDirs();
  for (const dir of candidates) {
    const paths = modelPathsIn(dir);
    if (missingModelPart(paths) === undefined) return paths;
  }
  throw new EngineUnavailableError(
    `pocketsphinx en-us model not found (tried ${candidates.join(', ')}); install pocketsphinx-en-us ` +
      `(Debian/Ubuntu) or cmu-pocketsphinx (Homebrew), or set ${MODEL_DIR_ENV}`,
  );
}

function defaultModelDirs(): string[] {
  const dirs: string[] = [];
  const fromPkgConfig = pkgConfigModelDir();
  if (fromPkgConfig !== undefined) dirs.push(join(fromPkgConfig, 'en-us'));
  for (const prefix of KNOWN_PREFIXES) dirs.push(join(prefix, 'share', 'pocketsphinx', 'model', 'en-us'));
  return [...new Set(dirs)];
}

function pkgConfigModelDir(): string | undefined {
  try {
    const out = execFileSync('pkg-config', ['--variable=modeldir', 'pocketsphinx'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5000,
    });
    return nonEmpty(out.trim());
  } catch {
    return undefined; // no pkg-config or no .pc file: fall back to the known prefixes
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
