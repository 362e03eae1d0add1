// Memory shared with one recognizer worker thread, cut into fixed slots that carry chunks'
// samples to it. A chunk's samples were copied into memory of their own and transferred:
// ~32 KB of new memory outside V8's heap per chunk, which at thousands of chunks a second
// started most of the gateway's full garbage collections ("external memory pressure"),
// each marking every session's kept transcripts, so the gateway's CPU grew with the age
// of its streams until it stalled (docs/benchmarks.md, "Live streams"). A slot is
// allocated once and used again; a chunk too long for a slot, or one handed while every
// slot is taken, travels the old way.

/** 2.048 s of 16 kHz PCM16 per slot: a live stream's chunk, with room to spare. */
export const SLOT_BYTES = 64 * 1024;
/** Slots per worker: 16 MiB of address space, touched only as slots are first used. */
export const SLOTS_PER_WORKER = 256;

export interface SharedSamples {
  buffer: SharedArrayBuffer;
  slotBytes: number;
}

export class SampleSlots {
  readonly shared: SharedSamples;
  /** Free slot indexes; the last freed is reused first, so few pages are ever touched. */
  private readonly free: number[] = [];

  constructor(slots = SLOTS_PER_WORKER, slotBytes = SLOT_BYTES) {
    if (!Number.isInteger(slots) || slots < 1) throw new RangeError(`slots must be >= 1, got ${slots}`);
    if (!Number.isInteger(slotBytes) || slotBytes < 2 || slotBytes % 2 !== 0)
      throw new RangeError(`slotBytes must be an even number >= 2, got ${slotBytes}`);
    this.shared = { buffer: new SharedArrayBuffer(slots * slotBytes), slotBytes };
    for (let index = slots - 1; index >= 0; index--) this.free.push(index);
  }

  /** Copies `pcm` into a free slot and returns the slot, or undefined if it does not fit or none is free. */
  put(pcm: Int16Array): number | undefined {
    if (pcm.byteLength > this.shared.slotBytes) return undefined;
    const index = this.free.pop();
    if (index === undefined) return undefined;
    samplesIn(this.shared, index, pcm.length).set(pcm);
    return index;
  }

  /** Gives a slot back once its worker is done with it. */
  release(index: number): void {
    this.free.push(index);
  }

  get freeSlots(): number {
    return this.free.length;
  }
}

/** The samples of slot `index`, as the worker thread reads them (no copy). */
export function samplesIn(shared: SharedSamples, index: number, samples: number): Int16Array {
  return new Int16Array(shared.buffer, index * shared.slotBytes, samples);
}
