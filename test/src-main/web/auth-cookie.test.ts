// The web host's cookie reader (issue 10, item 2): a malformed escape in a cookie that a
// page on another localhost port planted threw out of decodeURIComponent and crashed the
// host; and a planted cookie must not shadow the real one.
import { describe, expect, it } from 'vitest';
import { cookieValues } from '../../../src-main/web/auth.js';

describe('cookieValues', () => {
  it('returns every value of the cookie, malformed escapes kept as they are', () => {
    expect(cookieValues('earshot_session=%E0%A4%A', 'earshot_session')).toEqual(['%E0%A4%A']);
    expect(cookieValues('a=1; earshot_session=x%20y; earshot_session=z', 'earshot_session')).toEqual([
      'x y',
      'z',
    ]);
    expect(cookieValues('earshot_session; =; ;;', 'earshot_session')).toEqual([]);
    expect(cookieValues(undefined, 'earshot_session')).toEqual([]);
  });
});
