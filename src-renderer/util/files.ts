// Saving and copying from the page: downloads go through a Blob URL (no data: URLs, no
// popups), copying through the async clipboard API with a textarea fallback for
// contexts where it is not allowed.
import type { TextFile } from '../../src-shared/api/common.js';

export function downloadTextFile(file: TextFile): void {
  download(new Blob([file.content], { type: file.mimeType || 'text/plain' }), file.filename);
}

/** A binary file from main (the diagnostics bundle). */
export function downloadBytes(file: { filename: string; mimeType: string; bytes: Uint8Array }): void {
  download(
    new Blob([file.bytes as BlobPart], { type: file.mimeType || 'application/octet-stream' }),
    file.filename,
  );
}

function download(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.append(area);
    area.select();
    const ok = document.execCommand('copy');
    area.remove();
    return ok;
  }
}
