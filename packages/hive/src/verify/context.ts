/**
 * What the checkers of `verifyHive` share: the file as u32 words, and the tables one
 * checker fills for the next (where blocks start, each id's block and kind, each record's
 * links).
 */
import type { HeapCensus } from '../census.js';
import type { Findings } from './findings.js';
import type { VerifyReport } from './report.js';

/**
 * Per-id record kinds in the verifier's table. The checkers copy the ones they use into
 * locals at their start (`const { KEY } = RecordKind`): their loops run once per slot or
 * record, mostly before the optimising compiler has seen them, where each read of an
 * imported binding is a load through the module's cell (docs/PERFORMANCE.md).
 */
export const RecordKind = { NONE: 0, KEY: 1, VALUE: 2, ROOTS: 3, OTHER: 4, BROKEN: 5 } as const;

/** Marks in the verifier's per-heap-word table (see Heap.blockAt); copied to locals as `RecordKind`. */
export const HeapMark = { ALLOCATED: 1, FREE_BLOCK: 2, CLAIMED: 4 } as const;

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export function wordsOf(bytes: Uint8Array): Uint32Array {
  const count = bytes.length >>> 2;
  if (LITTLE_ENDIAN) {
    const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
    return new Uint32Array(aligned.buffer, aligned.byteOffset, count);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Uint32Array.from({ length: count }, (_, i) => view.getUint32(4 * i, true));
}

export interface Context {
  bytes: Uint8Array;
  view: DataView;
  /** The file as little-endian u32 words (see wordsOf). */
  words: Uint32Array;
  length: number;
  findings: Findings;
  report: VerifyReport;
  /** Filled by the heap tiling for the statistics (`VerifyOptions.census`). */
  census?: HeapCensus | undefined;
}

export interface Heap {
  /**
   * Per 4-byte heap word: 0 no block starts here, ALLOCATED or FREE where one does, plus
   * the CLAIMED bit once a slot (or the directory) points at it.
   */
  blockAt: Uint8Array;
  tiled: boolean;
  /** Where the tiled part of the heap ends (EOF when it tiles). */
  tiledEnd: number;
  /** How many allocated blocks the tiled part holds. */
  allocated: number;
}

/** Each id's block and kind, as the slots give them (`checkSections`). */
export interface SlotTable {
  /** File offset of the block of each id (0 = none). */
  blockOf: Uint32Array;
  /** What each id holds: NONE, KEY, VALUE, ROOTS, OTHER or BROKEN. */
  kindOf: Uint8Array;
}

export interface IdTable extends SlotTable {
  /**
   * The links of each record, three per id: a key's nextSibling, firstChild and firstValue,
   * a value's nextValue. Gathered in id order by `checkRecords` so that the walk from the
   * roots reads this compact table instead of jumping around the whole file.
   */
  links: Uint32Array;
  /** Each key's flags. */
  keyFlags: Uint16Array;
}

/** The id table of `slots` with room for the links and flags `checkRecords` gathers (not needed by the structure checks alone). */
export function idTable(slots: SlotTable): IdTable {
  const idCount = slots.kindOf.length;
  return { blockOf: slots.blockOf, kindOf: slots.kindOf, links: new Uint32Array(3 * idCount), keyFlags: new Uint16Array(idCount) };
}
