// Generators of hostile HTTP/1.1 requests: request lines, targets (paths, dot segments,
// broken percent escapes, absolute and asterisk forms, query strings with right, wrong
// and malformed tokens), headers (Host, Origin, Cookie, Authorization, the WebSocket
// handshake, Content-Length and Transfer-Encoding variants, long and random ones), bodies
// and pipelining; then, for some, byte-level mutations of the whole request (flips,
// inserts, deletions, duplications, truncation). Known-good values (the right Host, the
// token, the session cookie) appear often enough that the fuzz gets past the access
// checks into the routes behind them.
import fc from 'fast-check';

export interface HttpProfile {
  /** Routes the server knows (so many cases hit real handlers). */
  paths: string[];
  /** A Host header value the server accepts. */
  host: string;
  token: string;
  /** The web host's session cookie name, if the server has one. */
  cookieName?: string;
  /** Where the WebSocket endpoint lives. */
  upgradePath: string;
}

const weighted = <T>(...entries: [number, fc.Arbitrary<T>][]) =>
  fc.oneof(...entries.map(([weight, arbitrary]) => ({ weight, arbitrary })));

/** Short strings of any code points (lone surrogates, controls, bidi, NUL included). */
const anyText = (maxLength = 24) => fc.string({ unit: 'binary', maxLength });
const token68 = fc.stringMatching(/^[A-Za-z0-9._~+/-]{0,40}=*$/);

const percentEscapes = fc.constantFrom(
  '%E0%A4%A',
  '%',
  '%%',
  '%zz',
  '%00',
  '%0d%0a',
  '%C0%AE',
  '%ED%A0%80',
  '%FF',
  '%2e%2e',
  '%2f',
  '%5c',
  '%u002e',
);

function segment(profile: HttpProfile): fc.Arbitrary<string> {
  const known = [...new Set(profile.paths.flatMap((p) => p.split('/')).filter(Boolean))];
  return weighted(
    [3, fc.constantFrom(...known)],
    [3, fc.constantFrom('..', '.', '', '...', '~', '\\', '..\\..', 'index.html', '.git', 'etc', 'passwd')],
    [3, percentEscapes],
    [2, fc.stringMatching(/^[A-Za-z0-9._~-]{1,12}$/)],
    [1, anyText(12)],
    [
      1,
      fc
        .uint8Array({ maxLength: 6 })
        .map((b) => [...b].map((x) => `%${x.toString(16).padStart(2, '0')}`).join('')),
    ],
  );
}

function queryValue(profile: HttpProfile): fc.Arbitrary<string> {
  return weighted(
    [3, fc.constant(profile.token)],
    [1, fc.constant(profile.token.toUpperCase())],
    [1, fc.constant(`${profile.token}x`)],
    [2, percentEscapes],
    [1, fc.constant('')],
    [2, anyText()],
    [1, fc.nat({ max: 20_000 }).map((n) => 'a'.repeat(n))],
  );
}

function query(profile: HttpProfile): fc.Arbitrary<string> {
  const pair = fc
    .tuple(
      weighted(
        [4, fc.constantFrom('token', 'session_id', 'limit', 'offset', 'q')],
        [1, percentEscapes],
        [1, anyText(8)],
      ),
      fc.option(queryValue(profile), { nil: undefined }),
    )
    .map(([key, value]) => (value === undefined ? key : `${key}=${value}`));
  return fc
    .array(pair, { maxLength: 4 })
    .chain((pairs) =>
      fc.constantFrom('&', ';', '&&').map((sep) => (pairs.length ? `?${pairs.join(sep)}` : '')),
    );
}

