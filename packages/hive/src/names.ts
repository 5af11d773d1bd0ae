import { upcaseUnit } from '@hivetool/registry';

/**
 * Compares a stored UTF-16LE name (`units` at `offset`) with `name` case-insensitively,
 * as the registry does (one unit at a time, see `upcaseUnit`), decoding nothing.
 */
export function namesEqual(bytes: Uint8Array, offset: number, units: number, name: string): boolean {
  if (units !== name.length) return false;
  for (let i = 0, p = offset; i < units; i++, p += 2) {
    const stored = bytes[p]! | (bytes[p + 1]! << 8);
    const wanted = name.charCodeAt(i);
    if (stored !== wanted && upcaseUnit(stored) !== upcaseUnit(wanted)) return false;
  }
  return true;
}
