import { MAX_DATA_BYTES, MAX_NAME_UNITS, decodeUtf16, encodeUtf16 } from '@hivetool/registry';
import { HiveFormatError } from './errors.js';
import { HEADER_SIZE, HeaderOffset } from './header.js';
import { BLOCK_HEADER_SIZE, BlockType, DIRECTORY_OFFSET, HEAP_OFFSET, SECTION_TABLE_PAYLOAD, SLOTS_PER_SECTION } from './layout.js';
import { Hive, openHive } from './reader.js';
import { KeyField, ROOT_COUNT, ROOTS_PAYLOAD, ValueField, keyRecordProblem, valueRecordProblem } from './recordFields.js';
import { blockHeaderFits, blockSize, blockSizeStop, blockTypeOf, isFreeBlock } from './heap.js';

/**
 * A hive taken apart into its fields, keeping every byte the format guide does not
 * explain (unknown bits, stale log entries, padding, free-block contents) so that
 * `assembleHive(disassembleHive(hive))` gives back the input byte for byte. Byte fields
 * are views into the input, not copies.
 */
export interface HiveParts {
  header: HeaderParts;
  /** All 4096 u32 entries of 0x1000–0x4FFF, the ones after the list's end included. */
  directory: Uint32Array;
  blocks: BlockPart[];
  /**
   * The file's bytes after restoreStart (restore records, live or stale; format guide §3a),
   * as stored. Absent or empty for a file that ends at its hive.
   */
  restoreTail?: Uint8Array;
}

export interface HeaderParts {
  version: number;
  magic1: number;
  magic2: number;
  volumeGuid: Uint8Array;
  restoreFlags: number;
  restoreStart: number;
  restoreSize: number;
  romSignature: Uint8Array;
  unionRest: Uint8Array;
  passwordHash: Uint8Array;
  virtbase: number;
  logEntryCount: number;
  databaseRoot: number;
  registryHandle: number;
  bootSequence: number;
  flags: number;
  /** 0x0FC to the end of the page, stale entries included. */
  logArea: Uint8Array;
}

/** Fields every allocated block header has besides its type and size. */
interface BlockWords {
  /** Second header word: 0 in allocated blocks, kept as found. */
  zero: number;
  id: number;
}

export type BlockPart =
  | ({ kind: 'section'; slots: Uint32Array; freeHead: number; extra: Uint8Array } & BlockWords)
  | ({ kind: 'roots'; refs: number[]; extra: Uint8Array } & BlockWords)
  | ({ kind: 'key'; nextSibling: number; firstChild: number; firstValue: number; unknownByte: number; flags: number; name: string; padding: Uint8Array } & BlockWords)
  | ({ kind: 'value'; nextValue: number; type: number; flags: number; name: string; data: Uint8Array; padding: Uint8Array } & BlockWords)
  /** A free block: its size word as stored (low bit set) and its stale contents. */
  | ({ kind: 'free'; sizeWord: number; payload: Uint8Array } & BlockWords)
  /** A block of a type the registry does not use, or a record too malformed to split up. */
  | ({ kind: 'raw'; sizeType: number; payload: Uint8Array } & BlockWords)
  /**
   * Consecutive all-zero 12-byte blocks (zero-filled space, such as a file extended with
   * zeros), as one part: one part per 12 bytes would take far more memory than the file.
   */
  | { kind: 'zeros'; length: number }
  /** Bytes at the end of the file that do not form a whole block, or that pass the parts cap (`MAX_PARTS`). */
  | { kind: 'tail'; bytes: Uint8Array };

/**
 * Most parts a heap is split into; the rest of the heap is kept as one `tail`. A hive
 * holds at most 4096 section tables and 4096 × 1024 records, and as many free blocks; a
 * file with more blocks than that (tiny crafted blocks, say) is kept whole past this point
 * instead of costing a few hundred bytes of memory per block.
 */
export const MAX_PARTS = 3 * 4096 * 1025;

/**
 * Splits a hive (a `Hive`, or its bytes) into parts without judging it: a damaged heap ends
 * in a `tail` part rather than an error, so even a broken file is re-emitted as it was.
 *
 * @throws {HiveFormatError} only when the bytes cannot be opened as a hive (see `openHive`).
 */
