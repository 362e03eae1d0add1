// Collects the worklet's small PCM16 blocks into batches for main (never one IPC message
// per block), and keeps a short pre-roll while idle so the first word, spoken while the
// user is still pressing the button, is not cut.

export interface BatcherOptions {
  sampleRate: number;
  /** Audio kept from before the record button was pressed. */
  preRollMs: number;
  /** Samples per batch sent to main while recording. */
  batchMs: number;
}

export const DEFAULT_BATCHER: BatcherOptions = { sampleRate: 16_000, preRollMs: 500, batchMs: 200 };

function concat(parts: readonly Int16Array[], total: number): Int16Array {
  const out = new Int16Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export class FrameBatcher {
  private readonly preRollSamples: number;
  private readonly batchSamples: number;
  private parts: Int16Array[] = [];
  private buffered = 0;
  private recording = false;

  constructor(
    private readonly onBatch: (pcm: Int16Array) => void,
    options: BatcherOptions = DEFAULT_BATCHER,
  ) {
    this.preRollSamples = Math.round((options.sampleRate * options.preRollMs) / 1000);
    this.batchSamples = Math.max(1, Math.round((options.sampleRate * options.batchMs) / 1000));
  }

  get isRecording(): boolean {
    return this.recording;
  }

  /** Samples currently held (the pre-roll while idle, the unsent tail while recording). */
  get bufferedSamples(): number {
    return this.buffered;
  }

  push(block: Int16Array): void {
    if (block.length === 0) return;
    this.parts.push(block);
    this.buffered += block.length;
    if (this.recording) {
      if (this.buffered >= this.batchSamples) this.flush();
    } else {
      this.trimToPreRoll();
    }
  }

  /** Starts forwarding; the pre-roll becomes the head of the first batch. */
  start(): void {
    this.recording = true;
  }

  /** Sends what is left and goes back to keeping a pre-roll (which starts empty). */
  stop(): void {
    this.flush();
    this.recording = false;
  }

  flush(): void {
    if (this.buffered === 0) return;
    const batch = concat(this.parts, this.buffered);
    this.parts = [];
    this.buffered = 0;
    this.onBatch(batch);
  }

  private trimToPreRoll(): void {
    let excess = this.buffered - this.preRollSamples;
    while (excess > 0 && this.parts.length > 0) {
      const head = this.parts[0];
      if (head.length <= excess) {
        this.parts.shift();
        this.buffered -= head.length;
        excess -= head.length;
      } else {
        this.parts[0] = head.subarray(excess);
        this.buffered -= excess;
        excess = 0;
      }
    }
  }
}
