import { decodeValue, isRegQuotable } from './decode.js';
import { hexByte } from './hex.js';
import { rootName } from './roots.js';
import { KeyFlags, type HiveTree, type TreeKey } from './tree.js';
import { ValueType } from './valueTypes.js';

/** First line of the .reg text hivetool writes (UTF-8, regedit 4 syntax plus CE forms). */
export const REG_HEADER = 'REGEDIT4';

/**
 * `ce` (default): MULTI_SZ and MUI_SZ as CE platform.reg's `multi_sz:"a","b"` and
 * `mui_sz:"…"`; `regedit`: only forms desktop regedit reads, so `hex(7):` and `hex(15):`.
 */
export type RegStyle = 'ce' | 'regedit';

// regedit wraps hex data so that no line passes 80 columns, ending each with `\`.
const HEX_LINE_LIMIT = 76;

/** `"a\"b"`: a .reg double-quoted string (backslash and quote escaped). */
export function regQuote(text: string): string {
  // Most names and strings need no escape: skip the regular expression for them.
  if (text.indexOf('\\') < 0 && text.indexOf('"') < 0) return '"' + text + '"';
  return '"' + text.replace(/[\\"]/g, (c) => '\\' + c) + '"';
}

/**
 * A name in double quotes with `\\` and `\"` escaped, or undefined when .reg text cannot
 * hold it (a line break, a NUL, an unpaired surrogate). One pass over the name.
 */
export function quoteRegName(name: string): string | undefined {
  let escapes = false;
  for (let i = 0; i < name.length; i++) {
    const unit = name.charCodeAt(i);
    if (unit === 0x5c || unit === 0x22) escapes = true;
    else if (unit === 0x0a || unit === 0x0d || unit === 0) return undefined;
    else if (unit >= 0xd800 && unit <= 0xdfff) {
      const next = name.charCodeAt(i + 1);
      if (unit > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return undefined;
      i++;
    }
  }
  return escapes ? regQuote(name) : '"' + name + '"';
}

/** `[HKEY_LOCAL_MACHINE\nls]` */
export function renderRegKeyLine(path: string): string {
  return '[' + path + ']';
}

function renderHex(prefix: string, data: Uint8Array, startColumn: number): string {
  let out = prefix;
  let lineLength = startColumn + prefix.length;
  for (let i = 0; i < data.length; i++) {
    const last = i === data.length - 1;
    const piece = last ? hexByte(data[i]!) : hexByte(data[i]!) + ',';
    if (lineLength + piece.length > HEX_LINE_LIMIT) {
      out += '\\\n  ';
      lineLength = 2;
    }
    out += piece;
    lineLength += piece.length;
  }
  return out;
}

/**
 * Renders the right-hand side of a value line, choosing a form that reads back as the
 * same type and bytes:
 * - well-formed REG_SZ → `"text"`, REG_DWORD → `dword:0000abcd`;
 * - well-formed REG_MULTI_SZ → `multi_sz:"a","b"` and REG_MUI_SZ → `mui_sz:"dll,#1"`
 *   (the CE platform.reg forms);
 *   (with style `regedit`, these two stay in hex);
 * - everything else → `hex:` for REG_BINARY and `hex(N):` (N in hex) for other types,
 *   so EXPAND_SZ is `hex(2):`, MULTI_SZ that is not well formed `hex(7):`, MUI_SZ `hex(15):`.
 */
/**
 * A well-formed REG_SZ's data (terminated, no embedded NUL, no line break, no unpaired
 * surrogate) as a quoted .reg string, or undefined. One pass over the bytes, decoding,
 * checking and escaping at once: this is the most common value of a dump.
 */
export function quoteRegString(data: Uint8Array): string | undefined {
  const length = data.length;
  if (length < 2 || (length & 1) !== 0 || data[length - 1] !== 0 || data[length - 2] !== 0) return undefined;
  let text = '"';
  for (let p = 0, end = length - 2; p < end; p += 2) {
    const unit = data[p]! | (data[p + 1]! << 8);
    if (unit < 0x20) {
      if (unit === 0 || unit === 0x0a || unit === 0x0d) return undefined;
    } else if (unit === 0x5c || unit === 0x22) {
      text += '\\';
    } else if (unit >= 0xd800 && unit <= 0xdfff) {
      // A high surrogate must be followed by a low one, which is taken with it.
      const next = p + 2 < end ? data[p + 2]! | (data[p + 3]! << 8) : 0;
      if (unit > 0xdbff || next < 0xdc00 || next > 0xdfff) return undefined;
      text += String.fromCharCode(unit, next);
      p += 2;
      continue;
    }
    text += String.fromCharCode(unit);
  }
  return text + '"';
}

export function renderRegData(type: number, data: Uint8Array, prefixLength = 0, style: RegStyle = 'ce'): string {
  // prefixLength: columns already used on the line (the `"name"=` part), for wrapping.
  // The two commonest types first, without building a decoded value.
  if (type === ValueType.SZ) {
    const quoted = quoteRegString(data);
    if (quoted !== undefined) return quoted;
  } else if (type === ValueType.DWORD && data.length === 4) {
    const value = (data[0]! | (data[1]! << 8) | (data[2]! << 16) | (data[3]! << 24)) >>> 0;
    return 'dword:' + value.toString(16).padStart(8, '0');
  }
  const decoded = decodeValue(type, data);
  const ce = style === 'ce';
  if (ce && type === ValueType.MUI_SZ && decoded.kind === 'string' && isRegQuotable(decoded.value)) {
    return 'mui_sz:' + regQuote(decoded.value);
  }
  if (ce && type === ValueType.MULTI_SZ && decoded.kind === 'strings' && decoded.value.every(isRegQuotable)) {
    return 'multi_sz:' + decoded.value.map(regQuote).join(',');
  }
  const prefix = type === ValueType.BINARY ? 'hex:' : `hex(${type.toString(16)}):`;
  return renderHex(prefix, data, prefixLength);
}

/** One value line: `"name"=data` (the name as stored: no `@` for `Default`). */
export function renderRegValue(name: string, type: number, data: Uint8Array): string {
  const left = regQuote(name) + '=';
  return left + renderRegData(type, data, left.length);
}

/** The stored name of the unnamed value (format guide §8), written `@`. */
const DEFAULT_VALUE = 'Default';

function keyFlagsNote(flags: number): string {
  const names: string[] = flags === 0 ? ['none'] : [];
  if ((flags & KeyFlags.VOLATILE) !== 0) names.push('volatile: subkeys not stored');
  if ((flags & KeyFlags.ROM_COPY) !== 0) names.push('copy of a ROM key');
  const other = flags & ~(KeyFlags.VOLATILE | KeyFlags.ROM_COPY);
  if (other !== 0) names.push(`unknown bits 0x${other.toString(16).padStart(4, '0')}`);
  return `; key flags 0x${flags.toString(16).padStart(4, '0')} (${names.join(', ')})\n`;
}

/** A key name .reg text can carry: no separator, line break or NUL, no lone surrogate. */
export function isRegKeyName(name: string): boolean {
  return name.length > 0 && !name.includes('\\') && isRegQuotable(name);
}

/**
 * Writes .reg text through `out`: the header, then per key a `[path]` line and its value
 * lines. What .reg cannot express (key and value flags) becomes `; key flags 0x…` and
 * `; value flags 0x…` notes, which `RegTreeBuilder` reads back. A key or value whose name
 * .reg cannot hold is written as a comment, with its whole subtree, and counted in
 * `skippedKeys` / `skippedValues`: never written so that it would read back as another key.
 */
export class RegTextWriter {
  skippedKeys = 0;
  skippedValues = 0;
  /** Path of the unwritable key whose subtree is being passed over. */
  private skipping: string | undefined;

  constructor(
    private readonly out: (text: string) => void,
    private readonly style: RegStyle = 'ce',
  ) {}

  header(): void {
    this.out(REG_HEADER + '\n');
  }

  comment(text: string): void {
    this.out('; ' + text + '\n');
  }

  /**
   * A key line for `name` under `parentPath` (a root name for top-level keys). Returns the
   * key's path. Flags are noted when not 0, or always with `noteFlags` (a patch that
   * clears them must say so).
   */
  key(parentPath: string, name: string, flags = 0, noteFlags = false): string {
    const path = parentPath + '\\' + name;
    this.keyAt(path, name, flags, noteFlags);
    return path;
  }

  /**
   * A key line for the key at `path` whose own name is `name` (the last component), for
   * callers that have the path already: no path is taken apart or built again.
   */
  keyAt(path: string, name: string, flags = 0, noteFlags = false): void {
    if (this.skipping !== undefined && path.length > this.skipping.length && path[this.skipping.length] === '\\' && path.startsWith(this.skipping)) {
      this.skippedKeys++;
      return;
    }
    this.skipping = undefined;
    if (!isRegKeyName(name)) {
      this.skipping = path;
      this.skippedKeys++;
      this.out(`\n; key name not representable in .reg, key and subtree left out (use --format json): ${JSON.stringify(path)}\n`);
      return;
    }
    this.out('\n' + renderRegKeyLine(path) + '\n');
    if (flags !== 0 || noteFlags) this.out(keyFlagsNote(flags));
  }

  /** A `[-path]` line deleting a key and its subtree; false (and a comment) if .reg cannot name it. */
  removeKey(parentPath: string, name: string): boolean {
    this.skipping = undefined;
    const path = parentPath + '\\' + name;
    if (!isRegKeyName(name) || !parentPath.split('\\').slice(1).every(isRegKeyName)) {
      this.skippedKeys++;
      this.out(`\n; key name not representable in .reg, its removal left out: ${JSON.stringify(path)}\n`);
      return false;
    }
    this.out('\n[-' + path + ']\n');
    return true;
  }

  /** A `"name"=-` line deleting a value of the current key. */
  removeValue(name: string): boolean {
    if (this.skipping !== undefined || !isRegQuotable(name)) {
      this.skippedValues++;
      if (this.skipping === undefined) this.out(`; value name not representable in .reg, its removal left out: ${JSON.stringify(name)}\n`);
      return false;
    }
    this.out((name === DEFAULT_VALUE ? '@' : regQuote(name)) + '=-\n');
    return true;
  }

  value(name: string, type: number, data: Uint8Array, flags = 0): void {
    if (this.skipping !== undefined) {
      this.skippedValues++;
      return;
    }
    const quoted = name === DEFAULT_VALUE ? '@' : quoteRegName(name);
    if (quoted === undefined) {
      this.skippedValues++;
      this.out(`; value name not representable in .reg, value left out (use --format json): ${JSON.stringify(name)}\n`);
      return;
    }
    if (flags !== 0) this.out(`; value flags 0x${flags.toString(16).padStart(2, '0')} (meaning not known)\n`);
    const left = quoted + '=';
    this.out(left + renderRegData(type, data, left.length, this.style) + '\n');
  }
}

/** A whole tree as .reg text, keys in pre-order (iteratively: any depth). */
export function renderTreeAsReg(tree: HiveTree, style: RegStyle = 'ce'): string {
  const pieces: string[] = [];
  const writer = new RegTextWriter((text) => pieces.push(text), style);
  writer.header();
  for (let root = 0; root < 8; root++) {
    const stack: Array<{ key: TreeKey; parent: string }> = (tree.roots[root] ?? []).map((key) => ({ key, parent: rootName(root) })).reverse();
    while (stack.length > 0) {
      const { key, parent } = stack.pop()!;
      const path = writer.key(parent, key.name, key.flags ?? 0);
      for (const value of key.values ?? []) writer.value(value.name, value.type, value.data, value.flags ?? 0);
      for (const child of [...(key.subkeys ?? [])].reverse()) stack.push({ key: child, parent: path });
    }
  }
  return pieces.join('');
}
