// The diagnostics bundle support asks for: one .tar.gz holding redacted settings, recent
// logs, the connection timeline, health snapshots, an outbox summary, versions and a
// manifest.json describing each file (docs/security.md, "Diagnostics bundle"). The CLI
// (`earshot status --bundle`) and the app (Status view) gather different files and hand
// them here; this module redacts each file, writes the archive with node-tar and refuses
// to return an archive in which a known secret still appears.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { create as createTar } from 'tar';
import { redact } from './redact.js';

export const BUNDLE_FORMAT = 'earshot-diagnostics';
export const BUNDLE_FORMAT_VERSION = 1;
export const BUNDLE_MIME_TYPE = 'application/gzip';

/** What the manifest says about privacy; docs/gateway.md explains each choice. */
export const BUNDLE_PRIVACY = [
  'Secrets are replaced with <redacted>: the gateway token wherever it appears, token=/key=/secret=/auth= URL parameters, passwords in URLs and authorization header values.',
  'No audio and no transcript text: the outbox appears as counts, states, sizes and error messages only.',
];

/**
 * Secrets shorter than this are still redacted, but not searched for in the finished
 * archive: a few characters occur by chance in tar headers and compressed bytes.
 */
const MIN_CHECKED_SECRET_LENGTH = 8;

export interface BundleFile {
  /** Path inside the bundle folder, e.g. `logs/app.log`. */
  name: string;
  /** One line for manifest.json: what the file holds and where it comes from. */
  description: string;
  /** Text as is; anything else is written as indented JSON. */
  content: unknown;
}

export interface BundleOptions {
  /** Who made it: `earshot status` or the app (web or electron). */
  source: 'cli' | 'web' | 'electron';
  files: BundleFile[];
  /** Every secret value known to the caller (tokens); each is redacted from every file. */
  secrets: string[];
  createdAt?: number;
}

export interface ManifestEntry {
  name: string;
  description: string;
  bytes: number;
  sha256: string;
}

export interface Manifest {
  format: typeof BUNDLE_FORMAT;
  formatVersion: number;
  createdAt: string;
  source: BundleOptions['source'];
  privacy: string[];
  files: ManifestEntry[];
}

export interface Bundle {
  /** e.g. earshot-diagnostics-20261203-091500.tar.gz; the archive's folder has the same name without .tar.gz. */
  filename: string;
  mimeType: string;
  bytes: Buffer;
  manifest: Manifest;
}

export class BundleSecretError extends Error {
  override readonly name = 'BundleSecretError';
}

/** UTC, sortable, safe in every file system: 20261203-091500. */
function stamp(at: number): string {
  return new Date(at)
    .toISOString()
    .replace(/\.\d+Z$/, '')
    .replace(/[-:]/g, '')
    .replace('T', '-');
}

function fileText(content: unknown): string {
  return typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`;
}

const FILE_NAME = /^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)?$/;

export function buildBundle(options: BundleOptions): Bundle {
  const createdAt = options.createdAt ?? Date.now();
  const folder = `${BUNDLE_FORMAT}-${stamp(createdAt)}`;
  const secrets = [...new Set(options.secrets.filter((s) => s !== ''))];
  const names = new Set<string>();
  const files = options.files.map((file) => {
    // Names are ours, never the user's; a bad one is a programming error.
    if (!FILE_NAME.test(file.name) || file.name === 'manifest.json' || names.has(file.name))
      throw new Error(`diagnostics bundle: bad or repeated file name ${JSON.stringify(file.name)}`);
    names.add(file.name);
    const text = redact(fileText(file.content), secrets);
    return { name: file.name, description: file.description, text };
  });
  const manifest: Manifest = {
    format: BUNDLE_FORMAT,
    formatVersion: BUNDLE_FORMAT_VERSION,
    createdAt: new Date(createdAt).toISOString(),
    source: options.source,
    privacy: BUNDLE_PRIVACY,
    files: files.map(({ name, description, text }) => ({
      name,
      description,
      bytes: Buffer.byteLength(text),
      sha256: createHash('sha256').update(text).digest('hex'),
    })),
  };
  const all = [
    { name: 'manifest.json', text: redact(fileText(manifest), secrets) },
    ...files.map(({ name, text }) => ({ name, text })),
  ];
  const bytes = writeArchive(folder, all);
  assertNoSecret(bytes, secrets);
  return { filename: `${folder}.tar.gz`, mimeType: BUNDLE_MIME_TYPE, bytes, manifest };
}

/**
 * node-tar archives files from disk: the (already redacted) files go to a private temp
 * folder for the moment it takes, and the folder is removed whatever happens.
 */
function writeArchive(folder: string, files: { name: string; text: string }[]): Buffer {
  const work = mkdtempSync(join(tmpdir(), 'earshot-bundle-'));
  try {
    for (const file of files) {
      const path = join(work, folder, file.name);
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      writeFileSync(path, file.text, { mode: 0o600 });
    }
    // portable: no user or group names of this machine in the headers.
    const stream = createTar({ gzip: true, cwd: work, sync: true, portable: true }, [folder]);
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    return Buffer.concat(chunks);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The last line of defence: a bundle in which a known secret survived is never handed out. */
function assertNoSecret(gzipped: Buffer, secrets: string[]): void {
  const tar = gunzipSync(gzipped);
  for (const secret of secrets) {
    if (secret.length < MIN_CHECKED_SECRET_LENGTH) continue;
    if (tar.includes(secret) || gzipped.includes(secret))
      throw new BundleSecretError('the diagnostics bundle still contained a secret; nothing was written');
  }
}