export function disassembleHive(source: Hive | Uint8Array): HiveParts {
  const hive = source instanceof Hive ? source : openHive(source);
  hive.loadAll();
  const { bytes, view, header } = hive;
  const u32 = (offset: number): number => view.getUint32(offset, true);
  const directory = new Uint32Array(SLOTS_PER_SECTION * 4);
  for (let i = 0; i < directory.length; i++) directory[i] = u32(DIRECTORY_OFFSET + 4 * i);
  const blocks: BlockPart[] = [];
  // A walk that stops early leaves the rest of the heap as a tail part (nothing judged).
  let offset = HEAP_OFFSET;
  while (offset < bytes.length) {
    if (!blockHeaderFits(offset, bytes.length) || blocks.length >= MAX_PARTS) break;
    const sizeType = u32(offset);
    // A run of zero bytes (a zero-extended file) is one part, not one part per 12 bytes.
    if (sizeType === 0 && u32(offset + 4) === 0 && u32(offset + 8) === 0) {
      let zeros = offset + BLOCK_HEADER_SIZE;
      while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
      const length = (zeros - offset) - ((zeros - offset) % BLOCK_HEADER_SIZE);
      blocks.push({ kind: 'zeros', length });
      offset += length;
      continue;
    }
    const size = blockSize(sizeType);
    if (blockSizeStop(offset, size, bytes.length, false) !== undefined) break;
    const at = offset + BLOCK_HEADER_SIZE;
    const end = at + size;
    const words = { zero: u32(offset + 4), id: u32(offset + 8) };
    blocks.push(isFreeBlock(sizeType) ? { kind: 'free', sizeWord: sizeType, payload: bytes.subarray(at, end), ...words } : splitRecord(hive, blockTypeOf(sizeType), at, size, sizeType, words));
    offset = end;
  }
  if (offset < bytes.length) blocks.push({ kind: 'tail', bytes: bytes.subarray(offset) });
  return {
    header: {
      version: header.version,
      magic1: header.magic1,
      magic2: header.magic2,
      volumeGuid: header.volumeGuid,
      restoreFlags: header.restoreFlags,
      restoreStart: header.restoreStart,
      restoreSize: header.restoreSize,
      romSignature: header.romSignature,
      unionRest: header.unionRest,
      passwordHash: header.passwordHash,
      virtbase: header.virtbase,
      logEntryCount: header.logEntryCount,
      databaseRoot: header.databaseRoot,
      registryHandle: header.registryHandle,
      bootSequence: header.bootSequence,
      flags: header.flags,
      logArea: header.logArea,
    },
    directory,
    blocks,
    restoreTail: hive.file.subarray(hive.restore.restoreStart),
  };
}

