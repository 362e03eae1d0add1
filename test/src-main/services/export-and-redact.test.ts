// Pure parts of the services: SubRip timing and cues, and diagnostics redaction.
import { describe, expect, it } from 'vitest';
import type { HistoryDetail } from '../../../src-shared/api/history.js';
import { exportRecording, toSrt } from '../../../src-main/services/history-export.js';
import { redact } from '../../../src-main/services/status-service.js';

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
