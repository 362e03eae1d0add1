// The global dictation shortcut. Toggle: each press starts or stops. Push-to-talk:
// Electron's globalShortcut reports key presses but no releases, so "held" is inferred
// from the keyboard's auto-repeat: the first press starts, and when the repeats stop
// for RELEASE_GAP_MS the key counts as released and dictation stops. (With auto-repeat
// turned off in the OS, push-to-talk behaves like a short tap; toggle mode is reliable.)
import type { ShortcutMode } from '../../src-shared/api/settings.js';

const RELEASE_GAP_MS = 600;

export type ShortcutAction =
  | { command: 'dictation.toggle' }
  | { command: 'dictation.start'; phase: 'down' }
  | { command: 'dictation.stop'; phase: 'up' };

/** Electron's globalShortcut, passed in so this logic runs (and is tested) without Electron. */
export interface ShortcutRegistry {
  register(accelerator: string, callback: () => void): boolean;
  unregister(accelerator: string): void;
}

export class DictationShortcut {
  private registered: string | undefined;
  private releaseTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly registry: ShortcutRegistry,
    private readonly act: (action: ShortcutAction) => void,
  ) {}

  /** Registers `accelerator` (empty = none). Returns a reason when the OS refuses it. */
  apply(accelerator: string, mode: ShortcutMode): string | undefined {
    this.clear();
    if (!accelerator) return undefined;
    let ok = false;
    try {
      ok = this.registry.register(accelerator, () => this.pressed(mode));
    } catch (error) {
      return `shortcut "${accelerator}" is not valid: ${(error as Error).message}`;
    }
    if (!ok) return `shortcut "${accelerator}" is taken by another application or not allowed here`;
    this.registered = accelerator;
    return undefined;
  }

  private pressed(mode: ShortcutMode): void {
    if (mode === 'toggle') {
      this.act({ command: 'dictation.toggle' });
      return;
    }
    if (!this.releaseTimer) this.act({ command: 'dictation.start', phase: 'down' });
    else clearTimeout(this.releaseTimer);
    this.releaseTimer = setTimeout(() => {
      this.releaseTimer = undefined;
      this.act({ command: 'dictation.stop', phase: 'up' });
    }, RELEASE_GAP_MS);
  }

  clear(): void {
    if (this.releaseTimer) clearTimeout(this.releaseTimer);
    this.releaseTimer = undefined;
    if (this.registered) this.registry.unregister(this.registered);
    this.registered = undefined;
  }
}
