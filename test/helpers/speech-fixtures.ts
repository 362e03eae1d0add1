// The speech corpus the recognizer tests and benches share: flite voices (test/fixtures/,
// made by scripts/make-fixtures.sh) and real human speech (test/fixtures/human/, public
// domain LibriVox readings; see its README).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toProtocolPcm } from '../../src-shared/audio/wav.js';
import { REPO_ROOT } from './build.js';

export interface SpeechFixture {
  file: string;
  /** Absolute path of the WAV. */
  path: string;
  text: string;
  voice: string;
  seconds: number;
  kind: 'flite' | 'human';
}

export const FIXTURES_DIR = join(REPO_ROOT, 'test', 'fixtures');

function load(dir: string, kind: SpeechFixture['kind']): SpeechFixture[] {
  const entries = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Omit<
    SpeechFixture,
    'path' | 'kind'
  >[];
  return entries.map((entry) => ({ ...entry, path: join(dir, entry.file), kind }));
}

export const fliteFixtures = (): SpeechFixture[] => load(FIXTURES_DIR, 'flite');
export const humanFixtures = (): SpeechFixture[] => load(join(FIXTURES_DIR, 'human'), 'human');
export const allFixtures = (): SpeechFixture[] => [...fliteFixtures(), ...humanFixtures()];

export function readPcm(fixture: Pick<SpeechFixture, 'path'>): Int16Array {
  return toProtocolPcm(readFileSync(fixture.path));
}

/**
 * `text` spoken by flite's `voice`, as 16 kHz protocol PCM. `stretch` < 1 speaks faster
 * (flite's duration_stretch: 0.55 is about 1.8 times the normal rate).
 */
export function fliteSpeech(text: string, voice = 'rms', stretch = 1): Int16Array {
  const dir = mkdtempSync(join(tmpdir(), 'earshot-flite-'));
  try {
    const raw = join(dir, 'raw.wav');
    const wav = join(dir, 'speech.wav');
    execFileSync('flite', ['-voice', voice, '--setf', `duration_stretch=${stretch}`, '-t', text, '-o', raw]);
    execFileSync('sox', ['-D', raw, '-r', '16000', '-c', '1', '-b', '16', '-e', 'signed-integer', wav]);
    return toProtocolPcm(readFileSync(wav));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function concatPcm(parts: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
