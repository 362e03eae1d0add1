// Remembers the window's size and position between runs (a small JSON file next to the
// settings). A file that does not parse, or a position off every screen, is ignored.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';

const windowStateSchema = z.object({
  width: z.number().int().min(480).max(10_000),
  height: z.number().int().min(360).max(10_000),
  x: z.number().int().optional(),
  y: z.number().int().optional(),
  maximized: z.boolean().default(false),
});
export type WindowState = z.infer<typeof windowStateSchema>;

export const DEFAULT_WINDOW_STATE: WindowState = { width: 1100, height: 760, maximized: false };

export interface ScreenArea {
  x: number;
  y: number;
  width: number;
  height: number;
}

export function loadWindowState(path: string, screens: ScreenArea[]): WindowState {
  if (!existsSync(path)) return DEFAULT_WINDOW_STATE;
  let parsed;
  try {
    parsed = windowStateSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  } catch {
    return DEFAULT_WINDOW_STATE;
  }
  if (!parsed.success) return DEFAULT_WINDOW_STATE;
  const state = parsed.data;
  if (state.x === undefined || state.y === undefined) return state;
  // A monitor that was unplugged must not leave the window out of reach.
  const visible = screens.some(
    (s) =>
      state.x! + 100 > s.x &&
      state.x! < s.x + s.width - 100 &&
      state.y! >= s.y &&
      state.y! < s.y + s.height - 50,
  );
  return visible ? state : { width: state.width, height: state.height, maximized: state.maximized };
}

export function saveWindowState(path: string, state: WindowState): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, JSON.stringify(state) + '\n', { mode: 0o600 });
}
