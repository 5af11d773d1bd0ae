import { Utf8Writer, putCodePoint } from './utf8Writer.js';
import { ValueType, isStringType, valueTypeName } from './valueTypes.js';

/**
 * hivetool's JSON (docs/json-schema.md) written as UTF-8 bytes straight from a hive's
 * UTF-16LE names and data: the same text as `JSON.stringify` of `jsonValue`, without a
 * string, an object or a hex string made per value.
 */

const HEX = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

// 1 for the ASCII characters a JSON string (and a terminal) takes as they are: printable,
// neither `"` nor `\`. The escaping loop copies runs of them without looking further.
const PLAIN = Uint8Array.from({ length: 256 }, (_, c) => (c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c ? 1 : 0));

// The escapes JSON.stringify writes for control characters other than \b \t \n \f \r: the
// letter of the short escape, or 0 for `\u00XX`.
const SHORT_ESCAPES = new Uint8Array(32);
SHORT_ESCAPES[0x08] = 0x62;
SHORT_ESCAPES[0x09] = 0x74;
SHORT_ESCAPES[0x0a] = 0x6e;
SHORT_ESCAPES[0x0c] = 0x66;
SHORT_ESCAPES[0x0d] = 0x72;

// The target's bytes as a DataView, made again only when the target changes: digits, hex
// and constants are stored up to four bytes at a time through it.
let viewTarget: Uint8Array | undefined;
let view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

function wordsOf(target: Uint8Array): DataView<ArrayBufferLike> {
  if (target !== viewTarget) {
    view = new DataView(target.buffer, target.byteOffset, target.byteLength);
    viewTarget = target;
  }
  return view;
}

/** `\uXXXX` (lowercase, as JSON.stringify writes it) at `p`; returns the new position. */
function putUnicodeEscape(target: Uint8Array, p: number, unit: number): number {
  target[p] = 0x5c;
  target[p + 1] = 0x75;
  target[p + 2] = HEX[(unit >> 12) & 15]!;
  target[p + 3] = HEX[(unit >> 8) & 15]!;
  target[p + 4] = HEX[(unit >> 4) & 15]!;
  target[p + 5] = HEX[unit & 15]!;
  return p + 6;
}

/**
 * `units` UTF-16LE units at `offset` of `bytes` as a JSON string, quotes included,
 * escaped as `JSON.stringify` escapes (a lone surrogate as `\udxxx`).
 */
export function writeJsonUtf16(out: Utf8Writer, bytes: Uint8Array, offset: number, units: number): void {
  // At most 6 bytes per unit (an escape), plus the quotes.
  out.room(6 * units + 2);
  const target = out.bytes;
  target[out.length] = 0x22;
  const p = escapeJsonUtf16(target, out.length + 1, bytes, offset, units);
  target[p] = 0x22;
  out.length = p + 1;
}

/**
 * The inside of a JSON string (no quotes) for `units` UTF-16LE units at `offset` of
 * `bytes`, written at `p` of `target` (room for 6 bytes per unit); returns the end.
 */
export function escapeJsonUtf16(target: Uint8Array, p: number, bytes: Uint8Array, offset: number, units: number): number {
  return escapeUtf16(target, p, bytes, offset, offset + 2 * units, false);
}

/** Where the last escapeUtf16 stopped: the byte offset of the NUL unit it stopped at, or its end. */
let stoppedAt = 0;

/**
 * The UTF-16LE units from byte `q` to `end` of `bytes`, escaped (see escapeJsonUtf16), at
 * `p`; returns the end. With `stopAtNul` it stops before the first NUL unit instead of
 * escaping it. `stoppedAt` tells where it stopped.
 */
