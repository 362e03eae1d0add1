// The one answer to "running compiled or from source?" (src-node/paths.ts) and the paths
// main names with it (src-main/paths.ts). The compiled module is loaded from the real
// build, and from copies laid out as a checkout and as a packaged app (app.asar), so each
// layout resolves from where the code actually sits.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSTALL_ROOT, compiledPath, installPath, resourcePath } from '../../src-node/paths.js';
import type * as PathsModule from '../../src-node/paths.js';
import { assetPath, gatewayEntryPoint, rendererDir, stressWorkerPath } from '../../src-main/paths.js';
import { REPO_ROOT, ensureBuilt } from '../helpers/build.js';

const COMPILED = join(REPO_ROOT, 'dist', 'src-node', 'paths.js');
const loadCompiled = (file: string) => import(pathToFileURL(file).href) as Promise<typeof PathsModule>;

beforeAll(() => ensureBuilt(), 300_000);

describe('from source (tests, tsx)', () => {
  it('the installation root is the repository', () => {
    expect(INSTALL_ROOT).toBe(REPO_ROOT);
    expect(installPath('assets', 'sample.wav')).toBe(join(REPO_ROOT, 'assets', 'sample.wav'));
    expect(resourcePath('models')).toBe(join(REPO_ROOT, 'models'));
  });

  it('names the compiled form of a source module under dist/', () => {
    expect(compiledPath('src-main/stress/worker.ts')).toBe(
      join(REPO_ROOT, 'dist', 'src-main', 'stress', 'worker.js'),
    );
  });

  it("main's files exist where they are named", () => {
    expect(existsSync(assetPath('sample.wav'))).toBe(true);
    expect(existsSync(stressWorkerPath())).toBe(true);
    expect(existsSync(gatewayEntryPoint())).toBe(true);
    expect(existsSync(gatewayEntryPoint('worker'))).toBe(true);
    expect(rendererDir()).toBe(join(REPO_ROOT, 'dist-renderer'));
  });

  it('a missing asset is an error naming where it was looked for', () => {
    expect(() => assetPath('no-such-file.wav')).toThrow(join(REPO_ROOT, 'assets', 'no-such-file.wav'));
  });
});

describe('compiled', () => {
  const dir = mkdtempSync(join(tmpdir(), 'earshot-paths-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const copyTo = (root: string) => {
    const file = join(root, 'dist', 'src-node', 'paths.js');
    mkdirSync(join(root, 'dist', 'src-node'), { recursive: true });
    copyFileSync(COMPILED, file);
    // The source map too, or the test runner complains that it cannot read it.
    if (existsSync(`${COMPILED}.map`)) copyFileSync(`${COMPILED}.map`, `${file}.map`);
    return file;
  };

  it('the real build resolves to the same root as the sources', async () => {
    const compiled = await loadCompiled(COMPILED);
    expect(compiled.INSTALL_ROOT).toBe(REPO_ROOT);
    expect(compiled.compiledPath('src-gateway/cli/gateway.ts')).toBe(gatewayEntryPoint());
  });

  it('a checkout elsewhere resolves to that checkout', async () => {
    const root = join(dir, 'checkout');
    const compiled = await loadCompiled(copyTo(root));
    expect(compiled.INSTALL_ROOT).toBe(root);
    expect(compiled.installPath('dist-renderer')).toBe(join(root, 'dist-renderer'));
    expect(compiled.resourcePath('models')).toBe(join(root, 'models'));
  });

  it('in the packaged app the root is app.asar, and resources sit beside it', async () => {
    const resources = join(dir, 'resources');
    const compiled = await loadCompiled(copyTo(join(resources, 'app.asar')));
    expect(compiled.INSTALL_ROOT).toBe(join(resources, 'app.asar'));
    expect(compiled.compiledPath('src-main/stress/worker.ts')).toBe(
      join(resources, 'app.asar', 'dist', 'src-main', 'stress', 'worker.js'),
    );
    expect(compiled.resourcePath('models')).toBe(join(resources, 'models'));
  });
});
