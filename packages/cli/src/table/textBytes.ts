/**
 * The text columns of a table row (value name, data text) written from a hive's UTF-16LE
 * bytes straight into a UTF-8 buffer, as CSV fields and as JSON strings, without making a
 * string per value. The text is the one `dataText` and `csvLine`/`jsonLine` make from
 * strings (test/table-bytes.test.ts holds the two equal on random data):
 *
 * - the data text of a string type is its one NUL-terminated string filling the data,
 *   of REG_MULTI_SZ its strings (`a\0b\0\0`, none empty) one per line, of a DWORD or QWORD
 *   its decimal value; other data has none (null);
 * - a CSV field is quoted when it holds a quote, a comma or a line break (decided while
 *   transcoding: the text written so far moves one byte when the first such unit comes),
 *   quotes doubled, an empty string `""`;
 * - an unpaired surrogate becomes U+FFFD in CSV (as the UTF-8 encoding of the string
 *   does) and a `\udxxx` escape in JSON (as JSON.stringify writes it).
 */
import { ValueType, escapeJsonUtf16, isStringType, putCodePoint, putDecimal } from '@hivetool/registry';

const QUOTE = 0x22;

const unitAt = (bytes: Uint8Array, q: number): number => bytes[q]! | (bytes[q + 1]! << 8);

/**
 * `units` UTF-16LE units at `offset` of `bytes` as UTF-8 into the CSV field that starts at
 * `start` of `target`, written at `p` (room: 3 bytes per unit, plus 1 for the quote).
 * Quotes are doubled. When the field is not `quoted` yet and a quote, comma or line break
 * comes, what the field holds moves one byte on and the opening quote goes first. Returns
 * the end; the caller closes a quoted field (`target[start] === 0x22`: the first byte is a
 * quote only when the field was opened, since a quote in the text opens it).
 */
function putCsvUtf16(target: Uint8Array, start: number, p: number, bytes: Uint8Array, offset: number, units: number, quoted: boolean): number {
  for (let q = offset, end = offset + 2 * units; q < end; q += 2) {
    const unit = bytes[q]! | (bytes[q + 1]! << 8);
    if (unit < 0x80) {
      if (unit === QUOTE || unit === 0x2c || unit === 0x0a || unit === 0x0d) {
        if (!quoted) {
          target.copyWithin(start + 1, start, p);
          target[start] = QUOTE;
          p++;
          quoted = true;
        }
        if (unit === QUOTE) target[p++] = QUOTE;
      }
      target[p++] = unit;
    } else if (unit < 0x800) {
      target[p++] = 0xc0 | (unit >> 6);
      target[p++] = 0x80 | (unit & 0x3f);
    } else if (unit >= 0xd800 && unit <= 0xdfff) {
      const next = q + 2 < end ? unitAt(bytes, q + 2) : 0;
      if (unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        p = putCodePoint(target, p, 0x10000 + ((unit - 0xd800) << 10) + (next - 0xdc00));
        q += 2;
      } else {
        p = putCodePoint(target, p, 0xfffd);
      }
    } else {
      p = putCodePoint(target, p, unit);
    }
  }
  return p;
}

/**
 * The inside of a quoted CSV field (quotes doubled) for `units` UTF-16LE units at `offset`
 * of `bytes`, at `p` of `target` (room: 3 bytes per unit); returns the end. Whether the
 * field needs its quotes is `csvSpecial`'s answer.
 */
export function putCsvBody(target: Uint8Array, p: number, bytes: Uint8Array, offset: number, units: number): number {
  return putCsvUtf16(target, p, p, bytes, offset, units, true);
}

/** Whether `units` UTF-16LE units at `offset` of `bytes` hold a quote, a comma or a line break (a CSV field holding them is quoted). */
export function csvSpecial(bytes: Uint8Array, offset: number, units: number): boolean {
  for (let q = offset, end = offset + 2 * units; q < end; q += 2) {
    if (bytes[q + 1] === 0) {
      const unit = bytes[q]!;
      if (unit === QUOTE || unit === 0x2c || unit === 0x0a || unit === 0x0d) return true;
    }
  }
  return false;
}

/**
 * A text as one CSV field at `p`: `units` UTF-16LE units at `offset` of `bytes`, quoted
 * when needed, `""` when empty. Room: 3 bytes per unit plus 2. Returns the end.
 */
export function putCsvText(target: Uint8Array, p: number, bytes: Uint8Array, offset: number, units: number): number {
  if (units === 0) {
    target[p] = QUOTE;
    target[p + 1] = QUOTE;
    return p + 2;
  }
  // The first byte written is `"` only when the field was opened (a quote in the text opens it).
  const end = putCsvUtf16(target, p, p, bytes, offset, units, false);
  if (target[p] !== QUOTE) return end;
  target[end] = QUOTE;
  return end + 1;
}

// What the data text of a value is (dataTextShape).
const NO_TEXT = 0;
const ONE_STRING = 1;
const STRINGS = 2;
const DWORD = 3;
const DWORD_BIG_ENDIAN = 4;
const QWORD = 5;

/**
 * The shape of the data text of `length` bytes at `offset` of `bytes` with type `type`:
 * NO_TEXT (null), ONE_STRING (the units before the terminator), STRINGS (a well-formed
 * REG_MULTI_SZ list), or a number. The rules of `decodeValue` (registry decode.ts), on bytes.
 */