function escapeUtf16(target: Uint8Array, p: number, bytes: Uint8Array, q: number, end: number, stopAtNul: boolean): number {
  while (q < end) {
    const low = bytes[q]!;
    const high = bytes[q + 1]!;
    if (high === 0 && PLAIN[low] === 1) {
      target[p++] = low;
      q += 2;
      continue;
    }
    const unit = low | (high << 8);
    if (unit < 0x80) {
      if (unit === 0x22 || unit === 0x5c) {
        target[p] = 0x5c;
        target[p + 1] = unit;
        p += 2;
      } else if (unit === 0x7f) {
        p = putUnicodeEscape(target, p, unit);
      } else if (unit === 0 && stopAtNul) {
        stoppedAt = q;
        return p;
      } else {
        const short = SHORT_ESCAPES[unit]!;
        if (short !== 0) {
          target[p] = 0x5c;
          target[p + 1] = short;
          p += 2;
        } else {
          p = putUnicodeEscape(target, p, unit);
        }
      }
    } else if (unit < 0x800) {
      if (unit <= 0x9f || unit === 0x61c) {
        // C1 controls and the Arabic letter mark: escaped, as for a terminal (terminal.ts).
        p = putUnicodeEscape(target, p, unit);
      } else {
        target[p] = 0xc0 | (unit >> 6);
        target[p + 1] = 0x80 | (unit & 0x3f);
        p += 2;
      }
    } else if ((unit >= 0x200b && unit <= 0x200f) || (unit >= 0x2028 && unit <= 0x202e) || (unit >= 0x2066 && unit <= 0x2069) || unit === 0xfeff) {
      // Bidirectional controls and invisible marks: escaped, as for a terminal (terminal.ts).
      p = putUnicodeEscape(target, p, unit);
    } else if (unit >= 0xd800 && unit <= 0xdfff) {
      const next = q + 2 < end ? bytes[q + 2]! | (bytes[q + 3]! << 8) : 0;
      if (unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        p = putCodePoint(target, p, 0x10000 + ((unit - 0xd800) << 10) + (next - 0xdc00));
        q += 2;
      } else {
        p = putUnicodeEscape(target, p, unit);
      }
    } else {
      p = putCodePoint(target, p, unit);
    }
    q += 2;
  }
  stoppedAt = end;
  return p;
}

// 0–9999 as four decimal digits with leading zeros, one little-endian word each, and how
// many digits remain without the zeros: numbers are written four digits per division.
const DIGITS4 = new Uint32Array(10000);
const WIDTH4 = new Uint8Array(10000);
for (let n = 0; n < 10000; n++) {
  DIGITS4[n] = (0x30 + ((n / 1000) | 0)) | ((0x30 + (((n / 100) | 0) % 10)) << 8) | ((0x30 + (((n / 10) | 0) % 10)) << 16) | ((0x30 + (n % 10)) << 24);
  WIDTH4[n] = n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : 4;
}

/**
 * `value` < 10000 in decimal, no leading zeros, at `p`; returns the end. Stores a whole
 * word: up to 3 bytes past the end are overwritten (the room asked for covers them).
 */
function putBelow10000(words: DataView, p: number, value: number): number {
  const width = WIDTH4[value]!;
  words.setUint32(p, DIGITS4[value]! >>> (32 - 8 * width), true);
  return p + width;
}

/**
 * A non-negative integer below 2^53 in decimal at `p` (room for 20 bytes: up to 3 past
 * the end are overwritten); returns the end.
 */
export function putDecimal(target: Uint8Array, p: number, value: number): number {
  const words = wordsOf(target);
  if (value < 10000) return putBelow10000(words, p, value);
  if (value < 100000000) {
    const high = (value / 10000) | 0;
    p = putBelow10000(words, p, high);
    words.setUint32(p, DIGITS4[value - high * 10000]!, true);
    return p + 4;
  }
  // Below 2^53 the quotient is under 2^27, where doubles are closer than 1e-8: it cannot
  // round up to the next integer.
  const top = Math.floor(value / 100000000);
  const low = value - top * 100000000;
  p = putDecimal(target, p, top);
  const high = (low / 10000) | 0;
  words.setUint32(p, DIGITS4[high]!, true);
  words.setUint32(p + 4, DIGITS4[low - high * 10000]!, true);
  return p + 8;
}

/** A non-negative integer below 2^53 in decimal. */
export function writeDecimal(out: Utf8Writer, value: number): void {
  out.room(20);
  out.length = putDecimal(out.bytes, out.length, value);
}

// A byte's two lowercase hex digits as one little-endian 16-bit word: hex is stored four
// digits (two bytes of data) at a time through a DataView of the target.
const HEX_PAIRS = Uint16Array.from({ length: 256 }, (_, byte) => HEX[byte >> 4]! | (HEX[byte & 15]! << 8));

