/**
 * Telling the encodings of .reg files apart, as regedit writes them: UTF-16LE with a BOM
 * (`Windows Registry Editor Version 5.00` exports), UTF-8, or ANSI (Windows-1252) for old
 * `REGEDIT4` files. The parser reads UTF-8 bytes; everything else is transcoded to them.
 */

export type RegTextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

export interface RegTextBytes {
  /** The text as UTF-8 (the input itself when it was UTF-8). */
  bytes: Uint8Array;
  encoding: RegTextEncoding;
  /** What the user should know about how the text was read, or undefined. */
  warning?: string;
}

export interface RegTextOptions {
  /** A faster strict UTF-8 check than the portable one (the CLI passes Node's `buffer.isUtf8`). */
  isUtf8?: (bytes: Uint8Array) => boolean;
}

/**
 * Offset of the first byte that starts no well-formed UTF-8 sequence (overlong forms,
 * surrogates and code points past U+10FFFF included), or -1 when all of `bytes` is UTF-8.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  const end = bytes.length;
  for (let p = 0; p < end; ) {
    const b = bytes[p]!;
    if (b < 0x80) {
      p++;
      continue;
    }
    let need: number;
    let low = 0x80;
    let high = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) low = 0xa0;
      if (b === 0xed) high = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) low = 0x90;
      if (b === 0xf4) high = 0x8f;
    } else return p;
    if (p + need >= end) return p;
    const second = bytes[p + 1]!;
    if (second < low || second > high) return p;
    for (let i = 2; i <= need; i++) if ((bytes[p + i]! & 0xc0) !== 0x80) return p;
    p += need + 1;
  }
  return -1;
}

/** 1-based line of byte `offset` (lines end at LF, CR LF or CR). */
export function lineAt(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let p = 0; p < offset; p++) {
    if (bytes[p] === 0x0a) line++;
    else if (bytes[p] === 0x0d && bytes[p + 1] !== 0x0a) line++;
  }
  return line;
}

/**
 * UTF-16 code units (`bigEndian` or not) from `start` as UTF-8; a lone surrogate is kept
 * as its 3-byte form, which the parser reads back as that unit (nothing is lost).
 */
function utf16ToUtf8(bytes: Uint8Array, start: number, bigEndian: boolean): Uint8Array {
  const units = (bytes.length - start) >> 1;
  const out = new Uint8Array(3 * units);
  const high = bigEndian ? 0 : 1;
  const low = 1 - high;
  let q = 0;
  for (let i = 0, p = start; i < units; i++, p += 2) {
    let point = bytes[p + low]! | (bytes[p + high]! << 8);
    if (point < 0x80) {
      out[q++] = point;
      continue;
    }
    if (point < 0x800) {
      out[q++] = 0xc0 | (point >> 6);
      out[q++] = 0x80 | (point & 0x3f);
      continue;
    }
    if (point >= 0xd800 && point <= 0xdbff && i + 1 < units) {
      const next = bytes[p + 2 + low]! | (bytes[p + 2 + high]! << 8);
      if (next >= 0xdc00 && next <= 0xdfff) {
        point = 0x10000 + ((point - 0xd800) << 10) + (next - 0xdc00);
        out[q++] = 0xf0 | (point >> 18);
        out[q++] = 0x80 | ((point >> 12) & 0x3f);
        out[q++] = 0x80 | ((point >> 6) & 0x3f);
        out[q++] = 0x80 | (point & 0x3f);
        i++;
        p += 2;
        continue;
      }
    }
    out[q++] = 0xe0 | (point >> 12);
    out[q++] = 0x80 | ((point >> 6) & 0x3f);
    out[q++] = 0x80 | (point & 0x3f);
  }
  return out.subarray(0, q);
}

let ansiTable: Uint16Array | undefined;

