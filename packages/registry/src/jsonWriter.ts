import { Utf8Writer, putCodePoint } from './utf8Writer.js';
import { ValueType, isStringType, valueTypeName } from './valueTypes.js';

/**
 * hivetool's JSON (docs/json-schema.md) written as UTF-8 bytes straight from a hive's
 * UTF-16LE names and data: the same text as `JSON.stringify` of `jsonValue`, without a
 * string, an object or a hex string made per value.
 */

const HEX = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

// The escapes JSON.stringify writes for control characters other than \b \t \n \f \r.
const SHORT_ESCAPES: Record<number, number> = { 0x08: 0x62, 0x09: 0x74, 0x0a: 0x6e, 0x0c: 0x66, 0x0d: 0x72 };

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
  for (let q = offset, end = offset + 2 * units; q < end; q += 2) {
    const unit = bytes[q]! | (bytes[q + 1]! << 8);
    if (unit < 0x80) {
      if (unit >= 0x20 && unit !== 0x7f) {
        if (unit === 0x22 || unit === 0x5c) target[p++] = 0x5c;
        target[p++] = unit;
      } else {
        const short = SHORT_ESCAPES[unit];
        if (short !== undefined) {
          target[p++] = 0x5c;
          target[p++] = short;
        } else {
          p = putUnicodeEscape(target, p, unit);
        }
      }
    } else if (unit < 0x800) {
      if (unit <= 0x9f || unit === 0x61c) {
        // C1 controls and the Arabic letter mark: escaped, as for a terminal (terminal.ts).
        p = putUnicodeEscape(target, p, unit);
      } else {
        target[p++] = 0xc0 | (unit >> 6);
        target[p++] = 0x80 | (unit & 0x3f);
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
  }
  return p;
}

// The two digits of 0–99, as bytes: numbers are written two digits per division.
const TENS = Uint8Array.from({ length: 100 }, (_, i) => 0x30 + Math.floor(i / 10));
const ONES = Uint8Array.from({ length: 100 }, (_, i) => 0x30 + (i % 10));

/** A non-negative integer below 2^53 in decimal at `p` (room for 16 bytes); returns the end. */
export function putDecimal(target: Uint8Array, p: number, value: number): number {
  if (value < 10) {
    target[p] = 0x30 + value;
    return p + 1;
  }
  if (value >= 0x80000000) {
    const text = String(value);
    for (let i = 0; i < text.length; i++) target[p + i] = text.charCodeAt(i);
    return p + text.length;
  }
  const digits =
    value < 100000
      ? value < 100 ? 2 : value < 1000 ? 3 : value < 10000 ? 4 : 5
      : value < 10000000 ? (value < 1000000 ? 6 : 7) : value < 100000000 ? 8 : value < 1000000000 ? 9 : 10;
  let q = p + digits;
  let rest = value;
  while (rest >= 100) {
    const next = (rest / 100) | 0;
    const pair = rest - next * 100;
    target[--q] = ONES[pair]!;
    target[--q] = TENS[pair]!;
    rest = next;
  }
  if (rest >= 10) {
    target[--q] = ONES[rest]!;
    target[--q] = TENS[rest]!;
  } else {
    target[--q] = 0x30 + rest;
  }
  return p + digits;
}

/** A non-negative integer below 2^53 in decimal. */
export function writeDecimal(out: Utf8Writer, value: number): void {
  out.room(16);
  out.length = putDecimal(out.bytes, out.length, value);
}

/** Bytes as lowercase hex digits at `p` (room for 2 per byte); returns the end. */
function putHex(target: Uint8Array, p: number, bytes: Uint8Array, offset: number, length: number): number {
  for (let i = offset, end = offset + length; i < end; i++) {
    const byte = bytes[i]!;
    target[p++] = HEX[byte >> 4]!;
    target[p++] = HEX[byte & 15]!;
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
const typeMembers = new Map<number, Uint8Array>();

/** `,"type":"REG_SZ","typeNumber":1,"flags":` for `type`, made once per type. */
function typeMember(type: number): Uint8Array {
  let bytes = typeMembers.get(type);
  if (bytes === undefined) {
    bytes = encoder.encode(`,"type":${JSON.stringify(valueTypeName(type))},"typeNumber":${type},"flags":`);
    typeMembers.set(type, bytes);
  }
  return bytes;
}

/** Raw bytes (ASCII) into the writer. */
export function writeBytes(out: Utf8Writer, bytes: Uint8Array): void {
  out.room(bytes.length);
  out.length = putBytes(out.bytes, out.length, bytes);
}

const unitAt = (bytes: Uint8Array, p: number): number => bytes[p]! | (bytes[p + 1]! << 8);

/**
 * The `value` member's JSON (see `jsonDecoded`) at `p`: a string, strings, a number, or
 * null. Room: 3 bytes per data byte plus 32. Returns the end.
 */
function putDecoded(target: Uint8Array, p: number, type: number, bytes: Uint8Array, offset: number, length: number): number {
  if (isStringType(type)) {
    // One NUL-terminated string filling the data, no NUL before the last unit.
    if (length >= 2 && (length & 1) === 0 && unitAt(bytes, offset + length - 2) === 0) {
      const units = (length >> 1) - 1;
      let clean = true;
      for (let i = 0; i < units; i++) {
        if (unitAt(bytes, offset + 2 * i) === 0) {
          clean = false;
          break;
        }
      }
      if (clean) {
        target[p] = 0x22;
        p = escapeJsonUtf16(target, p + 1, bytes, offset, units);
        target[p] = 0x22;
        return p + 1;
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
    // `a\0b\0\0`: non-empty strings, each terminated, then one more NUL.
    const units = length >> 1;
    if (length >= 4 && (length & 1) === 0 && unitAt(bytes, offset + length - 2) === 0 && unitAt(bytes, offset + length - 4) === 0) {
      let valid = true;
      let start = 0;
      for (let i = 0; i < units - 1; i++) {
        if (unitAt(bytes, offset + 2 * i) === 0) {
          if (i === start) {
            valid = false;
            break;
          }
          start = i + 1;
        }
      }
      if (valid) {
        target[p++] = 0x5b;
        start = 0;
        for (let i = 0; i < units - 1; i++) {
          if (unitAt(bytes, offset + 2 * i) === 0) {
            if (start > 0) target[p++] = 0x2c;
            target[p] = 0x22;
            p = escapeJsonUtf16(target, p + 1, bytes, offset + 2 * start, i - start);
            target[p++] = 0x22;
            start = i + 1;
          }
        }
        target[p++] = 0x5d;
        return p;
      }
    }
  }
  return putBytes(target, p, NULL);
}

const NULL = encoder.encode('null');
const NAME_MEMBER = encoder.encode('{"name":');
const VALUE_MEMBER = encoder.encode(',"value":');
const RAW_MEMBER = encoder.encode(',"raw":"');

/**
 * One value's JSON object as `JSON.stringify(jsonValue(...))` writes it, without the
 * closing brace (the dump adds storage members first): name, type, typeNumber, flags,
 * value, raw. The name is `nameUnits` UTF-16LE units at `nameOffset` of `nameBytes`, the
 * data `dataLength` bytes at `dataOffset` of `dataBytes`.
 */
export function writeJsonValueOpen(out: Utf8Writer, nameBytes: Uint8Array, nameOffset: number, nameUnits: number, type: number, flags: number, dataBytes: Uint8Array, dataOffset: number, dataLength: number): void {
  const typeBytes = typeMember(type);
  // Escapes take at most 6 bytes per UTF-16 unit (3 per data byte); hex 2 per data byte.
  out.room(6 * nameUnits + 5 * dataLength + typeBytes.length + 96);
  const target = out.bytes;
  let p = putBytes(target, out.length, NAME_MEMBER);
  target[p] = 0x22;
  p = escapeJsonUtf16(target, p + 1, nameBytes, nameOffset, nameUnits);
  target[p++] = 0x22;
  p = putBytes(target, p, typeBytes);
  p = putDecimal(target, p, flags);
  p = putBytes(target, p, VALUE_MEMBER);
  p = putDecoded(target, p, type, dataBytes, dataOffset, dataLength);
  p = putBytes(target, p, RAW_MEMBER);
  p = putHex(target, p, dataBytes, dataOffset, dataLength);
  target[p++] = 0x22;
  out.length = p;
}
