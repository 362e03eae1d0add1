// Cuts a 16 kHz PCM16 stream into protocol chunks (1-15 s by default) at pauses, so every
// chunk is a self-contained utterance the recognizer can decode without losing words at
// the seams.
//
// Why an energy gate and not a trained VAD (e.g. WebRTC's via @echogarden/fvad-wasm):
// the chunker does not need to tell speech from noise precisely, it needs to find the
// quietest stretches to cut in. Frame energy against an adaptive noise floor finds those
// reliably on dictation audio, it is deterministic (tests can assert exact cut points),
// it runs identically in the CLI, the Electron main process and tests without loading
// WebAssembly, and it costs nothing per frame. Where the gate misjudges (a soft word
// under the threshold), the pre-roll and the "cut in the middle of the longest pause"
// rule still keep words whole; the worst case is a chunk that carries some extra silence.
import { PROTOCOL_SAMPLE_RATE } from '../../src-shared/audio/wav.js';

export interface ChunkerOptions {
  /** Shortest chunk, unless the stream ends first. Default 1000 ms. */
  minChunkMs?: number;
  /** Longest chunk; past it the chunker cuts at the best pause it has seen. Default 15000 ms. */
  maxChunkMs?: number;
  /** A pause this long ends a chunk as soon as the chunk is at least minChunkMs. Default 500 ms. */
  cutPauseMs?: number;
  /** Shorter silences are gaps inside words (stops, breaths), never cut points. Default 80 ms. */
  minPauseMs?: number;
  /** Audio kept before detected speech so a soft onset is not clipped. Default 300 ms. */
  preRollMs?: number;
  /** Silence kept after speech when a chunk ends in a long pause. Default 300 ms. */
  postRollMs?: number;
  /** Speech is energy this far above the noise floor. Default 12 dB. */
  marginDb?: number;
  /** ...and at least this loud (dBFS), so dither in digital silence is never speech. Default -55. */
  minSpeechDb?: number;
  sampleRate?: number;
}

export interface Chunk {
  index: number;
  /** Position of the chunk's first sample in the input stream. */
  startSample: number;
  pcm: Int16Array;
}

const FRAME_MS = 10;
const FLOOR_MIN_DB = -90;
/** Assumed noise level before any audio was seen: a quiet room. */
const FLOOR_INITIAL_DB = -70;
/**
 * The noise floor is the minimum of the short-term energy over the last few seconds
 * ("minimum statistics"): speech always has dips between words that reach the noise,
 * while a steady fan or hiss lifts every frame, so the floor follows noise within
 * FLOOR_WINDOW_MS but never climbs onto speech.
 */
const FLOOR_WINDOW_MS = 3000;
const SMOOTH_FRAMES = 5;
/** Fewer speech frames than this (30 ms) in a would-be chunk is a click, not a word. */
const MIN_SPEECH_FRAMES = 3;

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

function powerToDb(power: number): number {
  return power > 0 ? Math.max(FLOOR_MIN_DB, 10 * Math.log10(power)) : FLOOR_MIN_DB;
}

