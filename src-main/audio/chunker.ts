// Cuts a 16 kHz PCM16 stream into protocol chunks (1-15 s by default) at pauses, so every
// chunk is a self-contained utterance the recognizer can decode without losing words at
// the seams. Used by `earshot transcribe`, file intake and live dictation alike.
//
// Which frames are speech comes from a SpeechDetector (./speech-detector.ts): Silero VAD
// where its model loads, else an energy gate. The cutting rules are the same for both:
// a pause of cutPauseMs after at least minChunkMs ends a chunk a little after the last
// word; at maxChunkMs the chunk is cut in the middle of the longest pause it holds, and
// only with no pause at all at its quietest 50 ms; a pre-roll before the first speech
// keeps a soft onset. Detectors may be asynchronous (an ONNX session), so push() and
// flush() return promises; calls may overlap and are processed in the order made.
import { PROTOCOL_SAMPLE_RATE } from '../../src-shared/audio/wav.js';
import {
  EnergyDetector,
  loadSpeechDetectors,
  powerToDb,
  type EnergyDetectorOptions,
  type SpeechDetector,
} from './speech-detector.js';

export interface ChunkerOptions extends EnergyDetectorOptions {
  /** Shortest chunk, unless the stream ends first. Default 1000 ms. */
  minChunkMs?: number;
  /** Longest chunk; past it the chunker cuts at the best pause it has seen. Default 15000 ms. */
  maxChunkMs?: number;
  /** A pause this long ends a chunk as soon as the chunk is at least minChunkMs. Default 500 ms. */
  cutPauseMs?: number;
  /** Shorter silences are gaps inside words (stops, breaths), never cut points. Default 80 ms. */
  minPauseMs?: number;
  /**
   * Audio kept before detected speech so a soft onset is not clipped. Default 400 ms:
   * Silero flags speech up to ~250 ms after a word begins (measured on the fixtures).
   */
  preRollMs?: number;
  /** Silence kept after speech when a chunk ends in a long pause. Default 300 ms. */
  postRollMs?: number;
  sampleRate?: number;
  /**
   * Makes the detector for this stream (detectors keep state). Default: an energy gate
   * with marginDb/minSpeechDb, deterministic; the CLI and the app pass Silero's
   * (loadSpeechDetectors in ./speech-detector.ts).
   */
  speechDetector?: () => SpeechDetector;
}

export interface Chunk {
  index: number;
  /** Position of the chunk's first sample in the input stream. */
  startSample: number;
  pcm: Int16Array;
}

/** Fewer ms of speech than this in a would-be chunk is a click, not a word. */
const MIN_SPEECH_MS = 30;
/** Width of the quietest stretch a pause-less chunk is cut in. */
const QUIET_CUT_MS = 50;

interface Frame {
  pcm: Int16Array;
  db: number;
  speech: boolean;
}

interface PauseRun {
  start: number; // frame index, inclusive
  end: number; // exclusive
  meanDb: number;
}

/** Mean square of the samples, full scale = 1. */
function framePower(pcm: Int16Array): number {
  let sum = 0;
  for (let i = 0; i < pcm.length; i++) sum += pcm[i] * pcm[i];
  return sum / Math.max(1, pcm.length) / (32768 * 32768);
}

/** Longer wins; on equal length the clearly deeper one; otherwise the later (candidate). */
function betterPause(candidate: PauseRun, best: PauseRun): boolean {
  const length = candidate.end - candidate.start;
  const bestLength = best.end - best.start;
  if (length !== bestLength) return length > bestLength;
  return candidate.meanDb <= best.meanDb + 1;
}

function concat(frames: readonly Frame[]): Int16Array {
  let length = 0;
  for (const frame of frames) length += frame.pcm.length;
  const out = new Int16Array(length);
  let offset = 0;
  for (const frame of frames) {
    out.set(frame.pcm, offset);
    offset += frame.pcm.length;
  }
  return out;
}

export class Chunker {
  readonly frameSamples: number;
  readonly detector: SpeechDetector;
  private readonly sampleRate: number;
  private readonly minFrames: number;
  private readonly maxFrames: number;
  private readonly cutPauseFrames: number;
  private readonly minPauseFrames: number;
  private readonly preRollFrames: number;
  private readonly postRollFrames: number;
  private readonly minSpeechFrames: number;
  private readonly quietCutFrames: number;

