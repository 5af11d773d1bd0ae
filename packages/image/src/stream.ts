import crc32 from 'crc/calculators/crc32';
import { type HiveTree, type TreeKey } from '@hivetool/registry';
import { ByteReader, ByteWriter } from './bytes.js';
import { ImageFormatError } from './errors.js';
import { STREAM_MAGIC, expectFormat } from './identify.js';
import { isPersisted, persistentRoots, resolveImageLimits, type ImageLimits } from './treeModel.js';

/**
 * OEM stream: hivetool's layout for the bytes the OS hands to `WriteRegistryToOEM` and
 * reads back with `ReadRegistryFromOEM` (docs/formats/oem-stream.md). Unlike the image,
 * it is a sequence of self-delimiting records that can be produced and consumed in one
 * pass, front to back, before any file system exists; a CRC-32 trailer closes it.
 *
 * Header (16 bytes): magic "HVOEMREG", u16 version (1), u16 header size (16), u32 flags (0).
 * Records, each starting with a tag byte:
 *   'R' 0x52  root:   u8 root index (0 HKCR, 1 HKCU, 2 HKLM, 3 HKU)
 *   'K' 0x4B  key:    u16 flags, u16 name units, name (UTF-16LE); opens the key
 *   'V' 0x56  value:  u16 type, u8 flags, u16 name units, u32 data length, name, data
 *   'E' 0x45  end:    closes the innermost open key
 *   'Z' 0x5A  trailer: u32 key count, u32 value count, u32 length of everything before the
 *                      trailer, u32 CRC-32 (ISO-HDLC) of everything before the trailer
 */
export const STREAM_VERSION = 1;
export const STREAM_HEADER_SIZE = 16;
export const TRAILER_SIZE = 17;
// Trailer fields, from the trailer's tag byte.
const TRAILER_LENGTH_AT = 9;
const TRAILER_CRC_AT = 13;

export const StreamTag = { ROOT: 0x52, KEY: 0x4b, VALUE: 0x56, END: 0x45, TRAILER: 0x5a } as const;

/** CRC-32 (ISO-HDLC, as zlib) of `bytes`, unsigned. */
export function crc32Of(bytes: Uint8Array): number {
  return crc32(bytes) >>> 0;
}

/** Encodes a registry as an OEM stream; deterministic; volatile keys left out. */
export function encodeOemStream(tree: HiveTree): Uint8Array {
  const out = new ByteWriter();
  out.bytes(STREAM_MAGIC);
  out.u16(STREAM_VERSION);
  out.u16(STREAM_HEADER_SIZE);
  out.u32(0);
  let keyCount = 0;
  let valueCount = 0;
  for (const root of persistentRoots(tree)) {
    out.u8(StreamTag.ROOT);
    out.u8(root.index);
    // Stack items: a key to open, or the marker that closes one.
    const stack: Array<TreeKey | null> = [];
    for (let i = root.keys.length - 1; i >= 0; i--) stack.push(root.keys[i]!);
    while (stack.length > 0) {
      const key = stack.pop()!;
      if (key === null) {
        out.u8(StreamTag.END);
        continue;
      }
      keyCount++;
      out.u8(StreamTag.KEY);
      out.u16(key.flags ?? 0);
      out.u16(key.name.length);
      out.utf16(key.name);
      for (const value of key.values ?? []) {
        valueCount++;
        out.u8(StreamTag.VALUE);
        out.u16(value.type);
        out.u8(value.flags ?? 0);
        out.u16(value.name.length);
        out.u32(value.data.length);
        out.utf16(value.name);
        out.bytes(value.data);
      }
      stack.push(null);
      const subkeys = (key.subkeys ?? []).filter(isPersisted);
      for (let i = subkeys.length - 1; i >= 0; i--) stack.push(subkeys[i]!);
    }
  }
  out.u8(StreamTag.TRAILER);
  out.u32(keyCount);
  out.u32(valueCount);
  out.u32(0); // length and CRC-32: sealStream fills them in
  out.u32(0);
  const bytes = out.result().slice();
  sealStream(bytes);
  return bytes;
}

/**
 * Writes the trailer's tag, length and CRC-32 over the last TRAILER_SIZE bytes, for the
 * bytes before them (the counts are left as they are): the encoder's last step, and how
 * tools make a stream whose records are damaged but whose checksum holds.
 */
export function sealStream(bytes: Uint8Array): void {
  const trailer = bytes.length - TRAILER_SIZE;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  bytes[trailer] = StreamTag.TRAILER;
  view.setUint32(trailer + TRAILER_LENGTH_AT, trailer, true);
  view.setUint32(trailer + TRAILER_CRC_AT, crc32Of(bytes.subarray(0, trailer)), true);
}

/** Counts and checks of a stream that decoded. */
export interface OemStreamInfo {
  keyCount: number;
  valueCount: number;
  length: number;
  crc32: number;
}

/**
 * The trailer's fields of a stream `encodeOemStream` made, read without checking or
 * decoding anything (for a summary of what was just written).
 */
export function oemStreamTrailer(bytes: Uint8Array): OemStreamInfo {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const trailer = bytes.length - TRAILER_SIZE;
  return { keyCount: view.getUint32(trailer + 1, true), valueCount: view.getUint32(trailer + 5, true), length: bytes.length, crc32: view.getUint32(trailer + TRAILER_CRC_AT, true) };
}

