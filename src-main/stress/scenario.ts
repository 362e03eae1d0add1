// Reads a stress scenario file (docs/stress.md "Scenario files"): JSON, checked by
// src-shared/stress/scenario.ts, every problem named by the file, the field's path in it
// and the rule. Paths in the file (audio, caFile) are relative to the file, so a scenario
// and its audio can live side by side in a repository and run from anywhere.
import { readFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import type { z } from 'zod';
import { scenarioSchema, scenarioToConfig } from '../../src-shared/stress/scenario.js';
import type { StressConfigInput } from '../../src-shared/stress/config.js';
import { describeZodError } from '../../src-shared/zod-error.js';

export interface LoadedScenario {
  file: string;
  description?: string;
  /** Only the fields the file sets. */
  config: Partial<StressConfigInput>;
}

/** "stages[1].duration": a path as it reads in the file. */
export function scenarioPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i ? '.' : ''}${String(part)}`))
    .join('');
}

export function describeScenarioError(file: string, error: z.ZodError): string {
  return describeZodError(error, {
    label: (path) => `${file}: ${scenarioPath(path)}`,
    alwaysLabel: true,
  });
}

export function loadScenario(file: string): LoadedScenario {
  const extension = extname(file).toLowerCase();
  if (extension === '.yaml' || extension === '.yml')
    throw new RangeError(
      `${file}: scenario files are JSON (see docs/stress.md "Scenario files"); YAML is not read yet`,
    );
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new RangeError(
      `cannot read scenario file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new RangeError(`${file}: not valid JSON: ${(error as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new RangeError(`${file}: a scenario is a JSON object like {"concurrency": 50, "duration": "30s"}`);
  // Unknown keys first, with the known ones: a misspelt key would otherwise be a silent default.
  const known = Object.keys(scenarioSchema.shape);
  const unknown = Object.keys(json).filter((key) => !known.includes(key));
  if (unknown.length)
    throw new RangeError(
      `${file}: unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')}; known: ${known.join(', ')}`,
    );
  const parsed = scenarioSchema.safeParse(json);
  if (!parsed.success) throw new RangeError(describeScenarioError(file, parsed.error));
  const config = scenarioToConfig(parsed.data);
  const here = dirname(resolve(file));
  if (config.audioPath) config.audioPath = resolve(here, config.audioPath);
  if (config.caFile) config.caFile = resolve(here, config.caFile);
  return {
    file,
    ...(parsed.data.description !== undefined ? { description: parsed.data.description } : {}),
    config,
  };
}