function splitRecord(hive: Hive, type: number, at: number, size: number, sizeType: number, words: BlockWords): BlockPart {
  const { bytes, view } = hive;
  const u32 = (offset: number): number => view.getUint32(offset, true);
  const end = at + size;
  switch (type) {
    case BlockType.SECTION_TABLE:
      if (size < SECTION_TABLE_PAYLOAD) break;
      return {
        kind: 'section',
        slots: Uint32Array.from({ length: SLOTS_PER_SECTION }, (_, i) => u32(at + 4 * i)),
        freeHead: u32(at + 4 * SLOTS_PER_SECTION),
        extra: bytes.subarray(at + SECTION_TABLE_PAYLOAD, end),
        ...words,
      };
    case BlockType.ROOTS:
      if (size < ROOTS_PAYLOAD) break;
      return { kind: 'roots', refs: Array.from({ length: ROOT_COUNT }, (_, i) => u32(at + 4 * i)), extra: bytes.subarray(at + ROOTS_PAYLOAD, end), ...words };
    case BlockType.KEY: {
      const nameLength = size < KeyField.name ? 0 : bytes[at + KeyField.nameLength]!;
      if (keyRecordProblem(size, nameLength) !== undefined) break;
      const nameEnd = at + KeyField.name + 2 * nameLength;
      return {
        kind: 'key',
        nextSibling: u32(at + KeyField.nextSibling),
        firstChild: u32(at + KeyField.firstChild),
        firstValue: u32(at + KeyField.firstValue),
        unknownByte: bytes[at + KeyField.unknown]!,
        flags: view.getUint16(at + KeyField.flags, true),
        name: decodeUtf16(bytes, at + KeyField.name, nameLength),
        padding: bytes.subarray(nameEnd, end),
        ...words,
      };
    }
    case BlockType.VALUE: {
      const fixedFit = size >= ValueField.name;
      const nameLength = fixedFit ? bytes[at + ValueField.nameLength]! : 0;
      const dataLength = fixedFit ? view.getUint16(at + ValueField.dataLength, true) : 0;
      if (valueRecordProblem(size, nameLength, dataLength) !== undefined) break;
      const dataStart = at + ValueField.name + 2 * nameLength;
      const dataEnd = dataStart + dataLength;
      return {
        kind: 'value',
        nextValue: u32(at + ValueField.nextValue),
        type: view.getUint16(at + ValueField.type, true),
        flags: bytes[at + ValueField.flags]!,
        name: decodeUtf16(bytes, at + ValueField.name, nameLength),
        data: bytes.subarray(dataStart, dataEnd),
        padding: bytes.subarray(dataEnd, end),
        ...words,
      };
    }
  }
  return { kind: 'raw', sizeType, payload: bytes.subarray(at, end), ...words };
}

function blockLength(part: BlockPart): number {
  switch (part.kind) {
    case 'section':
      return BLOCK_HEADER_SIZE + SECTION_TABLE_PAYLOAD + part.extra.length;
    case 'roots':
      return BLOCK_HEADER_SIZE + ROOTS_PAYLOAD + part.extra.length;
    case 'key':
      return BLOCK_HEADER_SIZE + KeyField.name + 2 * part.name.length + part.padding.length;
    case 'value':
      return BLOCK_HEADER_SIZE + ValueField.name + 2 * part.name.length + part.data.length + part.padding.length;
    case 'free':
    case 'raw':
      return BLOCK_HEADER_SIZE + part.payload.length;
    case 'tail':
      return part.bytes.length;
    case 'zeros':
      return part.length;
  }
}

/**
 * Writes parts back into a file image, block after block from 0x5000.
 *
 * @throws {HiveFormatError} `LIMIT_EXCEEDED` for a name or data longer than a record can hold.
 */
