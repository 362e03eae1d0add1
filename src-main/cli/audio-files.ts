// Reading the WAV files CLI commands are given (`transcribe`, `dictate`): every failure
// becomes a one-line CliError naming the file.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { WavError, toProtocolPcm } from '../../src-shared/audio/wav.js';
import { CliError } from './errors.js';

/**
 * Reads and converts the file, turning every failure into a one-line reason. A truncated
 * file is read as far as it goes (the note says so) and `truncated` is set; one with no
 * audio at all is an error.
 */
export async function readPcm(file: string): Promise<{ pcm: Int16Array; truncated: boolean }> {
  const { pcm, truncated } = await readAudioFile(file);
  return { pcm, truncated };
}

/** readPcm, plus the SHA-256 of the file's bytes (how `dictate` recognises a file it has seen). */
export async function readAudioFile(
  file: string,
): Promise<{ pcm: Int16Array; sha256: string; truncated: boolean }> {
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
    let truncated = false;
    const pcm = toProtocolPcm(bytes, (note) => {
      truncated = true;
      process.stderr.write(`earshot: ${file}: ${note}\n`);
    });
    if (truncated && pcm.length === 0)
      throw new CliError(`${file}: no audio: the file ends right after its header (truncated)`, 1);
    return { pcm, sha256: createHash('sha256').update(bytes).digest('hex'), truncated };
  } catch (error) {
    if (error instanceof WavError) throw new CliError(`${file}: ${error.message}`);
    throw error;
  }
}