/** Windows-1252 bytes as UTF-8. */
function ansiToUtf8(bytes: Uint8Array): Uint8Array {
  if (ansiTable === undefined) {
    const high = new TextDecoder('windows-1252').decode(Uint8Array.from({ length: 128 }, (_, i) => 0x80 + i));
    ansiTable = Uint16Array.from(high, (c) => c.charCodeAt(0));
  }
  const out = new Uint8Array(3 * bytes.length);
  let q = 0;
  for (let p = 0; p < bytes.length; p++) {
    const b = bytes[p]!;
    if (b < 0x80) {
      out[q++] = b;
      continue;
    }
    const point = ansiTable[b - 0x80]!;
    if (point < 0x800) {
      out[q++] = 0xc0 | (point >> 6);
      out[q++] = 0x80 | (point & 0x3f);
    } else {
      out[q++] = 0xe0 | (point >> 12);
      out[q++] = 0x80 | ((point >> 6) & 0x3f);
      out[q++] = 0x80 | (point & 0x3f);
    }
  }
  return out.subarray(0, q);
}

/**
 * UTF-16 without a byte-order mark, by its zero bytes: .reg text is mostly ASCII, so one
 * byte of nearly every unit is zero, always the same one. Returns the byte order or undefined.
 */
export function bomlessUtf16(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  const sample = Math.min(bytes.length, 4096) & ~1;
  if (sample < 4) return undefined;
  let evenZeros = 0;
  let oddZeros = 0;
  for (let p = 0; p < sample; p += 2) {
    if (bytes[p] === 0) evenZeros++;
    if (bytes[p + 1] === 0) oddZeros++;
  }
  const units = sample / 2;
  if (oddZeros >= 0.6 * units && evenZeros === 0) return 'utf-16le';
  if (evenZeros >= 0.6 * units && oddZeros === 0) return 'utf-16be';
  return undefined;
}

/** The warning for UTF-16 text read without a byte-order mark (`build` and `compile` alike). */
export function bomlessUtf16Warning(encoding: 'utf-16le' | 'utf-16be'): string {
  return `UTF-16 ${encoding === 'utf-16le' ? 'little' : 'big'}-endian text without a byte-order mark; read as ${encoding.toUpperCase()}`;
}

/**
 * The .reg file `bytes` as UTF-8 for `RegTreeBuilder.applyBytes`: UTF-16 (a BOM of either
 * byte order, or none, told by its zero bytes) is transcoded; UTF-8 is used as it is; what
 * is not valid UTF-8 is read as Windows-1252, as regedit reads ANSI files, with a warning
 * naming the first line that is not UTF-8.
 */
export function regTextBytes(bytes: Uint8Array, options: RegTextOptions = {}): RegTextBytes {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { bytes: utf16ToUtf8(bytes, 2, false), encoding: 'utf-16le' };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    return { bytes: utf16ToUtf8(bytes, 2, true), encoding: 'utf-16be', warning: 'UTF-16 big-endian text (regedit writes little-endian); read as UTF-16BE' };
  }
  const bomless = bomlessUtf16(bytes);
  if (bomless !== undefined) {
    return { bytes: utf16ToUtf8(bytes, 0, bomless === 'utf-16be'), encoding: bomless, warning: bomlessUtf16Warning(bomless) };
  }
  const valid = options.isUtf8 !== undefined ? options.isUtf8(bytes) : firstInvalidUtf8(bytes) < 0;
  if (valid) return { bytes, encoding: 'utf-8' };
  const invalid = firstInvalidUtf8(bytes);
  if (invalid < 0) return { bytes, encoding: 'utf-8' };
  const line = lineAt(bytes, invalid);
  return {
    bytes: ansiToUtf8(bytes),
    encoding: 'windows-1252',
    warning: `line ${line} is not valid UTF-8 (byte 0x${bytes[invalid]!.toString(16).padStart(2, '0')}); the whole file is read as Windows-1252 (ANSI): save it as UTF-8 if that is wrong`,
  };
}
