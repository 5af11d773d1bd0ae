/**
 * A value's data text (the `data` column) written as UTF-8 straight from the value's bytes:
 * the same bytes as `dataText` (table/rows.ts) encoded, without making a string.
 */
import { ValueType, isStringType } from '@hivetool/registry';
import { putString } from './bytes.js';
import { putUtf16AsUtf8 } from './columns.js';

/** The most bytes putDataText writes for data of `length` bytes. */
export function maxDataTextBytes(length: number): number {
  return 3 * ((length + 1) >>> 1) + 24;
}

/**
 * Writes the data text of a value of `type` whose data is `length` bytes at `offset` of
 * `bytes` into `target` at `at` (room for maxDataTextBytes); returns the end, or -1 when
 * the data is not text (the column is null).
 */
export function putDataText(target: Uint8Array, at: number, type: number, bytes: Uint8Array, offset: number, length: number): number {
  if (isStringType(type)) {
    // One string and its terminating NUL, no NUL inside (readTerminatedString).
    if (length < 2 || length % 2 !== 0) return -1;
    const end = offset + length;
    if (bytes[end - 1] !== 0 || bytes[end - 2] !== 0) return -1;
    for (let p = offset; p < end - 2; p += 2) if (bytes[p] === 0 && bytes[p + 1] === 0) return -1;
    return putUtf16AsUtf8(target, at, bytes, offset, length / 2 - 1);
  }
  switch (type) {
    case ValueType.DWORD:
      if (length !== 4) return -1;
      return putDecimal(target, at, (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>> 0);
    case ValueType.DWORD_BIG_ENDIAN:
      if (length !== 4) return -1;
      return putDecimal(target, at, ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0);
    case ValueType.QWORD: {
      if (length !== 8) return -1;
      const low = (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>> 0;
      const high = (bytes[offset + 4]! | (bytes[offset + 5]! << 8) | (bytes[offset + 6]! << 16) | (bytes[offset + 7]! << 24)) >>> 0;
      if (high < 0x20_0000) return putDecimal(target, at, high * 0x1_0000_0000 + low);
      return putString(target, at, ((BigInt(high) << 32n) | BigInt(low)).toString());
    }
    case ValueType.MULTI_SZ:
      return putMultiString(target, at, bytes, offset, length);
    default:
      return -1;
  }
}

/**
 * REG_MULTI_SZ's strings one per line (readMultiString: one or more non-empty strings, each
 * terminated, then one more NUL; anything else is not text).
 */
function putMultiString(target: Uint8Array, at: number, bytes: Uint8Array, offset: number, length: number): number {
  if (length < 4 || length % 2 !== 0) return -1;
  const units = length / 2;
  const unitAt = (i: number): number => bytes[offset + 2 * i]! | (bytes[offset + 2 * i + 1]! << 8);
  if (unitAt(units - 1) !== 0 || unitAt(units - 2) !== 0) return -1;
  let p = at;
  let start = 0;
  for (let i = 0; i < units - 1; i++) {
    if (unitAt(i) !== 0) continue;
    if (i === start) return -1; // an empty string inside the list
    if (start > 0) target[p++] = 0x0a;
    p = putUtf16AsUtf8(target, p, bytes, offset + 2 * start, i - start);
    start = i + 1;
  }
  return p;
}

/** A non-negative safe integer in decimal digits. */
function putDecimal(target: Uint8Array, at: number, value: number): number {
  if (value < 10) {
    target[at] = 0x30 + value;
    return at + 1;
  }
  let digits = 0;
  for (let v = value; v >= 1; v = Math.floor(v / 10)) digits++;
  let p = at + digits;
  for (let v = value; v >= 1; v = Math.floor(v / 10)) target[--p] = 0x30 + (v % 10);
  return at + digits;
}
