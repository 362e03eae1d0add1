// Every flite fixture cut at pauses the way the client cuts it (chunkPcm with the
// process's detector: Silero), computed once when a test file imports this, so tests can
// look chunks up synchronously and compare them with what the CLI or the app stored.
import type { Chunk } from '../../src-main/audio/chunker.js';
import { chunkPcm } from '../../src-main/audio/chunker.js';
import { fliteFixtures, readPcm } from './speech-fixtures.js';

const byPath = new Map<string, Chunk[]>();
for (const fixture of fliteFixtures()) byPath.set(fixture.path, await chunkPcm(readPcm(fixture)));

/** The chunks of the fixture at `path` (absolute, under test/fixtures/). */
export function fixtureChunksAt(path: string): Chunk[] {
  const chunks = byPath.get(path);
  if (!chunks) throw new Error(`${path} is not a fixture of test/fixtures/manifest.json`);
  return chunks;
}
