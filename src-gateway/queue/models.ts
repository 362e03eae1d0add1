// Which models a queue's workers run, for health: one entry per distinct model.
import type { ModelInfo } from '../../src-shared/models/manifest.js';

export function distinctModels(models: readonly (ModelInfo | undefined)[]): ModelInfo[] {
  const seen = new Map<string, ModelInfo>();
  for (const model of models) {
    if (model) seen.set(`${model.name}\n${model.version ?? ''}\n${model.sha256 ?? ''}`, model);
  }
  return [...seen.values()];
}
