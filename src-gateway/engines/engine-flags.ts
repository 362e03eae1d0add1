// The engine flags `earshot gateway` and `earshot worker` share: their schema fields,
// their help lines, and the EngineOptions they turn into.
import type { Command } from 'commander';
import { z } from 'zod';
import type { EngineOptions } from './engine.js';

const number = () => z.coerce.number({ error: 'must be a number' }).finite('must be a number');
const nonNegativeNumber = number().min(0, 'must be >= 0');

export const engineFlagsShape = {
  /** ONNX Runtime threads inside one decode (moonshine). */
  engineThreads: number()
    .int('must be a whole number')
    .min(1, 'must be >= 1')
    .max(64, 'must be <= 64')
    .default(1),
  /** Folder with the installed models (default: the models/ folder of this installation). */
  modelsDir: z.string().min(1, 'must not be empty').optional(),
  syntheticRtf: nonNegativeNumber.optional(),
  syntheticCostMs: nonNegativeNumber.optional(),
  syntheticPhrase: z.string().optional(),
};

export type EngineFlags = z.output<z.ZodObject<typeof engineFlagsShape>>;

export function addEngineFlags(program: Command): Command {
  return program
    .option(
      '--engine-threads <n>',
      'moonshine: ONNX Runtime threads per decode (1 is fastest with one worker per core)',
      '1',
    )
    .option('--models-dir <dir>', 'moonshine: folder of the installed models (default: models/ here)')
    .option('--synthetic-rtf <x>', 'synthetic engine: seconds of work per second of audio')
    .option('--synthetic-cost-ms <ms>', 'synthetic engine: fixed cost per chunk')
    .option('--synthetic-phrase <text>', 'synthetic engine: the text it returns');
}

export function engineOptionsFrom(flags: EngineFlags): EngineOptions {
  return {
    synthetic: {
      realTimeFactor: flags.syntheticRtf,
      fixedCostMs: flags.syntheticCostMs,
      phrase: flags.syntheticPhrase,
    },
    moonshine: { threads: flags.engineThreads, modelsDir: flags.modelsDir },
  };
}
