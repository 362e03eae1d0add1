// Whether a path can be (or become) a data folder, checked before anything is created:
// a file where the folder should be, or a file in the middle of the path, otherwise
// surfaces as a raw EEXIST or ENOTDIR from mkdir.
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, isAbsolute } from 'node:path';

export interface FolderProblem {
  /** not_a_folder: a file is in the way; not_writable: permissions; relative: not absolute. */
  kind: 'not_a_folder' | 'not_writable' | 'relative';
  /** One clause to follow the path, e.g. "is a file, not a folder". */
  message: string;
}

/** Why `path` cannot be used as a folder we write to, or undefined when it can. */
export function folderPathProblem(path: string): FolderProblem | undefined {
  if (!isAbsolute(path)) return { kind: 'relative', message: 'must be an absolute path' };
  const kind = kindOf(path);
  if (kind === 'folder') {
    try {
      accessSync(path, constants.R_OK | constants.W_OK | constants.X_OK);
      return undefined;
    } catch {
      return { kind: 'not_writable', message: 'is a folder you cannot write to' };
    }
  }
  if (kind === 'other') return { kind: 'not_a_folder', message: 'is a file, not a folder' };
  // Missing: the nearest existing ancestor must be a folder it can be created in.
  let ancestor = dirname(path);
  while (kindOf(ancestor) === 'missing' && dirname(ancestor) !== ancestor) ancestor = dirname(ancestor);
  if (kindOf(ancestor) !== 'folder')
    return { kind: 'not_a_folder', message: `cannot be created: ${ancestor} is a file, not a folder` };
  try {
    accessSync(ancestor, constants.W_OK | constants.X_OK);
  } catch {
    return { kind: 'not_writable', message: `cannot be created: ${ancestor} is not writable` };
  }
  return undefined;
}

function kindOf(path: string): 'folder' | 'other' | 'missing' {
  try {
    return statSync(path).isDirectory() ? 'folder' : 'other';
  } catch (error) {
    // ENOTDIR: a file in the middle of the path; the walk up finds it.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing';
    return 'other';
  }
}
