// Exports of one recording: plain text, SubRip subtitles (one cue per chunk, timed by the
// chunk's position in the audio) and JSON with every chunk. Pure functions of the
// history detail, so the formats are easy to check.
import type { TextFile } from '../../src-shared/api/common.js';
import type { ExportFormat, HistoryDetail } from '../../src-shared/api/history.js';

function srtTime(ms: number): string {
  const total = Math.max(0, Math.round(ms));
  const h = Math.floor(total / 3_600_000);
  const m = Math.floor((total % 3_600_000) / 60_000);
  const s = Math.floor((total % 60_000) / 1000);
  const rest = total % 1000;
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)},${pad(rest, 3)}`;
}

export function toSrt(detail: HistoryDetail): string {
  const cues = detail.chunks.filter((c) => c.text && c.text.trim() !== '');
  // A gateway that sent only a final text (no chunk texts) still gets one cue for it.
  const timed = cues.length
    ? cues.map((c) => ({ startMs: c.startMs, endMs: c.endMs, text: c.text!.trim() }))
    : detail.text.trim()
      ? [{ startMs: 0, endMs: detail.durationMs, text: detail.text.trim() }]
      : [];
  return timed
    .map((cue, i) => `${i + 1}\n${srtTime(cue.startMs)} --> ${srtTime(cue.endMs)}\n${cue.text}\n`)
    .join('\n');
}

export function exportRecording(detail: HistoryDetail, format: ExportFormat): TextFile {
  const stamp = new Date(detail.createdAt)
    .toISOString()
    .replace(/[:]/g, '-')
    .replace(/\.\d+Z$/, 'Z');
  const base = `earshot-${stamp}-${detail.recordingId}`;
  switch (format) {
    case 'txt':
      return { filename: `${base}.txt`, mimeType: 'text/plain', content: detail.text + '\n' };
    case 'srt':
      return { filename: `${base}.srt`, mimeType: 'application/x-subrip', content: toSrt(detail) };
    case 'json':
      return {
        filename: `${base}.json`,
        mimeType: 'application/json',
        content:
          JSON.stringify(
            {
              recordingId: detail.recordingId,
              createdAt: new Date(detail.createdAt).toISOString(),
              durationMs: detail.durationMs,
              state: detail.state,
              text: detail.text,
              partial: detail.partial ?? false,
              chunks: detail.chunks.map((c) => ({
                index: c.index,
                startMs: c.startMs,
                endMs: c.endMs,
                text: c.text ?? null,
              })),
            },
            null,
            2,
          ) + '\n',
      };
  }
}
