import { sha256 } from '@noble/hashes/sha2';
import { ROOT_COUNT, rootName, type HiveTree, type TreeKey } from '@hivetool/registry';
import { ByteReader, ByteWriter } from './bytes.js';
import { ImageFormatError } from './errors.js';
import { IMAGE_MAGIC, expectFormat } from './identify.js';
import { isPersisted, persistentRoots, resolveImageLimits, type ImageLimits } from './treeModel.js';

/**
 * Registry image: hivetool's layout for what `RegCopyFile` writes and `RegRestoreFile`
 * restores (docs/formats/image.md). All integers little-endian.
 *
 *   0  8  magic "HVREGIMG"
 *   8  2  format version (1)
 *  10  2  header size (48)
 *  12  4  flags (0)
 *  16  4  payload length
 *  20  4  key count
 *  24  4  value count
 *  28  4  reserved (0)
 *  32 16  digest: the first 16 bytes of SHA-256 over bytes 0–31 and the payload
 *  48     payload
 */
export const IMAGE_VERSION = 1;
export const IMAGE_HEADER_SIZE = 48;
const DIGEST_OFFSET = 32;
const DIGEST_SIZE = 16;

/** A key record's fixed part: flags, name units, value count, subkey count. */
const KEY_FIXED = 12;
/** A value record's fixed part: type, flags, reserved, name units, reserved, data length. */
const VALUE_FIXED = 12;

function digestOf(header: Uint8Array, payload: Uint8Array): Uint8Array {
  return sha256.create().update(header.subarray(0, DIGEST_OFFSET)).update(payload).digest().subarray(0, DIGEST_SIZE);
}

/**
 * Encodes a registry as an image. Deterministic: the same tree gives the same bytes.
 * Volatile keys are left out with their subtrees, as at shutdown.
 *
 * Payload: a root mask byte (bit i: root i present), then per present root a u32 count
 * of top-level keys and the keys in pre-order. A key: u16 flags, u16 name units, u32 value
 * count, u32 subkey count, the name (UTF-16LE), its values, then its subkeys. A value:
 * u16 type, u8 flags, u8 0, u16 name units, u16 0, u32 data length, name, data.
 */
export function encodeImage(tree: HiveTree): Uint8Array {
  const out = new ByteWriter();
  for (let i = 0; i < IMAGE_HEADER_SIZE; i++) out.u8(0);
  const roots = persistentRoots(tree);
  let mask = 0;
  for (const root of roots) mask |= 1 << root.index;
  out.u8(mask);
  let keyCount = 0;
  let valueCount = 0;
  for (const root of roots) {
    out.u32(root.keys.length);
    const stack: TreeKey[] = [...root.keys].reverse();
    while (stack.length > 0) {
      const key = stack.pop()!;
      const values = key.values ?? [];
      const subkeys = (key.subkeys ?? []).filter(isPersisted);
      keyCount++;
      out.u16(key.flags ?? 0);
      out.u16(key.name.length);
      out.u32(values.length);
      out.u32(subkeys.length);
      out.utf16(key.name);
      for (const value of values) {
        valueCount++;
        out.u16(value.type);
        out.u8(value.flags ?? 0);
        out.u8(0);
        out.u16(value.name.length);
        out.u16(0);
        out.u32(value.data.length);
        out.utf16(value.name);
        out.bytes(value.data);
      }
      for (let i = subkeys.length - 1; i >= 0; i--) stack.push(subkeys[i]!);
    }
  }
  const bytes = out.result().slice();
  const view = new DataView(bytes.buffer);
  bytes.set(IMAGE_MAGIC, 0);
  view.setUint16(8, IMAGE_VERSION, true);
  view.setUint16(10, IMAGE_HEADER_SIZE, true);
  view.setUint32(20, keyCount, true);
  view.setUint32(24, valueCount, true);
  sealImage(bytes);
  return bytes;
}

/**
 * Writes an image's payload length and digest for its bytes as they stand: the encoder's
 * last step, and how tools make an image whose records are damaged but whose checksum
 * holds (so that what lies behind the digest check can be tested).
 */
export function sealImage(bytes: Uint8Array): void {
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(16, bytes.length - IMAGE_HEADER_SIZE, true);
  bytes.set(digestOf(bytes, bytes.subarray(IMAGE_HEADER_SIZE)), DIGEST_OFFSET);
}

/** A key of a decoded image, read in place; `data` of its values are views into the image. */
export interface ImageKey {
  /** Offset of the key record in the image. */
  offset: number;
  flags: number;
  name: string;
  /** Where the name's UTF-16LE units are in the image, and how many. */
  nameOffset: number;
  nameLength: number;
  values: ImageValue[];
}

