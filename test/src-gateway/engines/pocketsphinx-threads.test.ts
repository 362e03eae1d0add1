// The gateway runs one engine per worker thread: the addon must load and decode in
// several threads of one process at once (separate decoders, shared library state).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, REPO_ROOT } from '../../helpers/build.js';
import { wordErrorRate } from '../../helpers/wer.js';

interface FixtureEntry {
  file: string;
  text: string;
}

const manifest = JSON.parse(
  readFileSync(join(REPO_ROOT, 'test/fixtures/manifest.json'), 'utf8'),
) as FixtureEntry[];

// Runs in each worker: load an engine from the compiled gateway code, decode one file.
const WORKER_SOURCE = `
  import { workerData, parentPort } from 'node:worker_threads';
  import { readFileSync } from 'node:fs';
  const { createEngine } = await import(workerData.engines);
  const { toProtocolPcm } = await import(workerData.wav);
  const engine = await createEngine('pocketsphinx');
  const { text } = await engine.transcribe(toProtocolPcm(readFileSync(workerData.file)), 16000);
  engine.close();
  parentPort.postMessage(text);
`;

function decodeInWorker(file: string): Promise<string> {
  const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(WORKER_SOURCE)}`), {
    workerData: {
      file,
      engines: pathToFileURL(join(REPO_ROOT, 'dist/src-gateway/engines/index.js')).href,
      wav: pathToFileURL(join(REPO_ROOT, 'dist/src-shared/audio/wav.js')).href,
    },
  });
  return new Promise((resolve, reject) => {
    worker.once('message', (text: string) => resolve(text));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`worker exited with code ${code} before answering`)));
  });
}

describe('pocketsphinx in worker threads', () => {
  beforeAll(async () => {
    await ensureBuilt();
  });

  it('loads the addon and decodes in two threads at once', async () => {
    const entries = manifest.filter((entry) => entry.file.startsWith('short-')).slice(0, 2);
    const texts = await Promise.all(
      entries.map((entry) => decodeInWorker(join(REPO_ROOT, 'test/fixtures', entry.file))),
    );
    entries.forEach((entry, i) => {
      console.log(`${entry.file}: ${texts[i]}`);
      expect(wordErrorRate(entry.text, texts[i])).toBeLessThan(0.5);
    });
  });
});