function frameDb(pcm: Int16Array): number {
  return powerToDb(framePower(pcm));
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
  private readonly minFrames: number;
  private readonly maxFrames: number;
  private readonly cutPauseFrames: number;
  private readonly minPauseFrames: number;
  private readonly preRollFrames: number;
  private readonly postRollFrames: number;
  private readonly marginDb: number;
  private readonly minSpeechDb: number;

  /** Frames not yet emitted: the chunk being built, or (while idle) the pre-roll ring. */
  private frames: Frame[] = [];
  /** Stream position of frames[0]. */
  private framesStart = 0;
  /** True once the pending frames hold speech, i.e. they form a chunk in progress. */
  private inChunk = false;
  private partial = new Int16Array(0);
  private floorDb = FLOOR_INITIAL_DB;
  private readonly floorWindowFrames = FLOOR_WINDOW_MS / FRAME_MS;
  /** Monotonic deque of [frameNumber, smoothedDb] for the sliding-window minimum. */
  private floorCandidates: Array<[number, number]> = [];
  private recentPower: number[] = [];
  private frameNumber = 0;
  private nextIndex = 0;

  constructor(options: ChunkerOptions = {}) {
    const sampleRate = options.sampleRate ?? PROTOCOL_SAMPLE_RATE;
    const ms = (value: number) => Math.max(1, Math.round(value / FRAME_MS));
    const minChunkMs = options.minChunkMs ?? 1000;
    const maxChunkMs = options.maxChunkMs ?? 15_000;
    if (!(minChunkMs > 0) || !(maxChunkMs >= minChunkMs)) {
      throw new RangeError(
        `chunk length bounds must satisfy 0 < min <= max (got ${minChunkMs}..${maxChunkMs} ms)`,
      );
    }
    this.frameSamples = Math.round((sampleRate * FRAME_MS) / 1000);
    this.minFrames = ms(minChunkMs);
    this.maxFrames = ms(maxChunkMs);
    this.cutPauseFrames = ms(options.cutPauseMs ?? 500);
    this.minPauseFrames = ms(options.minPauseMs ?? 80);
    this.preRollFrames = ms(options.preRollMs ?? 300);
    this.postRollFrames = ms(options.postRollMs ?? 300);
    this.marginDb = options.marginDb ?? 12;
    this.minSpeechDb = options.minSpeechDb ?? -55;
    // Pretend the window before the stream held a quiet room, so speech at the very start
    // is speech; a noisy stream replaces this within one window.
    this.floorCandidates.push([-1, FLOOR_INITIAL_DB]);
  }

  /** Current noise floor estimate in dBFS (for diagnostics and level meters). */
  get noiseFloorDb(): number {
    return this.floorDb;
  }

  /** Feeds samples of any length; returns the chunks completed by them (often none). */
  push(samples: Int16Array): Chunk[] {
    const out: Chunk[] = [];
    let data = samples;
    if (this.partial.length) {
      data = new Int16Array(this.partial.length + samples.length);
      data.set(this.partial);
      data.set(samples, this.partial.length);
    }
    let offset = 0;
    for (; offset + this.frameSamples <= data.length; offset += this.frameSamples) {
      // slice: frames must own their memory, callers may reuse their buffers.
      this.addFrame(data.slice(offset, offset + this.frameSamples), out);
    }
    this.partial = data.slice(offset);
    return out;
  }

  /** Ends the stream: emits what is pending (a trailing chunk may be shorter than min). */
  flush(): Chunk[] {
    const out: Chunk[] = [];
    if (this.partial.length) {
      const pcm = this.partial;
      this.partial = new Int16Array(0);
      const db = frameDb(pcm);
      this.frames.push({ pcm, db, speech: this.isSpeech(db) });
      if (this.frames[this.frames.length - 1].speech) this.inChunk = true;
    }
    if (this.inChunk && this.frames.length) {
      const lastSpeech = this.lastSpeechFrame();
      const end = Math.min(this.frames.length, lastSpeech + 1 + this.postRollFrames);
      if (this.speechFrames(end) >= MIN_SPEECH_FRAMES) this.emit(end, out);
    }
    this.frames = [];
    this.inChunk = false;
    return out;
  }

  private isSpeech(db: number): boolean {
    return db > Math.max(this.floorDb + this.marginDb, this.minSpeechDb);
  }

  private updateFloor(pcmPower: number): void {
    this.recentPower.push(pcmPower);
    if (this.recentPower.length > SMOOTH_FRAMES) this.recentPower.shift();
    const mean = this.recentPower.reduce((a, b) => a + b, 0) / this.recentPower.length;
    const smoothedDb = powerToDb(mean);
    const n = this.frameNumber++;
    const deque = this.floorCandidates;
    while (deque.length && deque[deque.length - 1][1] >= smoothedDb) deque.pop();
    deque.push([n, smoothedDb]);
    while (deque[0][0] <= n - this.floorWindowFrames) deque.shift();
    this.floorDb = deque[0][1];
  }

  private addFrame(pcm: Int16Array, out: Chunk[]): void {
    const power = framePower(pcm);
    const db = powerToDb(power);
    this.updateFloor(power);
    const speech = this.isSpeech(db);
    this.frames.push({ pcm, db, speech });

    if (!this.inChunk) {
      if (speech) this.inChunk = true;
      // Idle: keep only the pre-roll (plus the onset frame itself).
      this.dropHead(this.frames.length - (this.preRollFrames + (speech ? 1 : 0)));
      return;
    }

    const trailingSilence = this.frames.length - 1 - this.lastSpeechFrame();
    if (this.frames.length >= this.minFrames && trailingSilence >= this.cutPauseFrames) {
      // A long pause after enough speech: end the chunk a little after the last word.
      const speechEnd = this.frames.length - trailingSilence;
      const end = Math.min(this.frames.length, Math.max(this.minFrames, speechEnd + this.postRollFrames));
      // A lone click or pop is not an utterance: drop it rather than send a chunk of silence.
      if (this.speechFrames(end) >= MIN_SPEECH_FRAMES) this.emit(end, out);
      this.inChunk = false;
      this.dropHead(this.frames.length - this.preRollFrames);
      return;
    }
    if (this.frames.length >= this.maxFrames) {
      this.emit(this.bestCut(), out);
      if (!this.frames.some((frame) => frame.speech)) {
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

    const window = 5;
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

/** Chunks a whole recording at once (the CLI's `transcribe`). */
export function chunkPcm(samples: Int16Array, options?: ChunkerOptions): Chunk[] {
  const chunker = new Chunker(options);
  return [...chunker.push(samples), ...chunker.flush()];
}
