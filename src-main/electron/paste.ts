// Paste into the application that had the focus: put the text on the clipboard, send the
// platform's paste keystroke with a system tool, then restore what the clipboard held.
// Electron cannot type into other applications itself, so this depends on the platform;
// where it cannot work the result says why, and the text stays in History to copy.
import { execFile } from 'node:child_process';
import { clipboard } from 'electron';
import type { PasteResult } from '../services/dictation-service.js';
import { findPasteTool, type PasteTool } from './paste-tool.js';

export { findPasteTool };

function run(tool: PasteTool): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(tool.command, tool.args, { timeout: 5000 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`${tool.command} failed: ${String(stderr).trim() || error.message}`));
      else resolve();
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `giveFocusBack` hides or minimises Earshot so the previous application is focused
 * again; the clipboard is restored after the target application had time to read it.
 */
export async function pasteIntoFocusedApp(text: string, giveFocusBack: () => void): Promise<PasteResult> {
  const tool = findPasteTool();
  if ('reason' in tool) {
    clipboard.writeText(text);
    return { pasted: false, reason: tool.reason };
  }
  const previous = { text: clipboard.readText(), html: clipboard.readHTML(), image: clipboard.readImage() };
  clipboard.writeText(text);
  try {
    giveFocusBack();
    await sleep(250);
    await run(tool);
    await sleep(400);
    return { pasted: true };
  } catch (error) {
    return { pasted: false, reason: (error as Error).message };
  } finally {
    if (!previous.image.isEmpty()) clipboard.writeImage(previous.image);
    else if (previous.html) clipboard.write({ text: previous.text, html: previous.html });
    else clipboard.writeText(previous.text);
  }
}