/** Bytes as lowercase hex digits at `p` (room for 2 per byte); returns the end. */
function putHex(target: Uint8Array, p: number, bytes: Uint8Array, offset: number, length: number): number {
  const words = wordsOf(target);
  let i = offset;
  const end = offset + length;
  for (; i + 1 < end; i += 2) {
    words.setUint32(p, HEX_PAIRS[bytes[i]!]! | (HEX_PAIRS[bytes[i + 1]!]! << 16), true);
    p += 4;
  }
  if (i < end) {
    words.setUint16(p, HEX_PAIRS[bytes[i]!]!, true);
    p += 2;
  }
  return p;
}

/** Bytes as lowercase hex digits, no separators (the `raw` member). */
export function writeHexDigits(out: Utf8Writer, bytes: Uint8Array, offset: number, length: number): void {
  out.room(2 * length);
  out.length = putHex(out.bytes, out.length, bytes, offset, length);
}

/** Copies a short constant (a member name) at `p`; returns the end. */
export function putBytes(target: Uint8Array, p: number, bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) target[p + i] = bytes[i]!;
  return p + bytes.length;
}

const encoder = new TextEncoder();

/** Constant JSON text (member names and what joins them) as little-endian 32-bit words. */
export interface JsonConstant {
  /** Its length in bytes. */
  readonly length: number;
  /** The bytes, zero-padded to whole words. */
  readonly words: Uint32Array;
}

/** `text` as a JsonConstant (UTF-8). */
export function jsonConstant(text: string): JsonConstant {
  const bytes = encoder.encode(text);
  const words = new Uint32Array((bytes.length + 3) >> 2);
  for (let i = 0; i < words.length; i++) words[i] = bytes[4 * i]! | ((bytes[4 * i + 1] ?? 0) << 8) | ((bytes[4 * i + 2] ?? 0) << 16) | ((bytes[4 * i + 3] ?? 0) << 24);
  return { length: bytes.length, words };
}

/**
 * Copies a constant at `p`, a word at a time; returns the end. The last word's padding
 * overwrites up to 3 bytes past the end (the room asked for covers them).
 */
export function putConstant(target: Uint8Array, p: number, constant: JsonConstant): number {
  const words = wordsOf(target);
  const source = constant.words;
  for (let i = 0, q = p; i < source.length; i++, q += 4) words.setUint32(q, source[i]!, true);
  return p + constant.length;
}

// What follows a value's name up to its `value` member, for a type and flags:
// `","type":"REG_SZ","typeNumber":1,"flags":0,"value":`, made once per pair (flags < 256).
const typeChunks = new Map<number, JsonConstant>();

function typeChunk(type: number, flags: number): JsonConstant {
  const key = flags < 256 ? type * 256 + flags : -1;
  let chunk = typeChunks.get(key);
  if (chunk === undefined) {
    chunk = jsonConstant(`","type":${JSON.stringify(valueTypeName(type))},"typeNumber":${type},"flags":${flags},"value":`);
    if (key >= 0) typeChunks.set(key, chunk);
  }
  return chunk;
}

/** Raw bytes (ASCII) into the writer. */
export function writeBytes(out: Utf8Writer, bytes: Uint8Array): void {
  out.room(bytes.length);
  out.length = putBytes(out.bytes, out.length, bytes);
}

/**
 * The `value` member's JSON (see `jsonDecoded`) at `p`: a string, strings, a number, or
 * null. Room: 3 bytes per data byte plus 32. Returns the end.
 */
