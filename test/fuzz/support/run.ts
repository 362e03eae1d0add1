// How a fuzz suite runs: a fixed number of cases, from a seed that is printed first and
// again in the failure, so any run can be replayed exactly:
//   EARSHOT_FUZZ_SEED=<seed> [EARSHOT_FUZZ_PATH=<path>] npx vitest run test/fuzz/...
// EARSHOT_FUZZ_CASES sets how many cases (the CI default is small, see each suite).
// Shrinking is off by default: against a live server each shrink step is another round
// trip, and the seed plus path already replay the failing case. EARSHOT_FUZZ_SHRINK=1
// turns it on.
import fc from 'fast-check';

export interface FuzzSettings {
  seed: number;
  cases: number;
  path: string | undefined;
  shrink: boolean;
}

function intFromEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min)
    throw new Error(`${name} must be an integer >= ${min}, got "${raw}"`);
  return value;
}

export function fuzzSettings(defaultCases: number): FuzzSettings {
  return {
    // fast-check seeds are 32-bit integers.
    seed: intFromEnv('EARSHOT_FUZZ_SEED', (Math.random() * 0x7fffffff) | 0, -0x80000000),
    cases: intFromEnv('EARSHOT_FUZZ_CASES', defaultCases, 1),
    path: process.env.EARSHOT_FUZZ_PATH || undefined,
    shrink: process.env.EARSHOT_FUZZ_SHRINK === '1',
  };
}

export function replayHint(name: string, settings: FuzzSettings, path?: string): string {
  const env = [`EARSHOT_FUZZ_SEED=${settings.seed}`, `EARSHOT_FUZZ_CASES=${settings.cases}`];
  if (path) env.push(`EARSHOT_FUZZ_PATH=${path}`);
  return `${name}: replay with ${env.join(' ')}`;
}

/**
 * Runs `property` for settings.cases cases and throws with the seed, the path of the
 * failing case and fast-check's report when one fails. `describeServer` is appended to
 * the report (e.g. the tail of the server's stderr, which holds a crash's stack).
 */
export async function runFuzz<T>(
  name: string,
  settings: FuzzSettings,
  property: fc.IAsyncProperty<[T]>,
  describeServer: () => string,
): Promise<{ cases: number }> {
  process.stdout.write(`${replayHint(name, settings)}\n`);
  const details = await fc.check(property, {
    seed: settings.seed,
    numRuns: settings.cases,
    path: settings.path,
    endOnFailure: !settings.shrink,
  });
  if (details.failed) {
    const report = fc.defaultReportMessage(details) ?? 'property failed';
    const error = details.errorInstance;
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(
      `${replayHint(name, settings, details.counterexamplePath ?? undefined)}\nfailure: ${why}\n${report}\n--- server ---\n${describeServer()}`,
    );
  }
  return { cases: details.numRuns };
}
