// Pure parts of the services: SubRip and WebVTT timing and cues, Markdown and combined
// exports, and diagnostics redaction.
import { describe, expect, it } from 'vitest';
import type { HistoryDetail } from '../../../src-shared/api/history.js';
import { exportCombined, exportRecording, toSrt, toVtt } from '../../../src-main/services/history-export.js';
import { redact } from '../../../src-main/diagnostics/redact.js';

const detail: HistoryDetail = {
  recordingId: '12',
  createdAt: Date.UTC(2026, 0, 2, 3, 4, 5),
  durationMs: 3_723_450,
  state: 'done',
  text: 'hello world again',
  chunkCount: 3,
  chunks: [
    { index: 0, startMs: 0, endMs: 1500, state: 'done', text: 'hello' },
    { index: 1, startMs: 1500, endMs: 2000, state: 'done', text: '' },
    { index: 2, startMs: 3_721_000, endMs: 3_723_450, state: 'done', text: ' world again ' },
  ],
};

describe('exports', () => {
  it('writes one SRT cue per chunk with text, timed by the audio position', () => {
    expect(toSrt(detail)).toBe(
      '1\n00:00:00,000 --> 00:00:01,500\nhello\n\n2\n01:02:01,000 --> 01:02:03,450\nworld again\n',
    );
  });

  it('falls back to one cue for a gateway that gave only a final text', () => {
    expect(toSrt({ ...detail, chunks: [] })).toBe('1\n00:00:00,000 --> 01:02:03,450\nhello world again\n');
    expect(toSrt({ ...detail, chunks: [], text: '' })).toBe('');
  });

  it('names files by date and id', () => {
    expect(exportRecording(detail, 'txt')).toEqual({
      filename: 'earshot-2026-01-02T03-04-05Z-12.txt',
      mimeType: 'text/plain',
      content: 'hello world again\n',
    });
    expect(JSON.parse(exportRecording(detail, 'json').content).chunks[1]).toEqual({
      index: 1,
      startMs: 1500,
      endMs: 2000,
      text: '',
    });
  });
});

describe('WebVTT, Markdown and edited exports', () => {
  it('writes WebVTT with a header, dot milliseconds and escaped markup', () => {
    expect(toVtt(detail)).toBe(
      'WEBVTT\n\n00:00:00.000 --> 00:00:01.500\nhello\n\n01:02:01.000 --> 01:02:03.450\nworld again\n',
    );
    const risky = { ...detail, chunks: [{ ...detail.chunks[0], text: 'a --> b <i> & c\n\nd' }] };
    expect(toVtt(risky)).toBe('WEBVTT\n\n00:00:00.000 --> 00:00:01.500\na --&gt; b &lt;i&gt; &amp; c d\n');
    expect(toVtt({ ...detail, chunks: [], text: '' })).toBe('WEBVTT\n\n');
    expect(exportRecording(detail, 'vtt')).toMatchObject({
      filename: 'earshot-2026-01-02T03-04-05Z-12.vtt',
      mimeType: 'text/vtt',
    });
  });

  it('writes Markdown with the date, length and text', () => {
    expect(exportRecording(detail, 'md')).toEqual({
      filename: 'earshot-2026-01-02T03-04-05Z-12.md',
      mimeType: 'text/markdown',
      content:
        '# 2026-01-02 03:04:05 UTC\n\n- Recorded: 2026-01-02 03:04:05 UTC\n- Length: 1:02:03\n- Recording: 12\n\nhello world again\n',
    });
  });

  it('uses the edited text, spread over the chunk times, and keeps the recognised one in JSON', () => {
    const edited = {
      ...detail,
      text: 'Hello, wide world  again!',
      recognisedText: 'hello world again',
      editedAt: Date.UTC(2026, 0, 3),
    };
    expect(exportRecording(edited, 'txt').content).toBe('Hello, wide world  again!\n');
    // chunk 0 recognised one word of three, chunk 2 two: the four edited words split 1:3.
    expect(toSrt(edited)).toBe(
      '1\n00:00:00,000 --> 00:00:01,500\nHello,\n\n2\n01:02:01,000 --> 01:02:03,450\nwide world again!\n',
    );
    expect(JSON.parse(exportRecording(edited, 'json').content)).toMatchObject({
      text: 'Hello, wide world  again!',
      recognisedText: 'hello world again',
      editedAt: '2026-01-03T00:00:00.000Z',
    });
    expect(exportRecording(edited, 'md').content).toContain(
      '- Text: edited 2026-01-03 00:00:00 UTC; the recognised text is kept in Earshot',
    );
    // Every edited word lands in exactly one cue, whatever the proportions.
    const many = { ...edited, text: 'one two three four five six seven eight nine ten' };
    const cueWords = toSrt(many)
      .split('\n\n')
      .map((cue) => cue.split('\n').slice(2).join(' '))
      .join(' ')
      .trim();
    expect(cueWords).toBe(many.text);
  });

  it('puts a selection in one file, oldest first', () => {
    const older = { ...detail, recordingId: '3', createdAt: Date.UTC(2025, 11, 31), text: 'first words' };
    const now = Date.UTC(2026, 1, 1);
    const md = exportCombined([detail, older], 'md', now);
    expect(md.filename).toBe('earshot-2-recordings-2026-02-01T00-00-00Z.md');
    expect(
      md.content.startsWith(
        '# Earshot transcripts\n\n2 recordings, exported 2026-02-01 00:00:00 UTC.\n\n## 2025-12-31',
      ),
    ).toBe(true);
    expect(md.content.indexOf('first words')).toBeLessThan(md.content.indexOf('hello world again'));
    const txt = exportCombined([detail, older], 'txt', now).content;
    expect(txt).toBe(
      '2025-12-31 00:00:00 UTC · 1:02:03 · recording 3\nfirst words\n\n2026-01-02 03:04:05 UTC · 1:02:03 · recording 12\nhello world again\n',
    );
    const json = JSON.parse(exportCombined([detail, older], 'json', now).content);
    expect(json.exportedAt).toBe('2026-02-01T00:00:00.000Z');
    expect(json.recordings.map((r: { recordingId: string }) => r.recordingId)).toEqual(['3', '12']);
  });
});

describe('redact', () => {
  it('removes the secret in every form and any token parameter or bearer header', () => {
    const secret = 'a+b/c "d"';
    const text = JSON.stringify({
      raw: secret,
      url: `ws://h/ws?token=${encodeURIComponent(secret)}&x=1`,
      header: 'Bearer abc.def',
      other: 'ws://h/?TOKEN=zzz',
    });
    const out = redact(text, [secret, '']);
    expect(out).not.toContain('a+b/c');
    expect(out).not.toContain(encodeURIComponent(secret));
    expect(out).not.toContain('abc.def');
    expect(out).not.toContain('zzz');
    expect(JSON.parse(out)).toEqual({
      raw: '<redacted>',
      url: 'ws://h/ws?token=<redacted>&x=1',
      header: 'Bearer <redacted>',
      other: 'ws://h/?TOKEN=<redacted>',
    });
  });
});