function target(profile: HttpProfile): fc.Arbitrary<string> {
  const path = weighted(
    [4, fc.constantFrom(...profile.paths)],
    [3, fc.array(segment(profile), { minLength: 1, maxLength: 6 }).map((s) => `/${s.join('/')}`)],
    [1, fc.constantFrom(...profile.paths).chain((p) => segment(profile).map((s) => `${p}/${s}`))],
  );
  const prefix = weighted(
    [12, fc.constant('')],
    [1, fc.constant('/')],
    [1, fc.constant(`http://${profile.host}`)],
    [1, fc.constantFrom('http://[', 'https://x', 'ftp://x', 'http://', 'http:', '//[', '\\\\')],
  );
  return weighted(
    [
      20,
      fc
        .tuple(prefix, path, query(profile), fc.option(anyText(6), { nil: undefined }))
        .map(([pre, p, q, fragment]) => `${pre}${p}${q}${fragment === undefined ? '' : `#${fragment}`}`),
    ],
    [1, fc.constantFrom('*', '//[', 'http://[', '', ' ', '?', '#', '//', 'http://[::1', '/\u0000')],
    [1, anyText(40)],
  );
}

const method = weighted(
  [10, fc.constantFrom('GET', 'GET', 'GET', 'HEAD', 'POST', 'DELETE')],
  [2, fc.constantFrom('PUT', 'OPTIONS', 'PATCH', 'CONNECT', 'TRACE', 'PRI', 'get', 'M-SEARCH', 'PROPFIND')],
  [1, fc.stringMatching(/^[A-Z]{1,12}$/)],
  [1, anyText(8)],
);

const version = weighted(
  [12, fc.constant('HTTP/1.1')],
  [
    2,
    fc.constantFrom(
      'HTTP/1.0',
      'HTTP/0.9',
      'HTTP/2.0',
      'HTTP/9.9',
      'http/1.1',
      'HTTP/1.1 x',
      '',
      'HTTP/1.10',
    ),
  ],
  [1, anyText(10)],
);

const lineEnd = weighted([20, fc.constant('\r\n')], [1, fc.constantFrom('\n', '\r', '\r\r\n', '\n\r')]);

function headers(profile: HttpProfile): fc.Arbitrary<string[]> {
  const host = weighted(
    [10, fc.constant(`Host: ${profile.host}`)],
    [
      2,
      fc.constantFrom(
        `Host: localhost:${profile.host.split(':')[1] ?? ''}`,
        'Host: 127.0.0.1',
        'Host: evil.example',
        'Host: %E0%A4%A',
        'Host:',
        'Host: [::1',
        `Host: ${profile.host}\r\nHost: evil.example`,
      ),
    ],
    [1, anyText().map((h) => `Host: ${h}`)],
    [1, fc.constant('')],
  );
  const origin = fc.option(
    weighted(
      [3, fc.constant(`Origin: http://${profile.host}`)],
      [
        2,
        fc.constantFrom('Origin: null', 'Origin: http://[', 'Origin: http://127.0.0.1:1', 'Origin: file://'),
      ],
      [1, anyText().map((o) => `Origin: ${o}`)],
    ),
    { nil: undefined, freq: 2 },
  );
  const cookieName = profile.cookieName ?? 'session';
  const cookiePair = weighted(
    [3, fc.constant(`${cookieName}=${encodeURIComponent(profile.token)}`)],
    [3, percentEscapes.map((e) => `${cookieName}=${e}`)],
    [
      1,
      fc.constantFrom(
        cookieName,
        `${cookieName}=`,
        '=',
        ';',
        '==',
        ' = ',
        `${cookieName}="${profile.token}"`,
      ),
    ],
    [2, fc.tuple(fc.stringMatching(/^[A-Za-z_]{1,10}$/), anyText()).map(([k, v]) => `${k}=${v}`)],
    [1, fc.nat({ max: 9_000 }).map((n) => `${cookieName}=${'b'.repeat(n)}`)],
  );
  const cookie = fc.option(
    fc.array(cookiePair, { minLength: 1, maxLength: 5 }).map((pairs) => `Cookie: ${pairs.join('; ')}`),
    { nil: undefined, freq: 2 },
  );
  const authorization = fc.option(
    weighted(
      [
        3,
        fc.constantFrom(
          `Authorization: Bearer ${profile.token}`,
          `Authorization: bEaReR \t${profile.token} `,
          'Authorization: Bearer wrong',
          'Authorization: Bearer',
          'Authorization: Basic Zm9vOmJhcg==',
          `Authorization: Bearer ${profile.token} extra`,
        ),
      ],
      [1, token68.map((t) => `Authorization: Bearer ${t}`)],
      [1, anyText().map((t) => `Authorization: ${t}`)],
    ),
    { nil: undefined, freq: 3 },
  );
  const upgrade = fc.option(
    fc
      .tuple(
        weighted(
          [5, fc.constant('Upgrade: websocket')],
          [1, fc.constantFrom('Upgrade: WebSocket', 'Upgrade: h2c', 'Upgrade:')],
        ),
        weighted(
          [5, fc.constant('Connection: Upgrade')],
          [1, fc.constantFrom('Connection: keep-alive, Upgrade', 'Connection: close', 'Connection: x')],
        ),
        weighted(
          [5, fc.constant('Sec-WebSocket-Version: 13')],
          [1, fc.constantFrom('Sec-WebSocket-Version: 8', 'Sec-WebSocket-Version: x', '')],
        ),
        weighted(
          [5, fc.constant('Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==')],
          [1, fc.constantFrom('Sec-WebSocket-Key: short', 'Sec-WebSocket-Key:', '')],
          [1, anyText().map((k) => `Sec-WebSocket-Key: ${k}`)],
        ),
        fc.option(
          fc.constantFrom(
            'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits',
            'Sec-WebSocket-Extensions: x-unknown, permessage-deflate; server_max_window_bits=99',
            'Sec-WebSocket-Protocol: asr, , x',
            'Sec-WebSocket-Protocol: \u0000',
          ),
          { nil: undefined },
        ),
      )
      .map((lines) => lines.filter((l): l is string => !!l)),
    { nil: undefined, freq: 3 },
  );
  const framing = fc.option(
    fc.constantFrom(
      'Content-Length: 0',
      'Content-Length: 5',
      'Content-Length: -1',
      'Content-Length: 1e3',
      'Content-Length: 99999999999999999999',
      'Content-Length: abc',
      'Content-Length: 5\r\nContent-Length: 6',
      'Content-Length: 5, 5',
      'Transfer-Encoding: chunked',
      'Transfer-Encoding: gzip, chunked',
      'Transfer-Encoding: chunked, gzip',
      'Transfer-Encoding: chunked\r\nContent-Length: 3',
      'Transfer-Encoding: x',
      'Expect: 100-continue',
      'Expect: 200-ok',
    ),
    { nil: undefined, freq: 3 },
  );
  const other = fc.array(
    weighted(
      [3, fc.tuple(fc.stringMatching(/^[A-Za-z0-9-]{1,20}$/), anyText()).map(([k, v]) => `${k}: ${v}`)],
      [1, anyText(30)],
      [
        1,
        fc.constantFrom(
          ' leading-space: x',
          'no-colon',
          ': no-name',
          'X: a\u0000b',
          'X-Obs: a\r\n folded',
          'X-Bidi: \u202e',
        ),
      ],
      [1, fc.integer({ min: 8_000, max: 20_000 }).map((n) => `X-Long: ${'c'.repeat(n)}`)],
    ),
    { maxLength: 4 },
  );
  return fc
    .tuple(host, origin, cookie, authorization, upgrade, framing, other, fc.nat({ max: 200 }))
    .map(([h, o, c, a, u, f, rest, manyCount]) => {
      const lines = [h, o, c, a, ...(u ?? []), f, ...rest].filter((l): l is string => !!l);
      // Now and then very many headers (Node refuses more than its limit with 431).
      if (manyCount > 190) for (let i = 0; i < manyCount * 11; i++) lines.push(`X-Many-${i}: ${i}`);
      return lines;
    });
}

const body = fc.option(
  weighted(
    [2, anyText(64)],
    [
      1,
      fc.constantFrom(
        '5\r\nhello\r\n0\r\n\r\n',
        'zz\r\nx\r\n',
        '0\r\n\r\n',
        'ffffffffffffffff\r\n',
        '3;ext=1\r\nabc\r\n0\r\n\r\n',
      ),
    ],
  ),
  { nil: undefined, freq: 3 },
);

/** A mutation of the encoded request; positions are taken modulo its length. */
type Mutation =
  | { kind: 'flip'; at: number; bits: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'duplicate'; at: number; length: number }
  | { kind: 'truncate'; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bits: fc.integer({ min: 1, max: 255 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }),
  fc.record({
    kind: fc.constant('duplicate' as const),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 64 }),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

function mutate(bytes: Buffer, mutations: Mutation[]): Buffer {
  let out = bytes;
  for (const m of mutations) {
    if (out.length === 0) break;
    const at = m.at % out.length;
    switch (m.kind) {
      case 'flip':
        out = Buffer.from(out);
        out[at] ^= m.bits;
        break;
      case 'insert':
        out = Buffer.concat([out.subarray(0, at), m.bytes, out.subarray(at)]);
        break;
      case 'delete':
        out = Buffer.concat([out.subarray(0, at), out.subarray(at + m.length)]);
        break;
      case 'duplicate':
        out = Buffer.concat([out.subarray(0, at + m.length), out.subarray(at)]);
        break;
      case 'truncate':
        out = out.subarray(0, at);
        break;
    }
  }
  return out;
}

export interface HttpCase {
  kind: 'http';
  /** The request as it goes on the wire. */
  bytes: Buffer;
}

/**
 * A request any HTTP client could send (right syntax, maybe wrong credentials), so the
 * cases also reach routes, access checks and static files, not only the parser.
 */
function wellFormedRequest(profile: HttpProfile): fc.Arbitrary<string> {
  const cookieName = profile.cookieName ?? 'session';
  const line = fc.constantFrom(
    `Cookie: ${cookieName}=${encodeURIComponent(profile.token)}`,
    `Cookie: other=1; ${cookieName}=%E0%A4%A; ${cookieName}=${encodeURIComponent(profile.token)}`,
    `Cookie: ${cookieName}=wrong`,
    `Authorization: Bearer ${profile.token}`,
    'Authorization: Bearer wrong',
    `Origin: http://${profile.host}`,
    'Origin: http://evil.example',
    'Accept: */*',
    'Connection: close',
    'If-None-Match: "x"',
    'Range: bytes=0-10',
  );
  const upgradeLines = [
    'Upgrade: websocket',
    'Connection: Upgrade',
    'Sec-WebSocket-Version: 13',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
  ];
  return fc
    .tuple(
      fc.constantFrom('GET', 'GET', 'GET', 'HEAD', 'POST', 'DELETE', 'OPTIONS'),
      fc.constantFrom(...profile.paths),
      weighted([3, fc.constant('')], [2, query(profile)], [1, segment(profile).map((s) => `/${s}`)]),
      fc.array(line, { maxLength: 3 }),
      fc.boolean(),
      fc.boolean(),
      fc.boolean(),
    )
    .map(([m, path, tail, someLines, upgrade, wrongHost, withCookie]) => {
      // Half the requests carry the right credentials, so they get past the access checks.
      const credentials = profile.cookieName
        ? `Cookie: ${profile.cookieName}=${encodeURIComponent(profile.token)}`
        : `Authorization: Bearer ${profile.token}`;
      const lines = withCookie ? [credentials, ...someLines] : someLines;
      // A segment goes after the path, a query string as it is.
      const target = tail.startsWith('?') ? `${path}${tail}` : `${path === '/' ? '' : path}${tail}`;
      const host = wrongHost && someLines.length === 3 ? 'evil.example' : profile.host;
      return [
        `${m} ${target || '/'} HTTP/1.1`,
        `Host: ${host}`,
        ...lines,
        ...(upgrade && m === 'GET' ? upgradeLines : []),
        '',
        '',
      ].join('\r\n');
    });
}

/** One request (or a few pipelined ones), maybe mutated at the byte level. */
export function httpCase(profile: HttpProfile): fc.Arbitrary<HttpCase> {
  const upgradeTarget = fc.tuple(fc.constant(profile.upgradePath), query(profile)).map(([p, q]) => p + q);
  const chaotic = fc
    .tuple(
      method,
      weighted([4, target(profile)], [1, upgradeTarget]),
      version,
      headers(profile),
      body,
      lineEnd,
      fc.boolean(),
    )
    .map(([m, t, v, h, b, eol, utf8]) => {
      const head = [`${m} ${t}${v ? ` ${v}` : ''}`, ...h].join(eol) + eol + eol;
      // Most requests carry their text as UTF-8; some as Latin-1 bytes (obs-text).
      return Buffer.from(head + (b ?? ''), utf8 ? 'utf8' : 'latin1');
    });
  const request = weighted([1, wellFormedRequest(profile).map((r) => Buffer.from(r))], [1, chaotic]);
  return fc
    .tuple(
      weighted([5, fc.constant(1)], [1, fc.integer({ min: 2, max: 3 })]).chain((n) =>
        fc.array(request, { minLength: n, maxLength: n }),
      ),
      weighted([3, fc.constant(undefined)], [1, fc.array(mutation, { minLength: 1, maxLength: 4 })]),
    )
    .map(([requests, mutations]) => {
      const joined = Buffer.concat(requests);
      return { kind: 'http' as const, bytes: mutations ? mutate(joined, mutations) : joined };
    });
}
