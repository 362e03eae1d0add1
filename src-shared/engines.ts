// The recognizer engines a gateway can run, known to the gateway and to the clients that
// start one (the embedded gateway, the stress tool). The first is the default.
export const ENGINE_NAMES = ['moonshine', 'pocketsphinx', 'synthetic'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];
/** Real, accurate, offline recognition (docs/models.md). */
export const DEFAULT_ENGINE: EngineName = 'moonshine';

export function isEngineName(value: unknown): value is EngineName {
  return typeof value === 'string' && (ENGINE_NAMES as readonly string[]).includes(value);
}