  /** Frames not yet emitted: the chunk being built, or (while idle) the pre-roll ring. */
  private frames: Frame[] = [];
  /** Stream position of frames[0]. */
  private framesStart = 0;
  /** True once the pending frames hold speech, i.e. they form a chunk in progress. */
  private inChunk = false;
  private partial = new Int16Array(0);
  private nextIndex = 0;
  /** Samples classified as no speech since the last speech frame (or the stream's start). */
  private silentSamples = 0;
  /** push/flush calls run one after another, in the order they were made. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(options: ChunkerOptions = {}) {
    const sampleRate = options.sampleRate ?? PROTOCOL_SAMPLE_RATE;
    this.sampleRate = sampleRate;
    this.detector = options.speechDetector?.() ?? new EnergyDetector(options, sampleRate);
    this.frameSamples = this.detector.frameSamples;
    const frameMs = (this.frameSamples / sampleRate) * 1000;
    const frames = (ms: number) => Math.max(1, Math.round(ms / frameMs));
    const minChunkMs = options.minChunkMs ?? 1000;
    const maxChunkMs = options.maxChunkMs ?? 15_000;
    if (!(minChunkMs > 0) || !(maxChunkMs >= minChunkMs)) {
      throw new RangeError(
        `chunk length bounds must satisfy 0 < min <= max (got ${minChunkMs}..${maxChunkMs} ms)`,
      );
    }
    this.minFrames = frames(minChunkMs);
    // Never past the maximum: a chunk of whole frames is at most maxChunkMs long.
    this.maxFrames = Math.max(1, Math.floor(maxChunkMs / frameMs));
    this.cutPauseFrames = frames(options.cutPauseMs ?? 500);
    this.minPauseFrames = frames(options.minPauseMs ?? 80);
    this.preRollFrames = frames(options.preRollMs ?? 400);
    this.postRollFrames = frames(options.postRollMs ?? 300);
    this.minSpeechFrames = frames(MIN_SPEECH_MS);
    this.quietCutFrames = frames(QUIET_CUT_MS);
  }

  /** Feeds samples of any length; resolves with the chunks completed by them (often none). */
  push(samples: Int16Array): Promise<Chunk[]> {
    // Copied now: callers may reuse their buffer before this runs.
    const copy = samples.slice();
    return this.serially(() => this.consume(copy));
  }

  /** Ends the stream: resolves with what is pending (a trailing chunk may be shorter than min). */
  flush(): Promise<Chunk[]> {
    return this.serially(() => this.finish());
  }

  /** The audio of the chunk in progress so far (for a provisional transcript), or undefined. */
  openAudio(): Int16Array | undefined {
    return this.inChunk && this.frames.length ? concat(this.frames) : undefined;
  }

  /** Samples of the chunk in progress so far (0 while no chunk is open), without copying them. */
  get openSamples(): number {
    if (!this.inChunk) return 0;
    let length = 0;
    for (const frame of this.frames) length += frame.pcm.length;
    return length;
  }

  /**
   * How long the stream has been without speech, in ms of audio: since the last frame the
   * detector called speech, or since the start when there was none. Updated as pushes are
   * processed (read it after a push resolves).
   */
  get silenceMs(): number {
    return (this.silentSamples / this.sampleRate) * 1000;
  }

  /** Index the chunk in progress will get when it is emitted. */
  get openIndex(): number {
    return this.nextIndex;
  }

