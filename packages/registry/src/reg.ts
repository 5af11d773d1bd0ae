/**
 * `.reg` text rendering: the text form of every value type (ce and regedit styles), key
 * lines, quoting, and `RegTextWriter`, which renders a tree. Over 400 lines because each
 * value type's form and its writer belong together; parsing is in regParser.ts.
 */
import { ROOT_COUNT } from './limits.js';
import { decodeValue, isRegQuotable } from './decode.js';
import { rootName } from './roots.js';
import { KeyFlags, type HiveTree, type TreeKey } from './tree.js';
import { encodeUtf16, decodeUtf16 } from './utf16.js';
import { Utf8Writer, putCodePoint, renderToString } from './utf8Writer.js';
import { ValueType } from './valueTypes.js';

/** First line of the .reg text hivetool writes (UTF-8, regedit 4 syntax plus CE forms). */
export const REG_HEADER = 'REGEDIT4';
/** First line of desktop regedit's own exports (UTF-16LE text), written with style `regedit`. */
export const REG5_HEADER = 'Windows Registry Editor Version 5.00';

/**
 * The header line for `style`: `REGEDIT4` for CE-style text (UTF-8), regedit 5's header for
 * `regedit`, whose text is written as UTF-16LE as regedit writes it (hex(2)/hex(7) data is
 * UTF-16LE in that format, which is how a hive stores it).
 */
export function regHeader(style: RegStyle): string {
  return style === 'regedit' ? REG5_HEADER : REG_HEADER;
}

/**
 * `ce` (default): MULTI_SZ and MUI_SZ as CE platform.reg's `multi_sz:"a","b"` and
 * `mui_sz:"…"`; `regedit`: only forms desktop regedit reads, so `hex(7):` and `hex(15):`,
 * under regedit 5's header (the CLI writes that text as UTF-16LE, as regedit does).
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

const pathEncoder = new TextEncoder();
const pathDecoder = new TextDecoder();

/**
 * Transcodes `units` UTF-16LE code units at `offset` of `bytes` to UTF-8 at `p` of
 * `target` (which has room for 3 bytes per unit), for .reg text: `quoted` escapes `\`
 * and `"` (a quoted string); otherwise a backslash is refused (a key name). Returns the
 * position after the text, or -1 when .reg text cannot hold the units (a line break, a
 * NUL, an unpaired surrogate, or a key name's backslash).
 */
function transcodeUtf16(target: Uint8Array, p: number, bytes: Uint8Array, offset: number, units: number, quoted: boolean): number {
  for (let q = offset, end = offset + 2 * units; q < end; q += 2) {
    const unit = bytes[q]! | (bytes[q + 1]! << 8);
    if (unit < 0x80) {
      if (unit < 0x20) {
        if (unit === 0 || unit === 0x0a || unit === 0x0d) return -1;
      } else if (unit === 0x5c || (unit === 0x22 && quoted)) {
        if (!quoted) return -1;
        target[p++] = 0x5c;
      }
      target[p++] = unit;
    } else if (unit < 0x800) {
      target[p++] = 0xc0 | (unit >> 6);
      target[p++] = 0x80 | (unit & 0x3f);
    } else if (unit >= 0xd800 && unit <= 0xdfff) {
      // A high surrogate must be followed by a low one, which is taken with it.
      const next = q + 2 < end ? bytes[q + 2]! | (bytes[q + 3]! << 8) : 0;
      if (unit > 0xdbff || next < 0xdc00 || next > 0xdfff) return -1;
      p = putCodePoint(target, p, 0x10000 + ((unit - 0xd800) << 10) + (next - 0xdc00));
      q += 2;
    } else {
      p = putCodePoint(target, p, unit);
    }
  }
  return p;
}

/** How many of `units` UTF-16LE units at `offset` are `\` or `"` (escaped in a quoted string). */
function countEscapes(bytes: Uint8Array, offset: number, units: number): number {
  let escapes = 0;
  for (let q = offset, end = offset + 2 * units; q < end; q += 2) {
    if (bytes[q + 1] === 0 && (bytes[q] === 0x5c || bytes[q] === 0x22)) escapes++;
  }
  return escapes;
}

