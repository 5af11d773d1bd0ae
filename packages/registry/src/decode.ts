import { decodeUtf16 } from './utf16.js';
import { ValueType, isStringType } from './valueTypes.js';

/**
 * A value's data interpreted by its type. `bytes` means the data has no typed reading:
 * binary types, unknown types, and typed data that is not well formed (a DWORD that is
 * not 4 bytes, a string without its terminator...). The raw bytes are always the truth.
 */
export type DecodedValue =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'strings'; readonly value: readonly string[] }
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'bigint'; readonly value: bigint }
  | { readonly kind: 'bytes' };

const BYTES: DecodedValue = { kind: 'bytes' };

/**
 * Reads a NUL-terminated UTF-16LE string filling all of `data`: even length, last unit
 * NUL, no other NUL. Returns undefined for anything else.
 */
export function readTerminatedString(data: Uint8Array): string | undefined {
  const length = data.length;
  if (length < 2 || length % 2 !== 0) return undefined;
  if (data[length - 1] !== 0 || data[length - 2] !== 0) return undefined;
  const units = length / 2 - 1;
  for (let p = 0; p < units * 2; p += 2) {
    if (data[p] === 0 && data[p + 1] === 0) return undefined;
  }
  return decodeUtf16(data, 0, units);
}

/**
 * Reads REG_MULTI_SZ data of the form `a\0b\0\0`: one or more non-empty strings, each
 * terminated, then one more NUL. Returns undefined for anything else (such data is
 * shown as bytes, so nothing is lost).
 */
export function readMultiString(data: Uint8Array): string[] | undefined {
  const length = data.length;
  if (length < 4 || length % 2 !== 0) return undefined;
  const units = length / 2;
  const unitAt = (i: number): number => data[2 * i]! | (data[2 * i + 1]! << 8);
  if (unitAt(units - 1) !== 0 || unitAt(units - 2) !== 0) return undefined;
  const strings: string[] = [];
  let start = 0;
  for (let i = 0; i < units - 1; i++) {
    if (unitAt(i) === 0) {
      if (i === start) return undefined; // an empty string inside the list is ambiguous
      strings.push(decodeUtf16(data, 2 * start, i - start));
      start = i + 1;
    }
  }
  return strings;
}

/** Decodes value data by type; never throws. */
export function decodeValue(type: number, data: Uint8Array): DecodedValue {
  if (isStringType(type)) {
    const text = readTerminatedString(data);
    return text === undefined ? BYTES : { kind: 'string', value: text };
  }
  switch (type) {
    case ValueType.DWORD:
      if (data.length !== 4) return BYTES;
      return { kind: 'number', value: (data[0]! | (data[1]! << 8) | (data[2]! << 16) | (data[3]! << 24)) >>> 0 };
    case ValueType.DWORD_BIG_ENDIAN:
      if (data.length !== 4) return BYTES;
      return { kind: 'number', value: ((data[0]! << 24) | (data[1]! << 16) | (data[2]! << 8) | data[3]!) >>> 0 };
    case ValueType.QWORD: {
      if (data.length !== 8) return BYTES;
      const view = new DataView(data.buffer, data.byteOffset, 8);
      return { kind: 'bigint', value: view.getBigUint64(0, true) };
    }
    case ValueType.MULTI_SZ: {
      const strings = readMultiString(data);
      return strings === undefined ? BYTES : { kind: 'strings', value: strings };
    }
    default:
      return BYTES;
  }
}

/**
 * True when a decoded string can be written inside double quotes in .reg text: no line
 * break, no NUL, no unpaired surrogate. One pass over the units (this runs for every
 * name and string of a dump).
 */
export function isRegQuotable(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit === 0x0a || unit === 0x0d || unit === 0) return false;
    if (unit >= 0xd800 && unit <= 0xdfff) {
      const next = text.charCodeAt(i + 1);
      if (unit > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    }
  }
  return true;
}
