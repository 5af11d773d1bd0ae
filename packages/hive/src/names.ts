/**
 * Registry names compare case-insensitively. Windows upcases one UTF-16 unit at a time,
 * so that is what this does: ASCII folds inline, other units through toUpperCase when
 * that maps one unit to one unit.
 */
export function upcaseUnit(unit: number): number {
  if (unit < 0x80) return unit >= 0x61 && unit <= 0x7a ? unit - 0x20 : unit;
  const upper = String.fromCharCode(unit).toUpperCase();
  return upper.length === 1 ? upper.charCodeAt(0) : unit;
}

/** Compares a stored UTF-16LE name (`units` at `offset`) with `name`, decoding nothing. */
export function namesEqual(bytes: Uint8Array, offset: number, units: number, name: string): boolean {
  if (units !== name.length) return false;
  for (let i = 0, p = offset; i < units; i++, p += 2) {
    const stored = bytes[p]! | (bytes[p + 1]! << 8);
    const wanted = name.charCodeAt(i);
    if (stored !== wanted && upcaseUnit(stored) !== upcaseUnit(wanted)) return false;
  }
  return true;
}
