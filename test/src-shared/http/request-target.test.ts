// Reading request targets without throwing (issue 10, items 1 and 2): both servers route
// on what these return, and a throw there was a crash.
import { describe, expect, it } from 'vitest';
import {
  decodeComponent,
  loggableTarget,
  parseRequestTarget,
} from '../../../src-shared/http/request-target.js';

describe('parseRequestTarget', () => {
  it('reads origin-form targets against a fixed origin, so // never becomes a host', () => {
    expect(parseRequestTarget('/ws/asr?token=a%20b')).toMatchObject({ pathname: '/ws/asr' });
    expect(parseRequestTarget('/ws/asr?token=a%20b')!.searchParams.get('token')).toBe('a b');
    expect(parseRequestTarget('//[')!.pathname).toBe('//[');
    expect(parseRequestTarget('//evil.example/ws/asr')!.pathname).toBe('//evil.example/ws/asr');
    expect(parseRequestTarget('/%E0%A4%A')!.pathname).toBe('/%E0%A4%A');
  });

  it('accepts absolute-form http(s) targets and refuses everything else', () => {
    expect(parseRequestTarget('http://127.0.0.1:8081/ws/asr?x=1')!.pathname).toBe('/ws/asr');
    for (const bad of [undefined, '', '*', 'http://[', 'ftp://x/', 'javascript:alert(1)', 'foo', '?a'])
      expect(parseRequestTarget(bad), String(bad)).toBeUndefined();
  });
});

describe('decodeComponent and loggableTarget', () => {
  it('answers undefined for a malformed escape instead of throwing', () => {
    expect(decodeComponent('%E0%A4%A')).toBeUndefined();
    expect(decodeComponent('a%20b')).toBe('a b');
  });

  it('masks token values and caps the length', () => {
    expect(loggableTarget('/ws/asr?a=1&token=s3cret&b=2')).toBe('/ws/asr?a=1&token=[redacted]&b=2');
    expect(loggableTarget('//[?TOKEN=s3cret')).toBe('//[?TOKEN=[redacted]');
    expect(loggableTarget(`/${'x'.repeat(500)}`)).toHaveLength(203);
  });
});
