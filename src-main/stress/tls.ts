// TLS for wss:// targets: the certificate authorities to trust (the system's plus a
// --ca-file) and whether to check certificates at all (--insecure turns that off for
// self-signed staging gateways; docs/stress.md "Remote targets"). Read once in main and
// handed to every worker thread, so a bad CA file fails before any traffic.
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import type { StressConfig } from '../../src-shared/stress/config.js';

/** Options for `new WebSocket(url, ...)` (passed on to https.request). */
export interface StressTls {
  ca?: string[];
  rejectUnauthorized: boolean;
}

export function loadStressTls(
  config: Pick<StressConfig, 'url' | 'caFile' | 'insecure'>,
): StressTls | undefined {
  if (!/^wss:/i.test(config.url)) return undefined;
  if (config.caFile === '') return { rejectUnauthorized: !config.insecure };
  let pem: string;
  try {
    pem = readFileSync(config.caFile, 'utf8');
  } catch (error) {
    throw new RangeError(
      `cannot read CA file ${config.caFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----'))
    throw new RangeError(`CA file ${config.caFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  // Node's `ca` replaces the built-in roots: keep them, so a CA file adds trust, never removes it.
  return { ca: [...rootCertificates, pem], rejectUnauthorized: !config.insecure };
}
