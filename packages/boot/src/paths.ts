import { foldName } from '@hivetool/registry';

/**
 * Windows CE device paths (`\Documents and Settings\system.hv`): one tree from `\`,
 * `\` separated, compared case-insensitively as the CE file systems do.
 */

/** The names of a device path, `.` and `..` resolved; `escapes` when `..` climbs above `\`. */
export function splitDevicePath(path: string): { names: string[]; escapes: boolean } {
  const names: string[] = [];
  let escapes = false;
  for (const name of path.split(/[\\/]+/)) {
    if (name === '' || name === '.') continue;
    if (name === '..') {
      if (names.length === 0) escapes = true;
      else names.pop();
      continue;
    }
    names.push(name);
  }
  return { names, escapes };
}

/** `\a\b` from names; `\` for none. */
export function joinDevicePath(names: readonly string[]): string {
  return '\\' + names.join('\\');
}

/** Whether `names` lies inside (or is) `folder`, compared case-insensitively. */
export function isInside(names: readonly string[], folder: readonly string[]): boolean {
  if (names.length < folder.length) return false;
  return folder.every((name, i) => foldName(name) === foldName(names[i]!));
}

/** Whether two names are the same file name on the device. */
export function sameName(a: string, b: string): boolean {
  return foldName(a) === foldName(b);
}