function putDecoded(target: Uint8Array, p: number, type: number, bytes: Uint8Array, offset: number, length: number): number {
  if (isStringType(type)) {
    // One NUL-terminated string filling the data, no NUL before the last unit: escaped
    // up to the first NUL, which must be the last unit.
    const last = offset + length - 2;
    if (length >= 2 && (length & 1) === 0 && bytes[last] === 0 && bytes[last + 1] === 0) {
      target[p] = 0x22;
      const end = escapeUtf16(target, p + 1, bytes, offset, last, true);
      if (stoppedAt === last) {
        target[end] = 0x22;
        return end + 1;
      }
    }
  } else if (type === ValueType.DWORD || type === ValueType.DWORD_BIG_ENDIAN) {
    if (length === 4) {
      const b0 = bytes[offset]!;
      const b1 = bytes[offset + 1]!;
      const b2 = bytes[offset + 2]!;
      const b3 = bytes[offset + 3]!;
      return putDecimal(target, p, type === ValueType.DWORD ? (b0 | (b1 << 8) | (b2 << 16) | (b3 << 24)) >>> 0 : ((b0 << 24) | (b1 << 16) | (b2 << 8) | b3) >>> 0);
    }
  } else if (type === ValueType.QWORD) {
    if (length === 8) {
      const digits = new DataView(bytes.buffer, bytes.byteOffset + offset, 8).getBigUint64(0, true).toString();
      target[p++] = 0x22;
      for (let i = 0; i < digits.length; i++) target[p++] = digits.charCodeAt(i);
      target[p++] = 0x22;
      return p;
    }
  } else if (type === ValueType.MULTI_SZ) {
    // `a\0b\0\0`: non-empty strings, each terminated, then one more NUL. Each string is
    // escaped up to its NUL; an empty one makes the value null, written over the list.
    const stop = offset + length - 2;
    if (length >= 4 && (length & 1) === 0 && bytes[stop] === 0 && bytes[stop + 1] === 0 && bytes[stop - 2] === 0 && bytes[stop - 1] === 0) {
      let w = p;
      target[w++] = 0x5b;
      let q = offset;
      while (q < stop) {
        if (q !== offset) target[w++] = 0x2c;
        target[w] = 0x22;
        w = escapeUtf16(target, w + 1, bytes, q, stop, true);
        if (stoppedAt === q) break;
        target[w++] = 0x22;
        q = stoppedAt + 2;
      }
      if (q === stop) {
        target[w] = 0x5d;
        return w + 1;
      }
    }
  }
  return putConstant(target, p, NULL);
}

const NULL = jsonConstant('null');
const NAME_MEMBER = jsonConstant('{"name":"');
const RAW_MEMBER = jsonConstant(',"raw":"');

/** The room `putJsonValueOpen` needs for a value with this name and data. */
export function jsonValueRoom(nameUnits: number, dataLength: number): number {
  // Escapes take at most 6 bytes per UTF-16 unit (3 per data byte); hex 2 per data byte;
  // the members, the type's name and the numbers less than 160.
  return 6 * nameUnits + 5 * dataLength + 160;
}

/**
 * One value's JSON object as `JSON.stringify(jsonValue(...))` writes it, without the
 * closing brace (the dump adds storage members first): name, type, typeNumber, flags,
 * value, raw, at `p` of `target` (room: `jsonValueRoom`); returns the end. The name is
 * `nameUnits` UTF-16LE units at `nameOffset` of `nameBytes`, the data `dataLength` bytes
 * at `dataOffset` of `dataBytes`.
 */
export function putJsonValueOpen(target: Uint8Array, p: number, nameBytes: Uint8Array, nameOffset: number, nameUnits: number, type: number, flags: number, dataBytes: Uint8Array, dataOffset: number, dataLength: number): number {
  p = putConstant(target, p, NAME_MEMBER);
  p = escapeUtf16(target, p, nameBytes, nameOffset, nameOffset + 2 * nameUnits, false);
  p = putConstant(target, p, typeChunk(type, flags));
  p = putDecoded(target, p, type, dataBytes, dataOffset, dataLength);
  p = putConstant(target, p, RAW_MEMBER);
  p = putHex(target, p, dataBytes, dataOffset, dataLength);
  target[p] = 0x22;
  return p + 1;
}

/** `putJsonValueOpen` into a writer. */
export function writeJsonValueOpen(out: Utf8Writer, nameBytes: Uint8Array, nameOffset: number, nameUnits: number, type: number, flags: number, dataBytes: Uint8Array, dataOffset: number, dataLength: number): void {
  out.room(jsonValueRoom(nameUnits, dataLength));
  out.length = putJsonValueOpen(out.bytes, out.length, nameBytes, nameOffset, nameUnits, type, flags, dataBytes, dataOffset, dataLength);
}
