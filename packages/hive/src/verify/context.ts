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
  tiled: boolean;
  /** Where the tiled part of the heap ends (EOF when it tiles). */
  tiledEnd: number;
  /** How many allocated blocks the tiled part holds. */
  allocated: number;
  /** What the tiling noted of each block's id (see TiledIds). */
  ids: TiledIds;
}

/**
 * The ids the heap's blocks carry, as the tiling met them: what the slots should point at
 * when the hive is whole. The slot checks confirm each slot against it; anything else (a
 * slot elsewhere, two blocks with one id, a directory entry that is not its table) sends
 * them to the full checks over a map of the heap (`blockMap`), which report it.
 */
export interface TiledIds {
  /** File offset of the first allocated block (not a section table) carrying each id; 0 = none. */
  blockOf: Uint32Array;
  /** That block's kind: KEY, VALUE, ROOTS or OTHER. */
  kindOf: Uint8Array;
  /** File offset of the first section table block carrying each section number; 0 = none. */
  tableAt: Uint32Array;
  /**
   * Every key and value block noted passed the record checks with nothing to report (no
   * slack, no unknown bits); false when records were not checked.
   */
  recordsRegular: boolean;
}

/** Each id's block and kind, as the slots give them (`checkSections`). */
export interface SlotTable {
  /** File offset of the block of each id (0 = none). */
  blockOf: Uint32Array;
  /** What each id holds: NONE, KEY, VALUE, ROOTS, OTHER or BROKEN. */
  kindOf: Uint8Array;
  /**
   * Set when every slot was confirmed against the tiling's ids (`TiledIds`): how many ids
   * hold a key and a value.
   */
  confirmed?: { keys: number; values: number } | undefined;
}

/**
 * The id table the record checks and the walk read: each id's block and kind. The walk
 * reads a record's links from its block (at `blockOf[id]`), once the record checks have
 * found that they fit.
 */
export type IdTable = SlotTable;
