/**
 * The statistics' count of the heap's blocks (`hiveStatistics`), made by whichever walk of
 * the heap runs first: verify's tiling when the structure checks run anyway (`info`), or
 * the statistics' own walk. One set of rules for both, so the counts are the same.
 */
import { BLOCK_HEADER_SIZE, BlockType, blockTypeName } from './layout.js';
import { KNOWN_KEY_FLAGS, KeyField, ValueField } from './records.js';
import { Store, refStore } from './references.js';

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

export class UnknownBitsLog {
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

  /** Adds what another log saw after what this one saw (as if noted here in that order). */
  merge(other: UnknownBitsLog): void {
    for (const seen of other.byField.values()) {
      const mine = this.byField.get(seen.field);
      if (mine === undefined) {
        this.byField.set(seen.field, { ...seen, values: [...seen.values] });
        continue;
      }
      mine.count += seen.count;
      for (const value of seen.values) if (mine.values.length < 8 && !mine.values.includes(value)) mine.values.push(value);
    }
  }

  list(): UnknownBitsSeen[] {
    return [...this.byField.values()];
  }
}

const KEY_TYPE = BlockType.KEY;
const VALUE_TYPE = BlockType.VALUE;
const KEY_NAME = KeyField.name;
const KEY_UNKNOWN = KeyField.unknown;
const KEY_FLAGS = KeyField.flags;
const UNKNOWN_KEY_FLAGS = ~KNOWN_KEY_FLAGS & 0xffff;
const VALUE_NAME = ValueField.name;
const VALUE_TYPE_FIELD = ValueField.type;
const VALUE_FLAGS = ValueField.flags;

/** Counts of the heap's blocks and the unknown bits of their records, block by block. */
export class HeapCensus {
  /** Set by the walk that filled it when it reached the end of the heap. */
  complete = false;
  free = 0;
  freeBytes = 0;
  sectionTables = 0;
  roots = 0;
  keys = 0;
  values = 0;
  readonly other: Record<string, number> = {};
  readonly valueTypes: Record<number, number> = {};
  readonly unknown = new UnknownBitsLog();
  /**
   * The section tables' slots, counted by verify's slot checks when they found every
   * section's table (as the reader finds them); the unknown bits of their fields.
   */
  slots: { used: number; free: number; unknown: UnknownBitsLog } | undefined = undefined;
  /**
   * The records reachable from the roots, counted by verify's walk of the id table: set
   * only when verify found no error at all (and had no ROM hive to follow links into), so
   * that a walk of the tree would meet no damage either. `romLinks`: links into the ROM
   * hive (a walk's unresolved links); `longestValueChain`: the most values of one key.
   */
  tree: { keys: number; values: number; romLinks: number; longestValueChain: number } | undefined = undefined;
  /**
   * How many of verify's findings the whole-file checks made (header to slots), the
   * ones before the record checks and the walk; undefined when verify stopped before.
   */
  structureFindings: number | undefined = undefined;

  freeBlock(size: number): void {
    this.free++;
    this.freeBytes += size;
  }

  /** An allocated block at `offset` of `type` (the top nibble) and `size` (after the header). */
  allocatedBlock(bytes: Uint8Array, view: DataView, offset: number, type: number, size: number): void {
    const zero = view.getUint32(offset + 4, true);
    if (zero !== 0) this.unknown.note('block header second word', offset + 4, zero);
    const at = offset + BLOCK_HEADER_SIZE;
    // The common blocks first, their fields read inline: this runs once per block of the
    // file (verify's tiling), mostly before the optimising compiler has seen it.
    if (type === KEY_TYPE) {
      this.keys++;
      if (size < KEY_NAME) return; // reported by the tree walk if reachable
      const unknownByte = bytes[at + KEY_UNKNOWN]!;
      const flags = bytes[at + KEY_FLAGS]! | (bytes[at + KEY_FLAGS + 1]! << 8);
      const sibling = view.getUint32(at + KeyField.nextSibling, true) >>> 28;
      const child = view.getUint32(at + KeyField.firstChild, true) >>> 28;
      const value = view.getUint32(at + KeyField.firstValue, true) >>> 28;
      // Store nibbles 0 (this file) and 2 (the ROM hive) are known; a 0 reference has nibble 0.
      if (unknownByte === 0 && (flags & UNKNOWN_KEY_FLAGS) === 0 && (sibling | child | value | 2) === 2) return;
      if (unknownByte !== 0) this.unknown.note('key byte +13', at + KeyField.unknown, unknownByte);
      if ((flags & ~KNOWN_KEY_FLAGS) !== 0) this.unknown.note('key flags', at + KeyField.flags, flags & ~KNOWN_KEY_FLAGS);
      this.store(view, 'key nextSibling', at + KeyField.nextSibling);
      this.store(view, 'key firstChild', at + KeyField.firstChild);
      this.store(view, 'key firstValue', at + KeyField.firstValue);
      return;
    }
    if (type === VALUE_TYPE) {
      this.values++;
      if (size < VALUE_NAME) return;
      const valueType = bytes[at + VALUE_TYPE_FIELD]! | (bytes[at + VALUE_TYPE_FIELD + 1]! << 8);
      this.valueTypes[valueType] = (this.valueTypes[valueType] ?? 0) + 1;
      const flags = bytes[at + VALUE_FLAGS]!;
      if (flags !== 0) this.unknown.note('value flags (name word high byte)', at + ValueField.flags, flags);
      if ((view.getUint32(at + ValueField.nextValue, true) >>> 28 | 2) !== 2) this.store(view, 'value nextValue', at + ValueField.nextValue);
      return;
    }
    switch (type) {
      case BlockType.SECTION_TABLE:
        this.sectionTables++;
        break;
      case BlockType.ROOTS:
        this.roots++;
        break;
      default: {
        const name = blockTypeName(type);
        this.other[name] = (this.other[name] ?? 0) + 1;
        this.unknown.note(`block type ${name}`, offset, type);
      }
    }
  }

  private store(view: DataView, field: string, offset: number): void {
    const ref = view.getUint32(offset, true);
    const store = refStore(ref);
    if (ref !== 0 && store !== Store.HEAP && store !== Store.ROM_HIVE) this.unknown.note(`${field} store nibble`, offset, store);
  }
}
