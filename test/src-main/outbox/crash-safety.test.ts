// Crash safety of `earshot dictate`: the compiled CLI in a child process dictates
// fixtures into a real outbox against a real gateway (synthetic engine, slowed so kills
// land in every phase) and is SIGKILLed at chosen-but-random moments: while files are
// being chunked (paced like a live microphone), while chunks are being uploaded, and
// while results are awaited. Then `dictate` runs again with the same --data-dir and no
// files. Every recording the killed run had accepted must end done, holding exactly the
// chunks of a reference chunking of its file, with one transcript piece per chunk.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinTexts } from '../../../src-shared/protocol/text-join.js';
import type { Chunk } from '../../../src-main/audio/chunker.js';
import { sourceFile } from '../../../src-main/outbox/file-intake.js';
import { OutboxStore } from '../../../src-main/outbox/store.js';
import { REPO_ROOT, ensureBuilt } from '../../helpers/build.js';
import { fixtureChunksAt } from '../../helpers/fixture-chunks.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';

const CLI = join(REPO_ROOT, 'bin', 'earshot.js');
const FIXTURES = join(REPO_ROOT, 'test', 'fixtures');
const PHRASE = 'crash test';
const TRIALS = Number(process.env.EARSHOT_CRASH_TRIALS ?? 24);
const PHASES = ['chunking', 'upload', 'awaiting'] as const;
type Phase = (typeof PHASES)[number] | 'random';

const referenceChunks = (path: string): Chunk[] => fixtureChunksAt(path);

interface JsonEvent {
  event: string;
  message?: { type?: string; status?: string };
  [key: string]: unknown;
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  events: JsonEvent[];
  stderr: string;
  /** Event counts at the moment the kill was sent. */
  atKill?: Counts;
}

interface Counts {
  stored: number;
  sealed: number;
  acks: number;
  results: number;
  finals: number;
}

function counts(events: JsonEvent[]): Counts {
  const c: Counts = { stored: 0, sealed: 0, acks: 0, results: 0, finals: 0 };
  for (const e of events) {
    if (e.event === 'chunk_stored') c.stored++;
    else if (e.event === 'sealed') c.sealed++;
    else if (
      e.event === 'message' &&
      e.message?.type === 'ack' &&
      e.message.status !== 'session_started' &&
      e.message.status !== 'session_resumed'
    )
      c.acks++;
    else if (e.event === 'message' && e.message?.type === 'chunk_result') c.results++;
    else if (e.event === 'done') c.finals++;
  }
  return c;
}

/** Runs the CLI; `killWhen` sees the events so far and returns a delay (ms) to SIGKILL after, or undefined. */
function runCli(
  args: string[],
  killWhen?: (events: JsonEvent[]) => number | undefined,
  timeoutMs = 60_000,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const run: Run = { code: null, signal: null, events: [], stderr: '' };
    let buffered = '';
    let killScheduled = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`earshot ${args.join(' ')} did not finish within ${timeoutMs} ms; stderr: ${run.stderr}`),
      );
    }, timeoutMs);
    const scheduleKill = (delay: number) => {
      killScheduled = true;
      setTimeout(() => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        run.atKill = counts(run.events);
        child.kill('SIGKILL');
      }, delay);
    };
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      buffered += text;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        if (!line.trim()) continue;
        run.events.push(JSON.parse(line) as JsonEvent);
        if (killWhen && !killScheduled) {
          const delay = killWhen(run.events);
          if (delay !== undefined) scheduleKill(delay);
        }
      }
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => (run.stderr += text));
    if (killWhen && !killScheduled) {
      const delay = killWhen(run.events); // a blind, time-based kill
      if (delay !== undefined) scheduleKill(delay);
    }
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      run.code = code;
      run.signal = signal;
      resolve(run);
    });
  });
}

/** Deterministic pseudo-random numbers, so a failing trial can be replayed. */
function rng(seed: number): () => number {
  let x = Math.imul(seed, 2654435761) >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  for (let i = 0; i < 8; i++) next(); // small seeds start with small outputs
  return next;
}

/**
 * Where in its life the killed run was, judged from the events it had printed: still
 * chunking a file; every file chunked but some chunk not yet acknowledged by the
 * gateway; every chunk acknowledged but a transcript missing; or finished.
 */
function phaseAtKill(c: Counts, totalChunks: number, files: number): string {
  if (c.sealed < files) return 'chunking';
  if (c.acks < totalChunks) return 'upload';
  if (c.finals < files) return 'awaiting';
  return 'after';
}

let gateway: TestGateway;
let baseGateway: TestGateway;
const dirs: string[] = [];

beforeAll(async () => {
  await ensureBuilt();
  // 0.1 s of work per second of audio plus 50 ms per chunk: a 20 s file keeps the two
  // workers busy ~1.3 s, so every phase lasts long enough to be hit. Every fifth trial
  // runs against a gateway in strict base-protocol mode (no resume: a restarted session
  // resends every chunk; texts joined without a separator).
  const args = [
    '--engine',
    'synthetic',
    '--workers',
    '2',
    '--synthetic-rtf',
    '0.1',
    '--synthetic-cost-ms',
    '50',
    '--synthetic-phrase',
    PHRASE,
    '--log-level',
    'warn',
  ];
  [gateway, baseGateway] = await Promise.all([
    startGateway(args, { skipBuild: true }),
    startGateway([...args, '--base-protocol'], { skipBuild: true }),
  ]);
});