/**
 * Writes `units` UTF-16LE code units at `offset` of `bytes` as a .reg double-quoted
 * string, `\\` and `\"` escaped, transcoding straight to UTF-8. Returns the columns the
 * quoted string takes (UTF-16 units, for hex wrapping), or -1, having written nothing,
 * when .reg text cannot hold the units (a line break, a NUL, an unpaired surrogate).
 */
function writeQuotedUtf16(out: Utf8Writer, bytes: Uint8Array, offset: number, units: number): number {
  // At most 3 UTF-8 bytes per unit (an escaped character takes 2), plus the quotes.
  out.room(3 * units + 2);
  const target = out.bytes;
  const start = out.length + 1;
  target[out.length] = 0x22;
  const p = transcodeUtf16(target, start, bytes, offset, units, true);
  if (p < 0) return -1;
  target[p] = 0x22;
  out.length = p + 1;
  // One byte per unit written: plain ASCII, nothing escaped (the common case, no second look).
  return units + (p - start === units ? 0 : countEscapes(bytes, offset, units)) + 2;
}

const HEX_DIGITS = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

/** `prefix` then the bytes as `xx,xx,…`, wrapped with `\` so no line passes HEX_LINE_LIMIT. */
function writeHex(out: Utf8Writer, prefix: string, data: Uint8Array, offset: number, length: number, startColumn: number): void {
  // The prefix is ASCII; each byte takes at most 3 characters plus, at a wrap, 4 more
  // (`\`, newline, 2 spaces).
  out.room(prefix.length + 7 * length);
  const target = out.bytes;
  let p = out.length;
  for (let k = 0; k < prefix.length; k++) target[p++] = prefix.charCodeAt(k);
  let column = startColumn + prefix.length;
  // A line at a time: the bytes before the last that fit with their comma (3 columns
  // each), then the last byte (2 columns, wrapped first if it does not fit) or a wrap.
  let i = offset;
  const last = offset + length - 1;
  while (i <= last) {
    const fit = column + 3 <= HEX_LINE_LIMIT ? Math.floor((HEX_LINE_LIMIT - column) / 3) : 0;
    const stop = Math.min(last, i + fit);
    column += 3 * (stop - i);
    for (; i < stop; i++) {
      const byte = data[i]!;
      target[p] = HEX_DIGITS[byte >> 4]!;
      target[p + 1] = HEX_DIGITS[byte & 15]!;
      target[p + 2] = 0x2c;
      p += 3;
    }
    if (i === last && column + 2 <= HEX_LINE_LIMIT) {
      const byte = data[i]!;
      target[p] = HEX_DIGITS[byte >> 4]!;
      target[p + 1] = HEX_DIGITS[byte & 15]!;
      p += 2;
      break;
    }
    target[p] = 0x5c;
    target[p + 1] = 0x0a;
    target[p + 2] = 0x20;
    target[p + 3] = 0x20;
    p += 4;
    column = 2;
  }
  out.length = p;
}

/** A u32 as 8 lowercase hex digits. */
function writeHex32(out: Utf8Writer, value: number): void {
  out.room(8);
  const target = out.bytes;
  for (let shift = 28, p = out.length; shift >= 0; shift -= 4) target[p++] = HEX_DIGITS[(value >>> shift) & 15]!;
  out.length += 8;
}

/**
 * A well-formed REG_SZ's data (terminated, no embedded NUL, no line break, no unpaired
 * surrogate) as a quoted .reg string, or undefined.
 */
export function quoteRegString(data: Uint8Array): string | undefined {
  let columns = -1;
  const text = renderToString((out) => {
    columns = writeQuotedString(out, data);
  });
  return columns < 0 ? undefined : text;
}

/** REG_SZ data as a quoted string if well formed (see quoteRegString); -1 if not, having written nothing. */
function writeQuotedString(out: Utf8Writer, data: Uint8Array, offset = 0, length = data.length): number {
  if (length < 2 || (length & 1) !== 0 || data[offset + length - 1] !== 0 || data[offset + length - 2] !== 0) return -1;
  return writeQuotedUtf16(out, data, offset, (length >> 1) - 1);
}

const MULTI_SZ_PREFIX = Uint8Array.from('multi_sz:', (c) => c.charCodeAt(0));

