import { HeapCensus, UnknownBitsLog, type UnknownBitsSeen } from './census.js';
import { walkHeap } from './heap.js';
import { HIVE_VERSION } from './header.js';
import { BLOCK_HEADER_SIZE, DIRECTORY_OFFSET, PAGE_SIZE, SLOTS_PER_SECTION } from './layout.js';
import { freeSlotUnknownBits, isSlotUsed, slotUnknownBits } from './sections.js';
import { Hive, openHive } from './reader.js';
import { walkTree, type DamageLoss } from './walk.js';
import { isHiveFormatError, type HiveFormatError } from './errors.js';

export type { UnknownBitsSeen } from './census.js';

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
  /**
   * The heap's blocks as counted by a walk already made of this hive's bytes (verify's
   * tiling: `structuralDamage(hive, census)`); used when that walk reached the end of the
   * heap, instead of walking it again.
   */
  census?: HeapCensus;
  /**
   * Which errors the tree walk passes over instead of stopping at (`WalkOptions.skipDamaged`):
   * the record and what only it leads to are not counted, the walk goes on with the rest.
   * Each skip is reported to `damaged`.
   */
  skipDamaged?: (error: HiveFormatError) => boolean;
  damaged?: (error: HiveFormatError, path: string, lost: DamageLoss) => void;
}

/**
 * Counts everything in a hive: one pass over the heap, one over the section tables and
 * one walk of the tree from the roots; the passes a `census` already made (verify's, see
 * `structuralDamageCounted`) are taken from it instead.
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

  const heapPass = (census: HeapCensus): void => {
    stats.blocks.free = census.free;
    stats.blocks.freeBytes = census.freeBytes;
    stats.blocks.sectionTables = census.sectionTables;
    stats.blocks.roots = census.roots;
    stats.blocks.keys = census.keys;
    stats.blocks.values = census.values;
    stats.blocks.other = census.other;
    stats.valueTypes = census.valueTypes;
    unknown.merge(census.unknown);
  };
  if (options.census?.complete === true) {
    heapPass(options.census);
  } else {
    const census = new HeapCensus();
    pass('heap', () =>
      walkHeap(bytes, view, (block) => (block.free ? census.freeBlock(block.size) : census.allocatedBlock(bytes, view, block.offset, block.type, block.size))),
    );
    // The counts made up to an error stand.
    heapPass(census);
  }

  const slots = options.census?.slots;
  if (slots !== undefined) {
    // Counted by verify's slot checks, which found every section's table.
    stats.slots.used = slots.used;
    stats.slots.free = slots.free;
    unknown.merge(slots.unknown);
  } else {
    pass('sections', () => countSlots(hive, stats, unknown));
  }
  const tree = options.census?.tree;
  const { maxKeys, maxValuesPerKey } = hive.limits;
  if (tree !== undefined && hive.rom === undefined && tree.keys <= maxKeys && tree.longestValueChain <= maxValuesPerKey) {
    // Counted by verify's walk, which found nothing damaged: a walk of the tree would meet
    // no error either (the caps on counts checked here), and its unresolved links are the
    // links into the ROM hive.
    stats.reachable = { keys: tree.keys, values: tree.values, unresolvedLinks: tree.romLinks };
  } else {
    pass('tree', () =>
      walkTree(hive, {
        key: () => void stats.reachable.keys++,
        value: () => void stats.reachable.values++,
        unresolved: () => void stats.reachable.unresolvedLinks++,
        ...(options.damaged === undefined ? {} : { damaged: options.damaged }),
      }, { paths: false, ...(options.skipDamaged === undefined ? {} : { skipDamaged: options.skipDamaged }) }),
    );
  }
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