export function assembleHive(parts: HiveParts): Uint8Array {
  let length = HEAP_OFFSET;
  for (const part of parts.blocks) {
    if ((part.kind === 'key' || part.kind === 'value') && part.name.length > MAX_NAME_UNITS) {
      throw new HiveFormatError('LIMIT_EXCEEDED', { what: `${part.kind} id ${part.id} name`, offset: 0, expected: `≤ ${MAX_NAME_UNITS} UTF-16 units`, actual: `${part.name.length}` });
    }
    if (part.kind === 'value' && part.data.length > MAX_DATA_BYTES) {
      throw new HiveFormatError('LIMIT_EXCEEDED', { what: `value id ${part.id} data`, offset: 0, expected: `≤ ${MAX_DATA_BYTES} bytes`, actual: `${part.data.length}` });
    }
    length += blockLength(part);
  }
  const hiveLength = length;
  length += parts.restoreTail?.length ?? 0;
  const bytes = new Uint8Array(length);
  const view = new DataView(bytes.buffer);
  const u32 = (offset: number, value: number): void => view.setUint32(offset, value >>> 0, true);
  const h = parts.header;
  u32(HeaderOffset.version, h.version);
  u32(HeaderOffset.magic1, h.magic1);
  u32(HeaderOffset.magic2, h.magic2);
  bytes.set(h.volumeGuid, HeaderOffset.volumeGuid);
  u32(HeaderOffset.restoreFlags, h.restoreFlags);
  u32(HeaderOffset.restoreStart, h.restoreStart);
  u32(HeaderOffset.restoreSize, h.restoreSize);
  bytes.set(h.romSignature, HeaderOffset.romSignature);
  bytes.set(h.unionRest, HeaderOffset.unionRest);
  bytes.set(h.passwordHash, HeaderOffset.passwordHash);
  u32(HeaderOffset.virtbase, h.virtbase);
  u32(HeaderOffset.logEntryCount, h.logEntryCount);
  u32(HeaderOffset.databaseRoot, h.databaseRoot);
  u32(HeaderOffset.registryHandle, h.registryHandle);
  u32(HeaderOffset.bootSequence, h.bootSequence);
  u32(HeaderOffset.flags, h.flags);
  bytes.set(h.logArea.subarray(0, HEADER_SIZE - HeaderOffset.logEntries), HeaderOffset.logEntries);
  parts.directory.forEach((entry, i) => u32(DIRECTORY_OFFSET + 4 * i, entry));

  let offset = HEAP_OFFSET;
  for (const part of parts.blocks) {
    const size = blockLength(part) - BLOCK_HEADER_SIZE;
    const at = offset + BLOCK_HEADER_SIZE;
    switch (part.kind) {
      case 'tail':
        bytes.set(part.bytes, offset);
        break;
      case 'zeros':
        break; // the new file is zero-filled
      case 'free':
        u32(offset, part.sizeWord);
        bytes.set(part.payload, at);
        break;
      case 'raw':
        u32(offset, part.sizeType);
        bytes.set(part.payload, at);
        break;
      case 'section':
        u32(offset, (BlockType.SECTION_TABLE << 28) | size);
        part.slots.forEach((slot, i) => u32(at + 4 * i, slot));
        u32(at + 4 * SLOTS_PER_SECTION, part.freeHead);
        bytes.set(part.extra, at + SECTION_TABLE_PAYLOAD);
        break;
      case 'roots':
        u32(offset, (BlockType.ROOTS << 28) | size);
        part.refs.forEach((ref, i) => u32(at + 4 * i, ref));
        bytes.set(part.extra, at + ROOTS_PAYLOAD);
        break;
      case 'key': {
        u32(offset, (BlockType.KEY << 28) | size);
        u32(at + KeyField.nextSibling, part.nextSibling);
        u32(at + KeyField.firstChild, part.firstChild);
        u32(at + KeyField.firstValue, part.firstValue);
        bytes[at + KeyField.nameLength] = part.name.length;
        bytes[at + KeyField.unknown] = part.unknownByte;
        view.setUint16(at + KeyField.flags, part.flags, true);
        bytes.set(encodeUtf16(part.name), at + KeyField.name);
        bytes.set(part.padding, at + KeyField.name + 2 * part.name.length);
        break;
      }
      case 'value': {
        u32(offset, (BlockType.VALUE << 28) | size);
        u32(at + ValueField.nextValue, part.nextValue);
        view.setUint16(at + ValueField.type, part.type, true);
        view.setUint16(at + ValueField.dataLength, part.data.length, true);
        bytes[at + ValueField.nameLength] = part.name.length;
        bytes[at + ValueField.flags] = part.flags;
        const nameBytes = encodeUtf16(part.name);
        bytes.set(nameBytes, at + ValueField.name);
        bytes.set(part.data, at + ValueField.name + nameBytes.length);
        bytes.set(part.padding, at + ValueField.name + nameBytes.length + part.data.length);
        break;
      }
    }
    if (part.kind !== 'tail' && part.kind !== 'zeros') {
      u32(offset + 4, part.zero);
      u32(offset + 8, part.id);
    }
    offset += size + BLOCK_HEADER_SIZE;
  }
  if (parts.restoreTail !== undefined) bytes.set(parts.restoreTail, hiveLength);
  return bytes;
}

/**
 * Re-emits a hive (a `Hive`, or its bytes) byte for byte from its parts (the lossless round trip).
 *
 * @throws {HiveFormatError} when the bytes cannot be opened as a hive (see `openHive`).
 */
export function rewriteHive(source: Hive | Uint8Array): Uint8Array {
  return assembleHive(disassembleHive(source));
}