function dataTextShape(type: number, bytes: Uint8Array, offset: number, length: number): number {
  if (isStringType(type)) {
    // One NUL-terminated string filling the data, no NUL before the last unit.
    if (length < 2 || (length & 1) !== 0 || unitAt(bytes, offset + length - 2) !== 0) return NO_TEXT;
    for (let q = offset, end = offset + length - 2; q < end; q += 2) if (bytes[q] === 0 && bytes[q + 1] === 0) return NO_TEXT;
    return ONE_STRING;
  }
  switch (type) {
    case ValueType.DWORD:
      return length === 4 ? DWORD : NO_TEXT;
    case ValueType.DWORD_BIG_ENDIAN:
      return length === 4 ? DWORD_BIG_ENDIAN : NO_TEXT;
    case ValueType.QWORD:
      return length === 8 ? QWORD : NO_TEXT;
    case ValueType.MULTI_SZ: {
      // `a\0b\0\0`: non-empty strings, each terminated, then one more NUL.
      if (length < 4 || (length & 1) !== 0 || unitAt(bytes, offset + length - 2) !== 0 || unitAt(bytes, offset + length - 4) !== 0) return NO_TEXT;
      let start = offset;
      for (let q = offset, end = offset + length - 2; q < end; q += 2) {
        if (bytes[q] === 0 && bytes[q + 1] === 0) {
          if (q === start) return NO_TEXT; // an empty string inside the list is ambiguous
          start = q + 2;
        }
      }
      return STRINGS;
    }
    default:
      return NO_TEXT;
  }
}

/** A number's data text (shape DWORD, DWORD_BIG_ENDIAN or QWORD) in decimal at `p`; returns the end. */
function putNumber(target: Uint8Array, p: number, shape: number, bytes: Uint8Array, offset: number): number {
  const b0 = bytes[offset]!;
  const b1 = bytes[offset + 1]!;
  const b2 = bytes[offset + 2]!;
  const b3 = bytes[offset + 3]!;
  if (shape === DWORD) return putDecimal(target, p, (b0 | (b1 << 8) | (b2 << 16) | (b3 << 24)) >>> 0);
  if (shape === DWORD_BIG_ENDIAN) return putDecimal(target, p, ((b0 << 24) | (b1 << 16) | (b2 << 8) | b3) >>> 0);
  const low = (b0 | (b1 << 8) | (b2 << 16) | (b3 << 24)) >>> 0;
  const high = (bytes[offset + 4]! | (bytes[offset + 5]! << 8) | (bytes[offset + 6]! << 16) | (bytes[offset + 7]! << 24)) >>> 0;
  // Below 2^53 a number holds it exactly; above, BigInt's digits.
  if (high < 0x200000) return putDecimal(target, p, high * 0x100000000 + low);
  const digits = ((BigInt(high) << 32n) | BigInt(low)).toString();
  for (let i = 0; i < digits.length; i++) target[p++] = digits.charCodeAt(i);
  return p;
}

/** Room `putCsvData` and `putJsonData` need for `length` bytes of data: 3 bytes per byte (a JSON escape of a unit) plus the quotes and a number. */
export function dataTextRoom(length: number): number {
  return 3 * length + 32;
}

/**
 * The `data` column as a CSV field at `p` (nothing for null): the same field as
 * `csvField(dataText(type, data))`. Room: `dataTextRoom(length)`. Returns the end.
 */
export function putCsvData(target: Uint8Array, p: number, type: number, bytes: Uint8Array, offset: number, length: number): number {
  const shape = dataTextShape(type, bytes, offset, length);
  if (shape === NO_TEXT) return p;
  if (shape === ONE_STRING) return putCsvText(target, p, bytes, offset, (length >> 1) - 1);
  if (shape !== STRINGS) return putNumber(target, p, shape, bytes, offset);
  const start = p;
  // More than one string: the lines break, so the field is quoted from the start.
  const end = offset + length - 2;
  const firstEnd = nextNul(bytes, offset, end);
  if (firstEnd === end - 2) return putCsvText(target, p, bytes, offset, (firstEnd - offset) >> 1);
  target[p++] = QUOTE;
  for (let from = offset; from < end; ) {
    const stop = nextNul(bytes, from, end);
    if (from > offset) target[p++] = 0x0a;
    p = putCsvUtf16(target, start, p, bytes, from, (stop - from) >> 1, true);
    from = stop + 2;
  }
  target[p++] = QUOTE;
  return p;
}

/** The offset of the first NUL unit at or after `from`, before `end` (`end` when none). */
function nextNul(bytes: Uint8Array, from: number, end: number): number {
  let q = from;
  while (q < end && (bytes[q] !== 0 || bytes[q + 1] !== 0)) q += 2;
  return q;
}

const NULL = Uint8Array.from('null', (c) => c.charCodeAt(0));

/**
 * The `data` member's JSON at `p`: the data text as a JSON string escaped as JSON Lines
 * rows are (`terminalSafeJson(JSON.stringify(dataText(type, data)))`), or `null`.
 * Room: `dataTextRoom(length)`. Returns the end.
 */
export function putJsonData(target: Uint8Array, p: number, type: number, bytes: Uint8Array, offset: number, length: number): number {
  const shape = dataTextShape(type, bytes, offset, length);
  if (shape === NO_TEXT) {
    target.set(NULL, p);
    return p + 4;
  }
  target[p++] = QUOTE;
  if (shape === ONE_STRING) {
    p = escapeJsonUtf16(target, p, bytes, offset, (length >> 1) - 1);
  } else if (shape === STRINGS) {
    const end = offset + length - 2;
    for (let from = offset; from < end; ) {
      const stop = nextNul(bytes, from, end);
      if (from > offset) {
        target[p++] = 0x5c;
        target[p++] = 0x6e;
      }
      p = escapeJsonUtf16(target, p, bytes, from, (stop - from) >> 1);
      from = stop + 2;
    }
  } else {
    p = putNumber(target, p, shape, bytes, offset);
  }
  target[p++] = QUOTE;
  return p;
}
