// `--engine` of the commands that start an embedded gateway: one check, one message.
import { ENGINE_NAMES, isEngineName, type EngineName } from '../../src-shared/engines.js';
import { CliError } from './errors.js';

export const ENGINE_CHOICES = ENGINE_NAMES.join(' | ');

export function parseEngine(value: string): EngineName {
  if (!isEngineName(value)) throw new CliError(`--engine must be one of ${ENGINE_CHOICES}, got "${value}"`);
  return value;
}
