// What a session keeps of each chunk until it is swept: the chunk's audio seconds and its
// outcome (the text, or the error). A live stream adds one chunk a second for as long as
// it runs, and every full garbage collection marks all of them, so the gateway's GC work
// grew with the age of its streams (docs/benchmarks.md, "Live streams"). Kept as plain
// objects (an index -> seconds record, an index -> { text } record) a chunk cost ~130
// bytes of heap in three or four objects; here it costs 8 bytes of a typed array, one
// array slot and the text itself, which is the only object per chunk.
//
// Chunk indexes are small and arrive mostly in order, so they live in dense arrays. An
// index far past what the session has sent (a client may number chunks as it likes) goes
// to a small map instead, so one odd index cannot make the dense arrays huge.

import type { ChunkOutcome } from './session-store.js';

/** Dense arrays grow to cover an index only while it is below this many slots past the chunk count. */
const DENSE_SLACK = 1024;
const INITIAL_SLOTS = 16;

interface SparseChunk {
  seconds: number;
  outcome?: ChunkOutcome;
}

export class ChunkLedger {
  /** Index -> audio seconds; NaN where no chunk came. */
  private seconds = new Float64Array(INITIAL_SLOTS).fill(NaN);
  /** Index -> text, for dense chunks recognised without an error. */
  private readonly texts: (string | undefined)[] = [];
  /** Dense chunks whose recognition failed (rare): index -> error. */
  private errors?: Map<number, NonNullable<ChunkOutcome['error']>>;
  /** Chunks whose index is too far out for the dense arrays. */
  private sparse?: Map<number, SparseChunk>;
  private chunkCount = 0;
  private outcomeCount = 0;

  /** Chunks recorded. */
  get count(): number {
    return this.chunkCount;
  }

  has(index: number): boolean {
    // Undefined past the dense arrays, and for an index that is no chunk's (-1, 1.5).
    const seconds = this.seconds[index];
    return seconds !== undefined ? !Number.isNaN(seconds) : (this.sparse?.has(index) ?? false);
  }

  /** Records chunk `index`; false when it was already there. */
  add(index: number, audioSeconds: number): boolean {
    if (!Number.isSafeInteger(index) || index < 0)
      throw new RangeError(`chunk index must be an integer >= 0, got ${index}`);
    if (!(audioSeconds >= 0)) throw new RangeError(`audio seconds must be >= 0, got ${audioSeconds}`);
    if (this.has(index)) return false;
    if (index < this.seconds.length || this.growTo(index)) this.seconds[index] = audioSeconds;
    else (this.sparse ??= new Map()).set(index, { seconds: audioSeconds });
    this.chunkCount++;
    return true;
  }

  /** Audio seconds of chunk `index`, if it was recorded. */
  secondsOf(index: number): number | undefined {
    if (index < this.seconds.length) {
      const seconds = this.seconds[index]!;
      return Number.isNaN(seconds) ? undefined : seconds;
    }
    return this.sparse?.get(index)?.seconds;
  }

  /** Sets the outcome of a recorded chunk (a later one replaces it); ignored for a chunk never recorded. */
  setOutcome(index: number, outcome: ChunkOutcome): void {
    if (!this.has(index)) return;
    if (!this.hasOutcome(index)) this.outcomeCount++;
    if (index >= this.seconds.length) {
      this.sparse!.get(index)!.outcome = outcome.error
        ? { error: outcome.error }
        : { text: outcome.text ?? '' };
      return;
    }
    // Whichever the chunk had before goes: a text, or an error.
    this.errors?.delete(index);
    if (index < this.texts.length) this.texts[index] = undefined;
    this.placeDense(index, outcome);
  }

  hasOutcome(index: number): boolean {
    if (index >= this.seconds.length) return this.sparse?.get(index)?.outcome !== undefined;
    return this.texts[index] !== undefined || (this.errors?.has(index) ?? false);
  }

  /** The outcome of chunk `index` (a new object each call), if it has one. */
  outcomeOf(index: number): ChunkOutcome | undefined {
    if (index >= this.seconds.length) return this.sparse?.get(index)?.outcome;
    const text = this.texts[index];
    if (text !== undefined) return { text };
    const error = this.errors?.get(index);
    return error ? { error } : undefined;
  }

  /** Every recorded chunk has an outcome. */
  get complete(): boolean {
    return this.outcomeCount === this.chunkCount;
  }

  /** Indexes of the recorded chunks, in ascending order. */
  indexes(): number[] {
    const indexes: number[] = [];
    for (let index = 0; index < this.seconds.length; index++)
      if (!Number.isNaN(this.seconds[index]!)) indexes.push(index);
    if (this.sparse) indexes.push(...[...this.sparse.keys()].sort((a, b) => a - b));
    return indexes;
  }

  /** Audio seconds of all recorded chunks. */
  audioSeconds(): number {
    let sum = 0;
    for (const index of this.indexes()) sum += this.secondsOf(index)!;
    return sum;
  }

  /** Outcomes by index, as plain data (for the stores' serialisation and the lookup API). */
  outcomes(): Record<number, ChunkOutcome> {
    const all: Record<number, ChunkOutcome> = {};
    for (const index of this.indexes()) {
      const outcome = this.outcomeOf(index);
      if (outcome) all[index] = outcome;
    }
    return all;
  }

  /** Audio seconds by index, as plain data. */
  secondsByIndex(): Record<number, number> {
    const all: Record<number, number> = {};
    for (const index of this.indexes()) all[index] = this.secondsOf(index)!;
    return all;
  }

  /** Makes the dense arrays cover `index` if it is near enough; false when it is not. */
  private growTo(index: number): boolean {
    if (index >= this.chunkCount + DENSE_SLACK) return false;
    let size = this.seconds.length;
    while (size <= index) size *= 2;
    const grown = new Float64Array(size).fill(NaN);
    grown.set(this.seconds);
    // Chunks that were sparse and now fall inside the dense range move in.
    if (this.sparse)
      for (const [sparseIndex, chunk] of this.sparse)
        if (sparseIndex < size) {
          grown[sparseIndex] = chunk.seconds;
          this.sparse.delete(sparseIndex);
          if (chunk.outcome) this.placeDense(sparseIndex, chunk.outcome);
        }
    this.seconds = grown;
    return true;
  }

  private placeDense(index: number, outcome: ChunkOutcome): void {
    if (outcome.error) (this.errors ??= new Map()).set(index, outcome.error);
    else {
      this.fillTextsTo(index);
      this.texts[index] = outcome.text ?? '';
    }
  }

  /** Keeps `texts` a packed array: holes would turn it into a slow dictionary. */
  private fillTextsTo(index: number): void {
    while (this.texts.length < index) this.texts.push(undefined);
  }
}