export interface ImageValue {
  offset: number;
  name: string;
  /** Where the name's UTF-16LE units are in the image, and how many. */
  nameOffset: number;
  nameLength: number;
  type: number;
  flags: number;
  /** A view into the image, at `dataOffset`. */
  data: Uint8Array;
  dataOffset: number;
}

export interface ImageVisitor {
  key(key: ImageKey, path: string, depth: number): void;
}

/** A checked registry image over the caller's bytes. */
export class RegistryImage {
  readonly keyCount: number;
  readonly valueCount: number;
  readonly version: number;

  constructor(
    readonly bytes: Uint8Array,
    private readonly limits: ImageLimits,
  ) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.version = view.getUint16(8, true);
    this.keyCount = view.getUint32(20, true);
    this.valueCount = view.getUint32(24, true);
  }

  /**
   * Walks the registry in pre-order, iteratively; names are decoded as keys are visited
   * and value data are views into the image.
   */
  walk(visitor: ImageVisitor): void {
    walkPayload(this.bytes, this.limits, visitor);
  }

  /** The whole registry as a tree (value data still views into the image). */
  toTree(): HiveTree {
    const tree: HiveTree = { roots: {} };
    const open: TreeKey[] = [];
    walkPayload(this.bytes, this.limits, {
      key(key, path, depth) {
        const node: TreeKey = { name: key.name, flags: key.flags, values: key.values.map((v) => ({ name: v.name, type: v.type, data: v.data, flags: v.flags })), subkeys: [] };
        if (depth === 1) {
          const root = ROOT_INDEX.get(path.slice(0, path.indexOf('\\')))!;
          (tree.roots[root] ??= []).push(node);
        } else {
          open[depth - 2]!.subkeys!.push(node);
        }
        open.length = depth - 1;
        open.push(node);
      },
    });
    return tree;
  }
}

const ROOT_NAMES = Array.from({ length: ROOT_COUNT }, (_, index) => rootName(index));
const ROOT_INDEX = new Map(ROOT_NAMES.map((name, index) => [name, index]));

/**
 * Checks an image (magic, version, sizes, digest) and returns it for reading. The check
 * reads every byte once (the digest); the registry itself is read only when walked.
 *
 * @throws {ImageFormatError} `WRONG_FORMAT` (with what the file is instead),
 * `UNSUPPORTED_VERSION`, `TRUNCATED`, `TRAILING_BYTES`, `CHECKSUM_MISMATCH`.
 */
