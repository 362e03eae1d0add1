// Redaction for everything support receives ("Copy diagnostics", the diagnostics bundle):
// the secrets we know by value, and the places a secret hides whose value we may not know.

export const REDACTED = '<redacted>';

/** Replaces each secret (and its URL-encoded and JSON-escaped forms) and any `token=` query value. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text
    .replace(/([?&]token=)[^&"\s]+/gi, `$1${REDACTED}`)
    .replace(/(Bearer\s+)[^\s"]+/gi, `$1${REDACTED}`);
  for (const secret of secrets) {
    if (!secret) continue;
    for (const form of new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)]))
      out = out.split(form).join(REDACTED);
  }
  return out;
}

/** Values of a URL's secret-looking query parameters (token, key, secret, auth): secrets to redact elsewhere too. */
export function secretsInUrl(raw: string): string[] {
  try {
    const url = new URL(raw);
    const found = [...url.searchParams.entries()]
      .filter(([key, value]) => /token|key|secret|auth/i.test(key) && value !== '')
      .map(([, value]) => value);
    if (url.password) found.push(decodeURIComponent(url.password));
    return found;
  } catch {
    return [];
  }
}
