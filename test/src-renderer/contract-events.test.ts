// One source of truth: every event main may send (the EarshotApi contract) is one the
// renderer listens to. An event nobody subscribes to is a second, unused source of the
// same facts (as main's audio level was next to the microphone's own meter) and goes.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVENT_NAMES } from '../../src-shared/api/contract.js';

const RENDERER = join(import.meta.dirname, '../../src-renderer');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.tsx?$/.test(entry.name) ? [readFileSync(path, 'utf8')] : [];
  });
}

describe('API events', () => {
  it('are each subscribed to by the renderer (api.on)', () => {
    const code = sources(RENDERER).join('\n');
    const unused = EVENT_NAMES.filter(
      (name) => !new RegExp(`\\.on\\(\\s*'${name.replace('.', '\\.')}'`).test(code),
    );
    expect(unused).toEqual([]);
    expect(EVENT_NAMES).not.toContain('dictation.level');
  });
});