/**
 * Checks an OEM stream (magic, version, trailer, CRC-32) and decodes it into a tree;
 * value data are views into `bytes`.
 *
 * @throws {ImageFormatError} `WRONG_FORMAT` (naming what the file is), `TRUNCATED`,
 * `CHECKSUM_MISMATCH`, `BAD_RECORD`, `COUNT_MISMATCH`, `LIMIT_EXCEEDED`.
 */
export function decodeOemStream(bytes: Uint8Array, limits: Partial<ImageLimits> = {}): { tree: HiveTree; info: OemStreamInfo } {
  const { maxDepth, maxKeys, maxValues } = resolveImageLimits(limits);
  expectFormat(bytes, 'oem-stream');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < STREAM_HEADER_SIZE + TRAILER_SIZE) {
    throw new ImageFormatError('TRUNCATED', { what: 'OEM stream shorter than its header and trailer', offset: bytes.length, expected: `≥ ${STREAM_HEADER_SIZE + TRAILER_SIZE} bytes`, actual: `${bytes.length}` });
  }
  const version = view.getUint16(8, true);
  if (version !== STREAM_VERSION) throw new ImageFormatError('UNSUPPORTED_VERSION', { what: 'OEM stream format version', offset: 8, expected: `${STREAM_VERSION}`, actual: `${version}` });
  if (view.getUint16(10, true) !== STREAM_HEADER_SIZE || view.getUint32(12, true) !== 0) {
    throw new ImageFormatError('BAD_RECORD', { what: 'OEM stream header size and flags', offset: 10, expected: `${STREAM_HEADER_SIZE} and 0` });
  }
  const trailer = bytes.length - TRAILER_SIZE;
  if (bytes[trailer] !== StreamTag.TRAILER || view.getUint32(trailer + TRAILER_LENGTH_AT, true) !== trailer) {
    throw new ImageFormatError('TRUNCATED', { what: 'OEM stream has no trailer at its end: it was cut short (a partial save) or has bytes appended', offset: trailer });
  }
  const crc = view.getUint32(trailer + TRAILER_CRC_AT, true);
  if (crc32Of(bytes.subarray(0, trailer)) !== crc) {
    throw new ImageFormatError('CHECKSUM_MISMATCH', { what: 'OEM stream CRC-32: the stream is damaged', offset: trailer + TRAILER_CRC_AT });
  }
  const info: OemStreamInfo = { keyCount: 0, valueCount: 0, length: bytes.length, crc32: crc };
  const tree: HiveTree = { roots: {} };
  const reader = new ByteReader(bytes, STREAM_HEADER_SIZE, trailer, 'OEM stream');
  let rootKeys: TreeKey[] | undefined;
  const open: TreeKey[] = [];
  while (reader.position < trailer) {
    const at = reader.position;
    const tag = reader.u8('record tag');
    switch (tag) {
      case StreamTag.ROOT: {
        if (open.length > 0) throw new ImageFormatError('BAD_RECORD', { what: 'root record while keys are still open', offset: at });
        const index = reader.u8('root index');
        if (index > 7 || tree.roots[index] !== undefined) throw new ImageFormatError('BAD_RECORD', { what: `root index ${index} out of range or repeated`, offset: at });
        rootKeys = [];
        tree.roots[index] = rootKeys;
        break;
      }
      case StreamTag.KEY: {
        if (rootKeys === undefined) throw new ImageFormatError('BAD_RECORD', { what: 'key record before any root record', offset: at });
        const flags = reader.u16('key flags');
        const units = reader.u16('key name length');
        const key: TreeKey = { name: reader.utf16(units, 'key name'), flags, values: [], subkeys: [] };
        (open.length === 0 ? rootKeys : open[open.length - 1]!.subkeys!).push(key);
        if (open.length + 1 > maxDepth) throw new ImageFormatError('LIMIT_EXCEEDED', { what: `key nesting deeper than ${maxDepth}`, offset: at });
        open.push(key);
        if (++info.keyCount > maxKeys) throw new ImageFormatError('LIMIT_EXCEEDED', { what: `more than ${maxKeys} keys`, offset: at });
        break;
      }
      case StreamTag.VALUE: {
        const key = open[open.length - 1];
        if (key === undefined) throw new ImageFormatError('BAD_RECORD', { what: 'value record outside any key', offset: at });
        const type = reader.u16('value type');
        const flags = reader.u8('value flags');
        const units = reader.u16('value name length');
        const dataLength = reader.u32('value data length');
        const name = reader.utf16(units, 'value name');
        key.values!.push({ name, type, flags, data: reader.slice(dataLength, 'value data') });
        if (++info.valueCount > maxValues) throw new ImageFormatError('LIMIT_EXCEEDED', { what: `more than ${maxValues} values`, offset: at });
        break;
      }
      case StreamTag.END:
        if (open.pop() === undefined) throw new ImageFormatError('BAD_RECORD', { what: 'end record with no open key', offset: at });
        break;
      default:
        throw new ImageFormatError('BAD_RECORD', { what: `unknown record tag 0x${tag.toString(16)}`, offset: at });
    }
  }
  if (open.length > 0) throw new ImageFormatError('BAD_RECORD', { what: `${open.length} key(s) not closed before the trailer`, offset: trailer });
  const { keyCount: keys, valueCount: values } = oemStreamTrailer(bytes);
  if (keys !== info.keyCount || values !== info.valueCount) {
    throw new ImageFormatError('COUNT_MISMATCH', { what: 'OEM stream trailer counts', offset: trailer + 1, expected: `${keys} keys, ${values} values`, actual: `${info.keyCount} keys, ${info.valueCount} values` });
  }
  return { tree, info };
}
