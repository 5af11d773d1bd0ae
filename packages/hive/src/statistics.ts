import { walkHeap, type HeapBlock } from './heap.js';
import { HIVE_VERSION } from './header.js';
import { BLOCK_HEADER_SIZE, BlockType, DIRECTORY_OFFSET, PAGE_SIZE, SLOTS_PER_SECTION, blockTypeName } from './layout.js';
import { KNOWN_KEY_FLAGS, KeyField, ValueField } from './records.js';
import { Store, refStore } from './references.js';
import { freeSlotUnknownBits, isSlotUsed, slotUnknownBits } from './sections.js';
import { Hive, openHive } from './reader.js';
import { walkTree } from './walk.js';
import { isHiveFormatError, type HiveFormatError } from './errors.js';

/** Bits the format guide does not explain, seen in one field; kept, and reported here. */
export interface UnknownBitsSeen {
  /** Field name as in the format guide (`slot bits 28-31`, `key flags`…). */
  field: string;
  /** How many records carry them. */
  count: number;
  /** File offset of the first occurrence. */
  firstOffset: number;
  /** Distinct values seen (the unknown bits only), at most 8. */
  values: number[];
}

export interface HiveStatistics {
  /** Length of the file, restore records after the hive included. */
  fileLength: number;
  /** Length of the hive: restoreStart, where the heap ends. */
  hiveLength: number;
  /** The hive's length is a multiple of 4096, as in every real sample. */
  pageAligned: boolean;
  sectionCount: number;
  slots: { used: number; free: number };
  blocks: {
    sectionTables: number;
    roots: number;
    keys: number;
    values: number;
    free: number;
    freeBytes: number;
    /** Blocks of types the guide lists as database types or does not list, by type name. */
    other: Record<string, number>;
  };
  /** Records reachable from the roots (a persistent hive without its ROM: file records only). */
  reachable: { keys: number; values: number; unresolvedLinks: number };
  /** Value blocks in the heap by type number. */
  valueTypes: Record<number, number>;
  unknownBits: UnknownBitsSeen[];
}

class UnknownBitsLog {
  private readonly byField = new Map<string, UnknownBitsSeen>();

  note(field: string, offset: number, value: number): void {
    let seen = this.byField.get(field);
    if (seen === undefined) {
      seen = { field, count: 0, firstOffset: offset, values: [] };
      this.byField.set(field, seen);
    }
    seen.count++;
    if (seen.values.length < 8 && !seen.values.includes(value)) seen.values.push(value);
  }

  list(): UnknownBitsSeen[] {
    return [...this.byField.values()];
  }
}

function isZero(bytes: Uint8Array): boolean {
  for (const byte of bytes) if (byte !== 0) return false;
  return true;
}

export interface StatisticsOptions {
  /**
   * Called with the error that stopped a pass (`heap`, `sections` or `tree`); the other
   * passes still run, and the counts of a stopped pass are those made before the error.
   * Without it, the first error is thrown.
   */
  onError?: (error: HiveFormatError, pass: 'heap' | 'sections' | 'tree') => void;
}

/**
 * Counts everything in a hive: one pass over the heap, one over the section tables and
 * one walk of the tree from the roots.
 *
 * @throws {HiveFormatError} if the heap does not tile or the tree is broken (unless
 * `onError` is given).
 */