export function openImage(bytes: Uint8Array, limits: Partial<ImageLimits> = {}): RegistryImage {
  expectFormat(bytes, 'image');
  if (bytes.length < IMAGE_HEADER_SIZE) {
    throw new ImageFormatError('TRUNCATED', { what: 'registry image header', offset: 0, expected: `${IMAGE_HEADER_SIZE} bytes`, actual: `${bytes.length}` });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(8, true);
  if (version !== IMAGE_VERSION) throw new ImageFormatError('UNSUPPORTED_VERSION', { what: 'registry image format version', offset: 8, expected: `${IMAGE_VERSION}`, actual: `${version}` });
  const headerSize = view.getUint16(10, true);
  if (headerSize !== IMAGE_HEADER_SIZE) throw new ImageFormatError('BAD_RECORD', { what: 'registry image header size', offset: 10, expected: `${IMAGE_HEADER_SIZE}`, actual: `${headerSize}` });
  if (view.getUint32(12, true) !== 0 || view.getUint32(28, true) !== 0) {
    throw new ImageFormatError('BAD_RECORD', { what: 'registry image flags and reserved field must be 0', offset: 12 });
  }
  const payloadLength = view.getUint32(16, true);
  const actual = bytes.length - IMAGE_HEADER_SIZE;
  if (payloadLength > actual) throw new ImageFormatError('TRUNCATED', { what: 'registry image payload (the file is cut short)', offset: bytes.length, expected: `${payloadLength} bytes`, actual: `${actual}` });
  if (payloadLength < actual) throw new ImageFormatError('TRAILING_BYTES', { what: 'bytes after the registry image payload', offset: IMAGE_HEADER_SIZE + payloadLength, expected: `${payloadLength} bytes`, actual: `${actual}` });
  const digest = digestOf(bytes, bytes.subarray(IMAGE_HEADER_SIZE));
  for (let i = 0; i < DIGEST_SIZE; i++) {
    if (digest[i] !== bytes[DIGEST_OFFSET + i]) {
      throw new ImageFormatError('CHECKSUM_MISMATCH', { what: 'registry image digest (SHA-256): the image is damaged', offset: DIGEST_OFFSET });
    }
  }
  const resolved = resolveImageLimits(limits);
  const image = new RegistryImage(bytes, resolved);
  const { maxKeys, maxValues } = resolved;
  if (image.keyCount > maxKeys || image.valueCount > maxValues) {
    const expected = maxKeys === maxValues ? `at most ${maxKeys} of each` : `at most ${maxKeys} keys and ${maxValues} values`;
    throw new ImageFormatError('LIMIT_EXCEEDED', { what: `registry image claims ${image.keyCount} keys and ${image.valueCount} values`, offset: 20, expected });
  }
  // Structure and counts are checked by one walk up front, so that a well-formed digest
  // over malformed records (a hand-made file) is still refused here, not half-way through a dump.
  let keys = 0;
  let values = 0;
  image.walk({
    key(key) {
      keys++;
      values += key.values.length;
    },
  });
  if (keys !== image.keyCount || values !== image.valueCount) {
    throw new ImageFormatError('COUNT_MISMATCH', { what: 'registry image key and value counts', offset: 20, expected: `${image.keyCount} keys, ${image.valueCount} values`, actual: `${keys} keys, ${values} values` });
  }
  return image;
}

function walkPayload(bytes: Uint8Array, limits: ImageLimits, visitor: ImageVisitor): void {
  const reader = new ByteReader(bytes, IMAGE_HEADER_SIZE, bytes.length, 'registry image');
  const mask = reader.u8('root mask');
  // Per open key: how many subkeys are still to read, and its path.
  const remaining: number[] = [];
  const paths: string[] = [];
  for (let root = 0; root < ROOT_COUNT; root++) {
    if ((mask & (1 << root)) === 0) continue;
    const top = reader.u32('top-level key count');
    remaining.length = 0;
    paths.length = 0;
    remaining.push(top);
    paths.push(ROOT_NAMES[root]!);
    while (remaining.length > 0) {
      if (remaining[remaining.length - 1] === 0) {
        remaining.pop();
        paths.pop();
        continue;
      }
      remaining[remaining.length - 1]!--;
      const offset = reader.position;
      const flags = reader.u16('key flags');
      const nameUnits = reader.u16('key name length');
      const valueCount = reader.u32('value count');
      const subkeyCount = reader.u32('subkey count');
      const nameOffset = reader.position;
      const name = reader.utf16(nameUnits, 'key name');
      // Every value needs at least its fixed part: a count larger than the bytes left is
      // refused before anything is allocated for it.
      if (valueCount * VALUE_FIXED > reader.end - reader.position || subkeyCount * KEY_FIXED > reader.end - reader.position) {
        throw new ImageFormatError('BAD_RECORD', { what: `key "${name}": value or subkey count larger than the image`, offset, actual: `${valueCount} values, ${subkeyCount} subkeys` });
      }
      const values: ImageValue[] = [];
      for (let i = 0; i < valueCount; i++) {
        const valueOffset = reader.position;
        const type = reader.u16('value type');
        const valueFlags = reader.u8('value flags');
        const reserved = reader.u8('reserved');
        const valueNameUnits = reader.u16('value name length');
        const reserved2 = reader.u16('reserved');
        if (reserved !== 0 || reserved2 !== 0) throw new ImageFormatError('BAD_RECORD', { what: 'value record reserved fields must be 0', offset: valueOffset });
        const dataLength = reader.u32('value data length');
        const valueNameOffset = reader.position;
        const valueName = reader.utf16(valueNameUnits, 'value name');
        const dataOffset = reader.position;
        values.push({ offset: valueOffset, name: valueName, nameOffset: valueNameOffset, nameLength: valueNameUnits, type, flags: valueFlags, data: reader.slice(dataLength, 'value data'), dataOffset });
      }
      const path = paths[paths.length - 1]! + '\\' + name;
      const depth = paths.length;
      visitor.key({ offset, flags, name, nameOffset, nameLength: nameUnits, values }, path, depth);
      if (subkeyCount > 0) {
        if (depth + 1 > limits.maxDepth) throw new ImageFormatError('LIMIT_EXCEEDED', { what: `key nesting deeper than ${limits.maxDepth}`, offset });
        remaining.push(subkeyCount);
        paths.push(path);
      }
    }
  }
  if (reader.position !== reader.end) {
    throw new ImageFormatError('TRAILING_BYTES', { what: 'bytes after the last key of the registry image', offset: reader.position });
  }
}

/** Decodes an image into a tree in one call. @throws {ImageFormatError} */
export function decodeImage(bytes: Uint8Array, limits: Partial<ImageLimits> = {}): HiveTree {
  return openImage(bytes, limits).toTree();
}