  private serially(work: () => Promise<Chunk[]>): Promise<Chunk[]> {
    const run = this.tail.then(work);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async consume(samples: Int16Array): Promise<Chunk[]> {
    const out: Chunk[] = [];
    let data = samples;
    if (this.partial.length) {
      data = new Int16Array(this.partial.length + samples.length);
      data.set(this.partial);
      data.set(samples, this.partial.length);
    }
    let offset = 0;
    for (; offset + this.frameSamples <= data.length; offset += this.frameSamples) {
      const pcm = data.subarray(offset, offset + this.frameSamples);
      const frame = await this.classify(pcm, pcm);
      this.silentSamples = frame.speech ? 0 : this.silentSamples + pcm.length;
      this.addFrame(frame, out);
    }
    this.partial = data.slice(offset);
    return out;
  }

  private async finish(): Promise<Chunk[]> {
    const out: Chunk[] = [];
    if (this.partial.length) {
      // A detector takes whole frames: classify the tail padded with silence, keep only its samples.
      const padded = new Int16Array(this.frameSamples);
      padded.set(this.partial);
      const frame = await this.classify(this.partial, padded);
      this.partial = new Int16Array(0);
      this.frames.push(frame);
      if (frame.speech) this.inChunk = true;
    }
    if (this.inChunk && this.frames.length) {
      const lastSpeech = this.lastSpeechFrame();
      const end = Math.min(this.frames.length, lastSpeech + 1 + this.postRollFrames);
      if (this.speechFrames(end) >= this.minSpeechFrames) this.emit(end, out);
    }
    this.frames = [];
    this.inChunk = false;
    return out;
  }

  private async classify(pcm: Int16Array, detectorInput: Int16Array): Promise<Frame> {
    const power = framePower(pcm);
    const speech = await this.detector.isSpeech(detectorInput, power);
    // Frames own their memory: the input buffer is reused for the next push.
    return { pcm: pcm.slice(), db: powerToDb(power), speech };
  }

  private addFrame(frame: Frame, out: Chunk[]): void {
    this.frames.push(frame);

    if (!this.inChunk) {
      if (frame.speech) this.inChunk = true;
      // Idle: keep only the pre-roll (plus the onset frame itself).
      this.dropHead(this.frames.length - (this.preRollFrames + (frame.speech ? 1 : 0)));
      return;
    }

    const trailingSilence = this.frames.length - 1 - this.lastSpeechFrame();
    if (this.frames.length >= this.minFrames && trailingSilence >= this.cutPauseFrames) {
      // A long pause after enough speech: end the chunk a little after the last word.
      const speechEnd = this.frames.length - trailingSilence;
      const end = Math.min(this.frames.length, Math.max(this.minFrames, speechEnd + this.postRollFrames));
      // A lone click or pop is not an utterance: drop it rather than send a chunk of silence.
      if (this.speechFrames(end) >= this.minSpeechFrames) this.emit(end, out);
      this.inChunk = false;
      this.dropHead(this.frames.length - this.preRollFrames);
      return;
    }
    if (this.frames.length >= this.maxFrames) {
      this.emit(this.bestCut(), out);
      if (!this.frames.some((f) => f.speech)) {
        this.inChunk = false;
        this.dropHead(this.frames.length - this.preRollFrames);
      }
    }
  }

  /**
   * Where to cut a chunk that reached its maximum: the middle of the longest pause whose
   * middle leaves at least minFrames before it (on a tie the deeper, then the later one,
   * so chunks stay long); with no pause at all (continuous speech), the quietest 50 ms.
   */
  private bestCut(): number {
    const limit = Math.min(this.frames.length, this.maxFrames);
    let best: PauseRun | undefined;
    for (const run of this.pauseRuns(limit)) {
      const cut = (run.start + run.end) >> 1;
      if (cut < this.minFrames || run.end - run.start < this.minPauseFrames) continue;
      if (!best || betterPause(run, best)) best = run;
    }
    if (best) return (best.start + best.end) >> 1;

    const window = this.quietCutFrames;
    let quietest = limit;
    let quietestDb = Infinity;
    for (let i = this.minFrames; i + window <= limit; i++) {
      let sum = 0;
      for (let j = i; j < i + window; j++) sum += this.frames[j].db;
      if (sum < quietestDb) {
        quietestDb = sum;
        quietest = i + (window >> 1);
      }
    }
    return quietest;
  }

  private *pauseRuns(limit: number): Generator<PauseRun> {
    let start = -1;
    let sum = 0;
    for (let i = 0; i <= limit; i++) {
      const silent = i < limit && !this.frames[i].speech;
      if (silent) {
        if (start < 0) {
          start = i;
          sum = 0;
        }
        sum += this.frames[i].db;
      } else if (start >= 0) {
        yield { start, end: i, meanDb: sum / (i - start) };
        start = -1;
      }
    }
  }

  private speechFrames(end: number): number {
    let count = 0;
    for (let i = 0; i < end; i++) if (this.frames[i].speech) count++;
    return count;
  }

  private lastSpeechFrame(): number {
    for (let i = this.frames.length - 1; i >= 0; i--) if (this.frames[i].speech) return i;
    return -1;
  }

  private dropHead(count: number): void {
    if (count <= 0) return;
    for (let i = 0; i < count; i++) this.framesStart += this.frames[i].pcm.length;
    this.frames = this.frames.slice(count);
  }

  private emit(endFrame: number, out: Chunk[]): void {
    if (endFrame <= 0) return;
    const taken = this.frames.slice(0, endFrame);
    out.push({ index: this.nextIndex++, startSample: this.framesStart, pcm: concat(taken) });
    this.dropHead(endFrame);
  }
}

/**
 * Chunks a whole recording at once (file intake, tests). Unless told otherwise it uses
 * the process's detectors (Silero where its model loads), so the same file is always cut
 * the same way: resuming an interrupted intake depends on that.
 */
export async function chunkPcm(samples: Int16Array, options: ChunkerOptions = {}): Promise<Chunk[]> {
  const speechDetector = options.speechDetector ?? (await loadSpeechDetectors()).create;
  const chunker = new Chunker({ ...options, speechDetector });
  return [...(await chunker.push(samples)), ...(await chunker.flush())];
}