export function hiveStatistics(source: Hive | Uint8Array, options: StatisticsOptions = {}): HiveStatistics {
  const hive = source instanceof Hive ? source : openHive(source);
  const pass = (name: 'heap' | 'sections' | 'tree', run: () => void): void => {
    if (options.onError === undefined) return run();
    try {
      run();
    } catch (error) {
      if (!isHiveFormatError(error)) throw error;
      options.onError(error, name);
    }
  };
  hive.loadAll();
  const { bytes, view, header } = hive;
  const unknown = new UnknownBitsLog();
  if (header.version !== HIVE_VERSION) unknown.note('header version', 0, header.version);
  if (header.magic1 !== 0) unknown.note('header magic1', 0x004, header.magic1);
  if (!isZero(header.unionRest)) unknown.note('header union 0x038-0x0d3', 0x038, 0);
  const entry0 = view.getUint32(DIRECTORY_OFFSET, true);
  if (entry0 !== 0) unknown.note('section directory entry 0', DIRECTORY_OFFSET, entry0);

  const stats: HiveStatistics = {
    fileLength: hive.file.length,
    hiveLength: bytes.length,
    pageAligned: bytes.length % PAGE_SIZE === 0,
    sectionCount: hive.sectionCount,
    slots: { used: 0, free: 0 },
    blocks: { sectionTables: 0, roots: 0, keys: 0, values: 0, free: 0, freeBytes: 0, other: {} },
    reachable: { keys: 0, values: 0, unresolvedLinks: 0 },
    valueTypes: {},
    unknownBits: [],
  };

  const noteStore = (field: string, offset: number): void => {
    const ref = view.getUint32(offset, true);
    const store = refStore(ref);
    if (ref !== 0 && store !== Store.HEAP && store !== Store.ROM_HIVE) unknown.note(`${field} store nibble`, offset, store);
  };

  const countBlock = (block: Readonly<HeapBlock>): void => {
    if (block.free) {
      stats.blocks.free++;
      stats.blocks.freeBytes += block.size;
      return;
    }
    if (block.zero !== 0) unknown.note('block header second word', block.offset + 4, block.zero);
    const at = block.offset + BLOCK_HEADER_SIZE;
    switch (block.type) {
      case BlockType.SECTION_TABLE:
        stats.blocks.sectionTables++;
        break;
      case BlockType.ROOTS:
        stats.blocks.roots++;
        break;
      case BlockType.KEY: {
        stats.blocks.keys++;
        if (block.size < KeyField.name) break; // reported by the tree walk if reachable
        const unknownByte = bytes[at + KeyField.unknown]!;
        if (unknownByte !== 0) unknown.note('key byte +13', at + KeyField.unknown, unknownByte);
        const flags = view.getUint16(at + KeyField.flags, true);
        if ((flags & ~KNOWN_KEY_FLAGS) !== 0) unknown.note('key flags', at + KeyField.flags, flags & ~KNOWN_KEY_FLAGS);
        noteStore('key nextSibling', at + KeyField.nextSibling);
        noteStore('key firstChild', at + KeyField.firstChild);
        noteStore('key firstValue', at + KeyField.firstValue);
        break;
      }
      case BlockType.VALUE: {
        stats.blocks.values++;
        if (block.size < ValueField.name) break;
        const type = view.getUint16(at + ValueField.type, true);
        stats.valueTypes[type] = (stats.valueTypes[type] ?? 0) + 1;
        const flags = bytes[at + ValueField.flags]!;
        if (flags !== 0) unknown.note('value flags (name word high byte)', at + ValueField.flags, flags);
        noteStore('value nextValue', at + ValueField.nextValue);
        break;
      }
      default: {
        const name = blockTypeName(block.type);
        stats.blocks.other[name] = (stats.blocks.other[name] ?? 0) + 1;
        unknown.note(`block type ${name}`, block.offset, block.type);
      }
    }
  };
  pass('heap', () => walkHeap(bytes, view, countBlock));

  pass('sections', () => countSlots(hive, stats, unknown));
  pass('tree', () =>
    walkTree(hive, {
      key: () => void stats.reachable.keys++,
      value: () => void stats.reachable.values++,
      unresolved: () => void stats.reachable.unresolvedLinks++,
    }, { paths: false }),
  );
  stats.unknownBits = unknown.list();
  return stats;
}

function countSlots(hive: Hive, stats: HiveStatistics, unknown: UnknownBitsLog): void {
  const { view } = hive;
  for (let section = 0; section < hive.sectionCount; section++) {
    const table = hive.sectionTableOffset(section) + BLOCK_HEADER_SIZE;
    for (let slot = 0; slot < SLOTS_PER_SECTION; slot++) {
      const value = view.getUint32(table + 4 * slot, true);
      if (isSlotUsed(value)) {
        stats.slots.used++;
        const bits = slotUnknownBits(value);
        if (bits !== 0) unknown.note('slot bits 28-31 (and bit 1)', table + 4 * slot, bits);
      } else {
        stats.slots.free++;
        const bits = freeSlotUnknownBits(value);
        if (bits !== 0) unknown.note('free slot bits outside next-free', table + 4 * slot, bits);
      }
    }
  }
}
