// Exports of recordings: plain text, Markdown, SubRip and WebVTT subtitles (one cue per
// chunk, timed by the chunk's position in the audio) and JSON with every chunk; and one
// combined file for a selection of recordings (docs/dictation.md, "Export"). Pure
// functions of the history details, so the formats are easy to check.
import type { TextFile } from '../../src-shared/api/common.js';
import type { CombinedExportFormat, ExportFormat, HistoryDetail } from '../../src-shared/api/history.js';

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** h:m:s and milliseconds of a position in the audio, never negative. */
function clock(ms: number): { h: string; m: string; s: string; ms: string } {
  const total = Math.max(0, Math.round(ms));
  return {
    h: pad(Math.floor(total / 3_600_000)),
    m: pad(Math.floor((total % 3_600_000) / 60_000)),
    s: pad(Math.floor((total % 60_000) / 1000)),
    ms: pad(total % 1000, 3),
  };
}

function srtTime(ms: number): string {
  const t = clock(ms);
  return `${t.h}:${t.m}:${t.s},${t.ms}`;
}

/** WebVTT's timestamp: hours always written, so every cue reads the same at any length. */
function vttTime(ms: number): string {
  const t = clock(ms);
  return `${t.h}:${t.m}:${t.s}.${t.ms}`;
}

interface Cue {
  startMs: number;
  endMs: number;
  text: string;
}

/** One line per cue: a blank line would end the cue early in both subtitle formats. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

const words = (text: string) => oneLine(text).split(' ').filter(Boolean);

/**
 * The timed cues of a recording. Recognised: one cue per chunk with text, at the chunk's
 * place in the audio. Edited: the edited words are spread over the same chunks in
 * proportion to the words recognised in each, so the subtitles say what the user wrote,
 * still roughly where it was said. A gateway that sent only a final text (no chunk texts)
 * gets one cue over the whole recording.
 */
export function cues(detail: HistoryDetail): Cue[] {
  const timed = detail.chunks
    .filter((c) => c.text && c.text.trim() !== '')
    .map((c) => ({ startMs: c.startMs, endMs: c.endMs, text: oneLine(c.text!) }));
  const text = oneLine(detail.text);
  if (timed.length === 0) return text ? [{ startMs: 0, endMs: detail.durationMs, text }] : [];
  if (detail.recognisedText === undefined) return timed;
  const edited = words(detail.text);
  const weights = timed.map((c) => words(c.text).length);
  const total = weights.reduce((a, b) => a + b, 0);
  const out: Cue[] = [];
  let taken = 0;
  let seen = 0;
  timed.forEach((cue, i) => {
    seen += weights[i];
    const upTo = i === timed.length - 1 ? edited.length : Math.round((seen / total) * edited.length);
    const part = edited.slice(taken, upTo).join(' ');
    taken = Math.max(taken, upTo);
    if (part) out.push({ ...cue, text: part });
  });
  return out;
}

export function toSrt(detail: HistoryDetail): string {
  return cues(detail)
    .map((cue, i) => `${i + 1}\n${srtTime(cue.startMs)} --> ${srtTime(cue.endMs)}\n${cue.text}\n`)
    .join('\n');
}

/** WebVTT cue text: `&`, `<` and `>` are markup there, and "-->" would read as a timing line. */
function vttText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function toVtt(detail: HistoryDetail): string {
  const body = cues(detail)
    .map((cue) => `${vttTime(cue.startMs)} --> ${vttTime(cue.endMs)}\n${vttText(cue.text)}\n`)
    .join('\n');
  return `WEBVTT\n\n${body}`;
}

/** UTC date and time to the second, as exports name it (the reader may be elsewhere). */
function utc(at: number): string {
  return new Date(at)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
}

function length(ms: number): string {
  const t = clock(ms);
  return t.h === '00' ? `${Number(t.m)}:${t.s}` : `${Number(t.h)}:${t.m}:${t.s}`;
}

function editedNote(detail: HistoryDetail): string | undefined {
  return detail.recognisedText === undefined
    ? undefined
    : `edited${detail.editedAt ? ` ${utc(detail.editedAt)}` : ''}; the recognised text is kept in Earshot`;
}