afterAll(async () => {
  await Promise.all([gateway?.stop(), baseGateway?.stop()]);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('dictate survives SIGKILL at any moment', () => {
  it(
    `${TRIALS} kills spread over chunking, upload and awaiting results; a restart finishes every accepted recording with no chunk lost`,
    { timeout: 300_000 },
    async () => {
      const longs = ['long-01-rms.wav', 'long-02-kal16.wav', 'long-03-awb.wav'];
      const shorts = Array.from({ length: 10 }, (_, i) => readdirName(i));
      const landed: Record<string, number> = {};
      const failures: string[] = [];
      const trace: string[] = [];

      for (let trial = 0; trial < TRIALS; trial++) {
        const random = rng(1000 + trial);
        const target: Phase = trial % 8 === 7 ? 'random' : PHASES[trial % 3];
        const files = [join(FIXTURES, longs[trial % 3]), join(FIXTURES, shorts[trial % 10])];
        const totalChunks = files.reduce((n, f) => n + referenceChunks(f).length, 0);
        const dataDir = mkdtempSync(join(tmpdir(), `earshot-crash-${trial}-`));
        dirs.push(dataDir);
        const baseProtocol = trial % 5 === 4;
        const url = baseProtocol ? baseGateway.url : gateway.url;
        const base = ['dictate', '--url', url, '--data-dir', dataDir, '--json'];

        // Files are fed at 20x real time (a live microphone, sped up) and uploaded one
        // recording at a time, so the second file's chunks wait on disk while the first
        // one's results come back: chunking ~1 s, upload ~1 s, awaiting ~0.5 s.
        // The kill point: inside the target phase at a random offset; 'random' kills blind,
        // 0.3-2.5 s after spawn.
        const storedBeforeKill = 1 + Math.floor(random() * (totalChunks - 1));
        const offset = Math.floor(random() * (target === 'upload' ? 1000 : target === 'awaiting' ? 250 : 50));
        const blind = 300 + Math.floor(random() * 2200);
        const killed = await runCli([...base, '--pace', '40', '--parallel', '1', ...files], (events) => {
          if (target === 'random') return events.length === 0 ? blind : undefined;
          const c = counts(events);
          if (target === 'chunking') return c.stored >= storedBeforeKill ? offset : undefined;
          if (target === 'upload') return c.sealed >= files.length ? offset : undefined;
          return c.acks >= totalChunks ? offset : undefined;
        });
        const phase =
          killed.signal === 'SIGKILL' && killed.atKill
            ? phaseAtKill(killed.atKill, totalChunks, files.length)
            : `not killed (exit ${killed.code})`;
        landed[phase] = (landed[phase] ?? 0) + 1;
        trace.push(
          `trial ${trial}${baseProtocol ? ' (base protocol)' : ''}: target ${target}, landed ${phase} ${JSON.stringify(killed.atKill ?? {})}`,
        );
        const acceptedFiles = killed.events
          .filter((e) => e.event === 'accepted')
          .map((e) => e.file as string);

        // Every fourth trial, the restart is killed too before the final one.
        if (trial % 4 === 1) await runCli(base, () => 200 + Math.floor(random() * 800));
        const restart = await runCli(base);
        if (restart.code !== 0)
          failures.push(`trial ${trial}: restart exited ${restart.code}: ${restart.stderr.trim()}`);

        const store = OutboxStore.open(dataDir);
        try {
          const recordings = store.listRecordings({ limit: 100 });
          const sources = recordings.map((r) => sourceFile(r.source));
          for (const file of acceptedFiles) {
            if (!sources.includes(resolve(file))) {
              failures.push(`trial ${trial}: accepted ${file} is missing from the outbox`);
            }
          }
          for (const r of recordings) {
            const path = sourceFile(r.source)!;
            const expected = referenceChunks(path);
            const where = `trial ${trial} (${target}, landed ${phase}${baseProtocol ? ', base protocol' : ''}), recording ${r.id} ${path}`;
            if (r.state !== 'done') failures.push(`${where}: state ${r.state} ${r.failureReason ?? ''}`);
            const chunks = store.listChunks(r.id);
            const same =
              chunks.length === expected.length &&
              chunks.every(
                (c, i) =>
                  c.startSample === expected[i].startSample &&
                  c.sampleCount === expected[i].pcm.length &&
                  store.chunkPcm(r.id, i).every((v, k) => v === expected[i].pcm[k]),
              );
            if (!same)
              failures.push(
                `${where}: stored chunks differ from the reference chunking (${chunks.length} vs ${expected.length})`,
              );
            // (A base gateway may send a chunk_result after final_result, when the client has
            // moved on: there only the final text is authoritative.)
            if (!baseProtocol && chunks.some((c) => c.text !== PHRASE))
              failures.push(`${where}: a chunk has no result`);
            const text = baseProtocol
              ? PHRASE.repeat(expected.length)
              : joinTexts(expected.map(() => PHRASE));
            if (r.finalText !== text)
              failures.push(`${where}: final text "${r.finalText}" is not ${expected.length} x "${PHRASE}"`);
          }
          if (recordings.length < acceptedFiles.length)
            failures.push(
              `trial ${trial}: ${recordings.length} recordings for ${acceptedFiles.length} accepted files`,
            );
        } finally {
          store.close();
        }
      }

      console.log(`crash-safety kills landed in: ${JSON.stringify(landed)}\n${trace.join('\n')}`);
      expect(failures).toEqual([]);
      const killedInPhase = (p: string) => landed[p] ?? 0;
      expect(
        killedInPhase('chunking') + killedInPhase('upload') + killedInPhase('awaiting'),
      ).toBeGreaterThanOrEqual(20);
      for (const p of PHASES) expect(killedInPhase(p), `no kill landed in ${p}`).toBeGreaterThanOrEqual(3);
    },
  );
});

function readdirName(i: number): string {
  const manifest = JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8')) as { file: string }[];
  const shorts = manifest.map((m) => m.file).filter((f) => f.startsWith('short-'));
  return shorts[i % shorts.length];
}