/**
 * REG_MULTI_SZ data as `multi_sz:"a","b"`, transcoded straight from the bytes, when it is
 * well formed as `readMultiString` reads it (non-empty strings, each terminated, then one
 * more NUL) and every string is one .reg text can quote; false, having written nothing,
 * otherwise.
 */
function writeMultiSz(out: Utf8Writer, bytes: Uint8Array, offset: number, length: number): boolean {
  if (length < 4 || (length & 1) !== 0) return false;
  const end = offset + length;
  if ((bytes[end - 1]! | bytes[end - 2]! | bytes[end - 3]! | bytes[end - 4]!) !== 0) return false;
  // `multi_sz:`, then per string at most 3 bytes per unit, 2 quotes and a comma (a NUL unit each).
  const units = length >> 1;
  out.room(MULTI_SZ_PREFIX.length + 3 * units + 3 * units);
  const target = out.bytes;
  target.set(MULTI_SZ_PREFIX, out.length);
  let p = out.length + MULTI_SZ_PREFIX.length;
  // Strings up to the list's final NUL (the last unit).
  const last = end - 2;
  for (let start = offset; start < last; ) {
    let stop = start;
    while (stop < last && (bytes[stop]! | bytes[stop + 1]!) !== 0) stop += 2;
    // An empty string inside the list is ambiguous: shown as bytes.
    if (stop === start) return false;
    if (start !== offset) target[p++] = 0x2c;
    target[p++] = 0x22;
    p = transcodeUtf16(target, p, bytes, start, (stop - start) >> 1, true);
    if (p < 0) return false;
    target[p++] = 0x22;
    start = stop + 2;
  }
  out.length = p;
  return true;
}

/**
 * Writes the right-hand side of a value line for the `length` bytes at `offset` of `bytes`
 * (no view made for them), choosing a form that reads back as the same type and bytes:
 * - well-formed REG_SZ → `"text"`, REG_DWORD → `dword:0000abcd`;
 * - well-formed REG_MULTI_SZ → `multi_sz:"a","b"` and REG_MUI_SZ → `mui_sz:"dll,#1"`
 *   (the CE platform.reg forms); with style `regedit`, these two stay in hex;
 * - everything else → `hex:` for REG_BINARY and `hex(N):` (N in hex) for other types,
 *   so EXPAND_SZ is `hex(2):`, MULTI_SZ that is not well formed `hex(7):`, MUI_SZ `hex(15):`.
 * `column`: columns already used on the line (the `"name"=` part), for wrapping.
 */