/** A recording as a Markdown section, its heading at `level`. */
function markdownSection(detail: HistoryDetail, level: number): string {
  const facts = [
    `- Recorded: ${utc(detail.createdAt)}`,
    `- Length: ${length(detail.durationMs)}`,
    `- Recording: ${detail.recordingId}`,
    ...(detail.partial ? ['- Partial: the gateway gave up waiting for a chunk'] : []),
    ...(editedNote(detail) ? [`- Text: ${editedNote(detail)}`] : []),
  ];
  const text = detail.text.trim() || '_(no speech recognised)_';
  return `${'#'.repeat(level)} ${utc(detail.createdAt)}\n\n${facts.join('\n')}\n\n${text}\n`;
}

function jsonOf(detail: HistoryDetail) {
  return {
    recordingId: detail.recordingId,
    createdAt: new Date(detail.createdAt).toISOString(),
    durationMs: detail.durationMs,
    state: detail.state,
    text: detail.text,
    ...(detail.recognisedText !== undefined
      ? {
          recognisedText: detail.recognisedText,
          editedAt: detail.editedAt ? new Date(detail.editedAt).toISOString() : null,
        }
      : {}),
    partial: detail.partial ?? false,
    chunks: detail.chunks.map((c) => ({
      index: c.index,
      startMs: c.startMs,
      endMs: c.endMs,
      text: c.text ?? null,
    })),
  };
}

const stampOf = (at: number) =>
  new Date(at)
    .toISOString()
    .replace(/[:]/g, '-')
    .replace(/\.\d+Z$/, 'Z');

export const MIME_TYPES: Record<ExportFormat, string> = {
  txt: 'text/plain',
  md: 'text/markdown',
  srt: 'application/x-subrip',
  vtt: 'text/vtt',
  json: 'application/json',
};

/** One recording in `format`. The text is the edited one where the user edited it. */
export function exportRecording(detail: HistoryDetail, format: ExportFormat): TextFile {
  const base = `earshot-${stampOf(detail.createdAt)}-${detail.recordingId}`;
  const file = (content: string): TextFile => ({
    filename: `${base}.${format}`,
    mimeType: MIME_TYPES[format],
    content,
  });
  switch (format) {
    case 'txt':
      return file(detail.text + '\n');
    case 'md':
      return file(markdownSection(detail, 1));
    case 'srt':
      return file(toSrt(detail));
    case 'vtt':
      return file(toVtt(detail));
    case 'json':
      return file(JSON.stringify(jsonOf(detail), null, 2) + '\n');
  }
}

/**
 * Several recordings as one file, oldest first so it reads as it happened: text with a
 * header line per recording, Markdown with a section per recording, JSON with an array.
 */
export function exportCombined(
  details: readonly HistoryDetail[],
  format: CombinedExportFormat,
  now = Date.now(),
): TextFile {
  const ordered = [...details].sort(
    (a, b) => a.createdAt - b.createdAt || Number(a.recordingId) - Number(b.recordingId),
  );
  const filename = `earshot-${ordered.length}-recordings-${stampOf(now)}.${format}`;
  const file = (content: string): TextFile => ({ filename, mimeType: MIME_TYPES[format], content });
  switch (format) {
    case 'txt':
      return file(
        ordered
          .map((d) => {
            const note = editedNote(d);
            const head = `${utc(d.createdAt)} · ${length(d.durationMs)} · recording ${d.recordingId}${note ? ` · ${note}` : ''}`;
            return `${head}\n${d.text.trim()}\n`;
          })
          .join('\n'),
      );
    case 'md':
      return file(
        `# Earshot transcripts\n\n${ordered.length} recording${ordered.length === 1 ? '' : 's'}, exported ${utc(now)}.\n\n` +
          ordered.map((d) => markdownSection(d, 2)).join('\n'),
      );
    case 'json':
      return file(
        JSON.stringify(
          { exportedAt: new Date(now).toISOString(), recordings: ordered.map(jsonOf) },
          null,
          2,
        ) + '\n',
      );
  }
}
