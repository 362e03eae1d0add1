// Reading the WAV files CLI commands are given (`transcribe`, `dictate`): every failure
// becomes a one-line CliError naming the file.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { WavError, toProtocolPcm } from '../../src-shared/audio/wav.js';
import { CliError } from './errors.js';

/** Reads and converts the file, turning every failure into a one-line reason. */
export async function readPcm(file: string): Promise<Int16Array> {
  return (await readAudioFile(file)).pcm;
}

/** readPcm, plus the SHA-256 of the file's bytes (how `dictate` recognises a file it has seen). */
export async function readAudioFile(file: string): Promise<{ pcm: Int16Array; sha256: string }> {
  let bytes: Buffer;
  try {
    const info = await stat(file);
    if (info.isDirectory()) throw new CliError(`${file} is a directory, not a WAV file`);
    bytes = await readFile(file);
  } catch (error) {
    if (error instanceof CliError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`${file}: no such file`);
    if (code === 'EACCES') throw new CliError(`${file}: permission denied`);
    throw new CliError(`${file}: cannot read (${(error as Error).message})`);
  }
  try {
    const pcm = toProtocolPcm(bytes, (note) => process.stderr.write(`earshot: ${file}: ${note}\n`));
    return { pcm, sha256: createHash('sha256').update(bytes).digest('hex') };
  } catch (error) {
    if (error instanceof WavError) throw new CliError(`${file}: ${error.message}`);
    throw error;
  }
}
