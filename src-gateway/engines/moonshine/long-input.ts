// Moonshine is not a streaming model: its cost grows faster than the audio, and past
// ~20 s its output degrades. A chunk longer than that (a whole file sent as one chunk by
// a client that does not cut at pauses) is split here into segments that end in pauses,
// found by the VAD, so no word is cut in two. Segments cover the input end to end:
// nothing is dropped, silence included.

export interface SplitOptions {
  /** Speech probability of each VAD frame, in order. */
  probabilities: ArrayLike<number>;
  frameSamples: number;
  totalSamples: number;
  /** Longest segment. */
  maxSamples: number;
  /** Shortest segment (the last one may be shorter). */
  minSamples: number;
  /** Frames below this probability are pause. */
  pauseBelow: number;
}

export interface Segment {
  start: number;
  end: number;
}

/**
 * Cut points at pauses: each segment ends in the middle of the longest pause that leaves
 * it between min and max long (on a tie the later one, so segments stay long); with no
 * pause frame in reach, at the frame the VAD found least speech-like.
 */
export function splitAtPauses(o: SplitOptions): Segment[] {
  const segments: Segment[] = [];
  const frameCount = o.probabilities.length;
  let start = 0;
  while (o.totalSamples - start > o.maxSamples) {
    const first = Math.ceil((start + o.minSamples) / o.frameSamples);
    const last = Math.min(frameCount, Math.floor((start + o.maxSamples) / o.frameSamples)) - 1;
    let cutFrame = -1;
    let bestRun = 0;
    let runStart = -1;
    for (let f = first; f <= last + 1; f++) {
      const pause = f <= last && o.probabilities[f] < o.pauseBelow;
      if (pause && runStart < 0) runStart = f;
      if (!pause && runStart >= 0) {
        if (f - runStart >= bestRun) {
          bestRun = f - runStart;
          cutFrame = (runStart + f) >> 1;
        }
        runStart = -1;
      }
    }
    if (cutFrame < 0) {
      let lowest = Infinity;
      for (let f = first; f <= last; f++) {
        if (o.probabilities[f] <= lowest) {
          lowest = o.probabilities[f];
          cutFrame = f;
        }
      }
    }
    // No VAD frames in reach at all (cannot happen for sane options): a plain cut at max.
    const end = cutFrame < 0 ? start + o.maxSamples : cutFrame * o.frameSamples;
    segments.push({ start, end });
    start = end;
  }
  if (o.totalSamples > start) segments.push({ start, end: o.totalSamples });
  return segments;
}