function writeRegDataAt(out: Utf8Writer, type: number, bytes: Uint8Array, offset: number, length: number, column: number, style: RegStyle): void {
  // The two commonest types first, without building a decoded value.
  if (type === ValueType.SZ) {
    if (writeQuotedString(out, bytes, offset, length) >= 0) return;
  } else if (type === ValueType.DWORD && length === 4) {
    out.text('dword:');
    writeHex32(out, (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>> 0);
    return;
  }
  if (style === 'ce' && type === ValueType.MULTI_SZ) {
    if (writeMultiSz(out, bytes, offset, length)) return;
  } else if (style === 'ce' && type === ValueType.MUI_SZ) {
    const decoded = decodeValue(type, bytes.subarray(offset, offset + length));
    if (decoded.kind === 'string' && isRegQuotable(decoded.value)) {
      out.text('mui_sz:' + regQuote(decoded.value));
      return;
    }
  }
  writeHex(out, type === ValueType.BINARY ? 'hex:' : `hex(${type.toString(16)}):`, bytes, offset, length, column);
}

/** The right-hand side of a value line as a string (see writeRegDataAt). */
export function renderRegData(type: number, data: Uint8Array, prefixLength = 0, style: RegStyle = 'ce'): string {
  return renderToString((out) => writeRegDataAt(out, type, data, 0, data.length, prefixLength, style));
}

/** One value line: `"name"=data` (the name as stored: no `@` for `Default`). */
export function renderRegValue(name: string, type: number, data: Uint8Array): string {
  const left = regQuote(name) + '=';
  return left + renderRegData(type, data, left.length);
}

/** The stored name of the unnamed value (format guide §8), written `@`. */
const DEFAULT_VALUE = 'Default';

/**
 * A key's flags (format guide §8) as the dumps' notes explain them, e.g. `0x0002 (copy of a
 * ROM key)`: the one wording of the `.reg` notes and the viewer.
 */
export function describeKeyFlags(flags: number): string {
  const names: string[] = flags === 0 ? ['none'] : [];
  if ((flags & KeyFlags.VOLATILE) !== 0) names.push('volatile: subkeys not stored');
  if ((flags & KeyFlags.ROM_COPY) !== 0) names.push('copy of a ROM key');
  const other = flags & ~(KeyFlags.VOLATILE | KeyFlags.ROM_COPY);
  if (other !== 0) names.push(`unknown bits 0x${other.toString(16).padStart(4, '0')}`);
  return `0x${flags.toString(16).padStart(4, '0')} (${names.join(', ')})`;
}

/** A value's flags (the name word's high byte, format guide §8), as the dumps' notes explain them. */
export function describeValueFlags(flags: number): string {
  return `0x${flags.toString(16).padStart(2, '0')} (${flags === 0 ? 'none' : 'meaning not known'})`;
}

function keyFlagsNote(flags: number): string {
  return `; key flags ${describeKeyFlags(flags)}\n`;
}

/** A key name .reg text can carry: no separator, line break or NUL, no lone surrogate. */
export function isRegKeyName(name: string): boolean {
  return name.length > 0 && !name.includes('\\') && isRegQuotable(name);
}

/** Whether `units` UTF-16LE units at `offset` of `bytes` are exactly `Default`. */
function isDefaultName(bytes: Uint8Array, offset: number, units: number): boolean {
  if (units !== DEFAULT_VALUE.length) return false;
  for (let i = 0; i < units; i++) {
    if (bytes[offset + 2 * i] !== DEFAULT_VALUE.charCodeAt(i) || bytes[offset + 2 * i + 1] !== 0) return false;
  }
  return true;
}

/**
 * Writes .reg text into `out`: the header, then per key a `[path]` line and its value
 * lines. What .reg cannot express (key and value flags) becomes `; key flags 0x…` and
 * `; value flags 0x…` notes, which `RegTreeBuilder` reads back. A key or value whose name
 * .reg cannot hold is written as a comment, with its whole subtree, and counted in
 * `skippedKeys` / `skippedValues`: never written so that it would read back as another key.
 *
 * Keys come in tree pre-order, each with its depth below the path given to `start` (a
 * root name, or the key a walk starts at, which is itself depth 0): a key's line is its
 * parent's path bytes plus its own name, so no path string is built or taken apart. A
 * name is given as a string (`key`) or as the UTF-16LE units a file holds (`storedKey`),
 * which are transcoded straight into the output.
 */
export class RegTextWriter {
  skippedKeys = 0;
  skippedValues = 0;
  /** Depth of the unwritable key whose subtree is being passed over, or -1. */
  private skippingDepth = -1;
  /** The path given to `start`, and whether .reg text can name it. */
  private base = '';
  private baseWritable = true;
  /**
   * UTF-8 path of the key last written: the base path, then one `\name` per depth,
   * ending at `pathEnds[depth]`.
   */
  private pathBytes = new Uint8Array(1024);
  private readonly pathEnds: number[] = [];
  /** Depth of the last key written (0 right after `start`), or -1 before any `start`. */
  private lastDepth = -1;
  /**
   * Where the path of the last key line written is in the output: its buffer, its start
   * there, and the writer's `rounds` then. While both are unchanged the line is still in
   * the buffer, and the next key's parent path (a prefix of it, in pre-order) is copied
   * from there within the buffer.
   */
  private lineBuffer: Uint8Array | undefined;
  private lineStart = 0;
  private lineRounds = 0;

  constructor(
    private readonly out: Utf8Writer,
    private readonly style: RegStyle = 'ce',
  ) {}

  header(): void {
    this.out.text(regHeader(this.style) + '\n');
  }

  /**
   * A `; text` line. Line breaks in `text` (a key path, a file name) are written as `\r`
   * and `\n`: a comment stays one line, whatever names it quotes.
   */
  comment(text: string): void {
    this.out.text('; ' + text.replace(/[\r\n]/g, (c) => (c === '\n' ? '\\n' : '\\r')) + '\n');
  }

  /**
   * The path the keys that follow are under: a root name (their depth counts from 1), or
   * the path of the key a walk starts at (written by a key at depth 0). `names`: the key
   * names of `path` below its root, when one may hold a `\` (a registry diff's); by
   * default `path` is split at `\`.
   */
  start(path: string, names: readonly string[] = path.split('\\').slice(1)): void {
    this.skippingDepth = -1;
    this.base = path;
    // Every key name on the path must be one .reg can hold.
    this.baseWritable = names.every(isRegKeyName);
    const bytes = pathEncoder.encode(path);
    this.growPath(bytes.length);
    this.pathBytes.set(bytes, 0);
    this.pathEnds.length = 0;
    this.pathEnds.push(bytes.length);
    this.lastDepth = 0;
    this.lineBuffer = undefined;
  }

  /** A key line for a key named `name` at `depth` (see the class). */
  key(depth: number, name: string, flags = 0, noteFlags = false): void {
    this.storedKey(depth, encodeUtf16(name), 0, name.length, flags, noteFlags);
  }

  /**
   * A key line for a key at `depth` whose name is `nameUnits` UTF-16LE units at
   * `nameOffset` of `nameBytes` (for a hive's record, the file itself). Flags are noted when
   * not 0, or always with `noteFlags` (a patch that clears them must say so).
   */
  storedKey(depth: number, nameBytes: Uint8Array, nameOffset: number, nameUnits: number, flags: number, noteFlags = false): void {
    if (this.skippingDepth >= 0) {
      if (depth > this.skippingDepth) {
        this.skippedKeys++;
        return;
      }
      this.skippingDepth = -1;
    }
    // A key's parent is the last key written one level up (or the base): a depth past that
    // is a caller's mistake, which would otherwise write another key's path.
    if (!(depth >= 0 && depth <= this.lastDepth + 1)) {
      throw new RangeError(`RegTextWriter: a key at depth ${depth} follows ${this.lastDepth < 0 ? 'no start()' : `a key at depth ${this.lastDepth}`}`);
    }
    const parentEnd = this.pathEnds[depth === 0 ? 0 : depth - 1]!;
    let end = parentEnd;
    let valid = nameUnits > 0 && this.baseWritable;
    if (depth > 0 && valid) {
      this.growPath(end + 1 + 3 * nameUnits);
      this.pathBytes[end] = 0x5c;
      end = transcodeUtf16(this.pathBytes, end + 1, nameBytes, nameOffset, nameUnits, false);
      valid = end >= 0;
      if (valid) this.pathEnds[depth] = end;
    } else if (depth === 0) {
      valid &&= isRegKeyName(decodeUtf16(nameBytes, nameOffset, nameUnits));
    }
    if (!valid) {
      this.skippingDepth = depth;
      // Its siblings may follow, not its children (they are passed over above).
      this.lastDepth = depth - 1;
      this.skippedKeys++;
      // The parent's path as given (depth 1) or as written (deeper: names .reg holds, so the bytes decode back to them).
      const parent = depth === 1 ? this.base : pathDecoder.decode(this.pathBytes.subarray(0, parentEnd));
      const path = depth === 0 ? this.base : `${parent}\\${decodeUtf16(nameBytes, nameOffset, nameUnits)}`;
      this.out.text(`\n; key name not representable in .reg, key and subtree left out (use --format json): ${JSON.stringify(path)}\n`);
      return;
    }
    this.lastDepth = depth;
    const out = this.out;
    out.room(end + 4);
    const target = out.bytes;
    let p = out.length;
    target[p++] = 0x0a;
    target[p++] = 0x5b;
    const pathStart = p;
    const path = this.pathBytes;
    if (depth > 0 && target === this.lineBuffer && out.rounds === this.lineRounds) {
      // The parent's path from the last key line, within the buffer (no view made), then the name.
      target.copyWithin(p, this.lineStart, this.lineStart + parentEnd);
      p += parentEnd;
      for (let i = parentEnd; i < end; i++) target[p++] = path[i]!;
    } else {
      target.set(path.subarray(0, end), p);
      p += end;
    }
    this.lineBuffer = target;
    this.lineStart = pathStart;
    this.lineRounds = out.rounds;
    target[p++] = 0x5d;
    target[p++] = 0x0a;
    out.length = p;
    if (flags !== 0 || noteFlags) out.text(keyFlagsNote(flags));
  }

  private growPath(size: number): void {
    if (size <= this.pathBytes.length) return;
    const grown = new Uint8Array(Math.max(size, 2 * this.pathBytes.length));
    grown.set(this.pathBytes);
    this.pathBytes = grown;
  }

  /**
   * A `[-path]` line deleting a key and its subtree; false (and a comment) if .reg cannot
   * name it. `parentNames`: as for `start`.
   */
  removeKey(parentPath: string, name: string, parentNames: readonly string[] = parentPath.split('\\').slice(1)): boolean {
    this.skippingDepth = -1;
    const path = parentPath + '\\' + name;
    if (!isRegKeyName(name) || !parentNames.every(isRegKeyName)) {
      this.skippedKeys++;
      this.out.text(`\n; key name not representable in .reg, its removal left out: ${JSON.stringify(path)}\n`);
      return false;
    }
    this.out.text('\n[-' + path + ']\n');
    return true;
  }

  /** A `"name"=-` line deleting a value of the current key. */
  removeValue(name: string): boolean {
    if (this.skippingDepth >= 0 || !isRegQuotable(name)) {
      this.skippedValues++;
      if (this.skippingDepth < 0) this.out.text(`; value name not representable in .reg, its removal left out: ${JSON.stringify(name)}\n`);
      return false;
    }
    this.out.text((name === DEFAULT_VALUE ? '@' : regQuote(name)) + '=-\n');
    return true;
  }

  /** A value line. */
  value(name: string, type: number, data: Uint8Array, flags = 0): void {
    const nameBytes = encodeUtf16(name);
    this.valueFrom(nameBytes, 0, name.length, type, data, 0, data.length, flags);
  }

  /**
   * A value line from stored bytes: a name of `nameUnits` UTF-16LE units at `nameOffset`
   * of `nameBytes`, data of `dataLength` bytes at `dataOffset` of `dataBytes` (for a hive's
   * record, both are the file). Transcoded straight into the output: no string and no
   * view is made for either.
   */
  valueFrom(nameBytes: Uint8Array, nameOffset: number, nameUnits: number, type: number, dataBytes: Uint8Array, dataOffset: number, dataLength: number, flags = 0): void {
    if (this.skippingDepth >= 0) {
      this.skippedValues++;
      return;
    }
    const out = this.out;
    // The flags note goes above the line, so check first that the line can be written.
    const unwritable = flags !== 0 && !isRegQuotable(decodeUtf16(nameBytes, nameOffset, nameUnits));
    if (!unwritable && flags !== 0) out.text(`; value flags ${describeValueFlags(flags)}\n`);
    let column: number;
    if (isDefaultName(nameBytes, nameOffset, nameUnits)) {
      out.byte(0x40);
      column = 1;
    } else {
      column = unwritable ? -1 : writeQuotedUtf16(out, nameBytes, nameOffset, nameUnits);
      if (column < 0) {
        this.skippedValues++;
        out.text(`; value name not representable in .reg, value left out (use --format json): ${JSON.stringify(decodeUtf16(nameBytes, nameOffset, nameUnits))}\n`);
        return;
      }
    }
    out.byte(0x3d);
    writeRegDataAt(out, type, dataBytes, dataOffset, dataLength, column + 1, this.style);
    out.byte(0x0a);
  }
}

/** A whole tree as .reg text, keys in pre-order (iteratively: any depth). */
export function renderTreeAsReg(tree: HiveTree, style: RegStyle = 'ce'): string {
  return renderToString((out) => {
    const writer = new RegTextWriter(out, style);
    writer.header();
    for (let root = 0; root < ROOT_COUNT; root++) {
      writer.start(rootName(root));
      const stack: Array<{ key: TreeKey; depth: number }> = (tree.roots[root] ?? []).map((key) => ({ key, depth: 1 })).reverse();
      while (stack.length > 0) {
        const { key, depth } = stack.pop()!;
        writer.key(depth, key.name, key.flags ?? 0);
        for (const value of key.values ?? []) writer.value(value.name, value.type, value.data, value.flags ?? 0);
        for (const child of [...(key.subkeys ?? [])].reverse()) stack.push({ key: child, depth: depth + 1 });
      }
    }
  });
}
