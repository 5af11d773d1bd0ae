/**
 * Registry names compare case-insensitively. Windows upcases one UTF-16 unit at a time
 * (never `ß` → `SS`), so that is what this does: ASCII folds inline, other units through
 * toUpperCase when that maps one unit to one unit.
 */
export function upcaseUnit(unit: number): number {
  if (unit < 0x80) return unit >= 0x61 && unit <= 0x7a ? unit - 0x20 : unit;
  const upper = String.fromCharCode(unit).toUpperCase();
  return upper.length === 1 ? upper.charCodeAt(0) : unit;
}

/** The form of a name that compares equal for every spelling the registry treats as one. */
export function foldName(name: string): string {
  let ascii = true;
  for (let i = 0; i < name.length; i++) {
    if (name.charCodeAt(i) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return name.toUpperCase();
  let folded = '';
  for (let i = 0; i < name.length; i++) folded += String.fromCharCode(upcaseUnit(name.charCodeAt(i)));
  return folded;
}
