/**
 * The JSON writers of @hivetool/registry put text straight into a byte buffer (escaping by
 * runs of plain ASCII, hex and decimals stored four bytes at a time, constants as words).
 * Each must write the bytes of `JSON.stringify` of the decoded value (terminalSafeJson for
 * names and strings), at any position of the buffer, through flushes of the writer.
 */
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { Utf8Writer, ValueType, jsonValue, putDecimal, terminalSafeJson, toHex, writeDecimal, writeHexDigits, writeJsonUtf16, writeJsonValueOpen } from '@hivetool/registry';
import { runs } from '@hivetool/test-support';

/** What `write` puts into a writer of small pieces, after `skip` bytes of something else. */
function written(skip: number, write: (out: Utf8Writer) => void): Buffer {
  const pieces: Buffer[] = [];
  const out = new Utf8Writer((bytes) => pieces.push(Buffer.from(bytes)), 64);
  for (let i = 0; i < skip; i++) out.byte(0x2e);
  write(out);
  out.flush();
  return Buffer.concat(pieces).subarray(skip);
}

const units = (text: string): Uint8Array => {
  const bytes = new Uint8Array(2 * text.length);
  for (let i = 0; i < text.length; i++) {
    bytes[2 * i] = text.charCodeAt(i) & 0xff;
    bytes[2 * i + 1] = text.charCodeAt(i) >> 8;
  }
  return bytes;
};
const textOf = (bytes: Uint8Array, offset: number, count: number): string => {
  let text = '';
  for (let i = 0; i < count; i++) text += String.fromCharCode(bytes[offset + 2 * i]! | (bytes[offset + 2 * i + 1]! << 8));
  return text;
};

// Long runs of plain text, and every kind of unit the escaping treats apart: quotes,
// backslashes, C0 and C1 controls, DEL, bidirectional marks, 2- and 3-byte UTF-8, pairs
// and lone surrogates, NUL.
const pieceArbitrary = fc.oneof(
  fc.constantFrom('a', 'Key name 0123', 'x'.repeat(70), 'é', 'ÿ', 'Ā', '名', '😀', '\\', '"', '\n', '\t', '\b', '\f', '\r', '\u0000', '\u0001', '\u001f', '\u007f', '\u0080', '\u009f', '\u061c', '\u200b', '\u2028', '\u202e', '\u2066', '\ufeff', '\ud800', '\udbff', '\udc00', ' ', '/'),
  fc.string({ unit: 'binary', maxLength: 8 }),
);
const textArbitrary = fc.array(pieceArbitrary, { maxLength: 10 }).map((parts) => parts.join(''));

describe('JSON writers', () => {
  test('putDecimal writes String(n) for integers up to 2^53 − 1, at any alignment', () => {
    const edges = [0, 9, 10, 99, 100, 999, 1000, 9999, 10000, 99999, 9999999, 99999999, 100000000, 100000001, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 9e15 - 1, 9e15, 2 ** 53 - 1];
    const valueArbitrary = fc.oneof(fc.constantFrom(...edges), fc.nat(10000), fc.nat(), fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.maxSafeNat());
    fc.assert(
      fc.property(valueArbitrary, fc.nat(7), (value, at) => {
        const target = new Uint8Array(40).fill(0x2e);
        const end = putDecimal(target, at, value);
        expect(Buffer.from(target.subarray(at, end)).toString('latin1')).toBe(String(value));
        expect(target.subarray(0, at).every((byte) => byte === 0x2e)).toBe(true);
        expect(written(at, (out) => writeDecimal(out, value)).toString('latin1')).toBe(String(value));
      }),
      { seed: 26, numRuns: runs(1000) },
    );
  });

  test('writeHexDigits writes the lowercase hex of the bytes, odd lengths and positions included', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(7), (bytes, skip) => {
        expect(written(skip, (out) => writeHexDigits(out, bytes, 0, bytes.length)).toString('latin1')).toBe(toHex(bytes));
      }),
      { seed: 27, numRuns: runs(500) },
    );
  });

  test('writeJsonUtf16 writes the string as JSON.stringify does, terminal-safe', () => {
    fc.assert(
      fc.property(textArbitrary, fc.nat(7), (text, skip) => {
        const bytes = units(text);
        expect(written(skip, (out) => writeJsonUtf16(out, bytes, 0, text.length)).toString('utf8')).toBe(terminalSafeJson(JSON.stringify(text)));
      }),
      { seed: 28, numRuns: runs(1000) },
    );
  });

  test('writeJsonValueOpen writes JSON.stringify of jsonValue without its closing brace, for every type and shape of data', () => {
    // Data that decodes (terminated strings, string lists) and data that does not: a NUL
    // inside a string, an empty list member, a missing terminator, odd lengths, random bytes.
    const stringList = fc.array(textArbitrary, { maxLength: 4 }).map((items) => items.map((item) => item + '\0').join('') + '\0');
    const dataArbitrary = fc.oneof(
      textArbitrary.map((text) => units(text + '\0')),
      textArbitrary.map((text) => units(text)),
      stringList.map(units),
      fc.uint8Array({ maxLength: 64 }),
      fc.uint8Array({ minLength: 4, maxLength: 4 }),
      fc.uint8Array({ minLength: 8, maxLength: 8 }),
      fc.tuple(stringList, fc.nat(3)).map(([list, cut]) => units(list).subarray(0, Math.max(0, 2 * list.length - cut))),
    );
    const typeArbitrary = fc.constantFrom(ValueType.NONE, ValueType.SZ, ValueType.EXPAND_SZ, ValueType.BINARY, ValueType.DWORD, ValueType.DWORD_BIG_ENDIAN, ValueType.LINK, ValueType.MULTI_SZ, ValueType.QWORD, ValueType.MUI_SZ, 0x1234, 0xffff);
    fc.assert(
      fc.property(textArbitrary, typeArbitrary, fc.oneof(fc.constantFrom(0, 2), fc.nat(255), fc.nat(100000)), dataArbitrary, fc.nat(7), (name, type, flags, data, skip) => {
        // Name and data at odd places of one buffer, as in a hive file.
        const nameBytes = units(name);
        const file = new Uint8Array(3 + nameBytes.length + data.length);
        file.set(nameBytes, 1);
        file.set(data, 3 + nameBytes.length);
        const text = written(skip, (out) => writeJsonValueOpen(out, file, 1, name.length, type, flags, file, 3 + nameBytes.length, data.length)).toString('utf8');
        const object = jsonValue(textOf(file, 1, name.length), type, flags, data);
        expect(text + '}').toBe(terminalSafeJson(JSON.stringify(object)));
      }),
      { seed: 29, numRuns: runs(3000) },
    );
  });
});
