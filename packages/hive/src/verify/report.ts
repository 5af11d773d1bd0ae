/**
 * What `verifyHive` returns: the report, its findings and the boot prediction (the types
 * of docs/verify.md's JSON).
 */
import type { HeapCensus } from '../census.js';
import type { FindingCode } from '../errors.js';
import type { HiveKind, RecoveryView } from '../reader.js';
import type { Hive } from '../reader.js';
import type { RecoveryAction } from '../restore.js';

export type Severity = 'error' | 'warning' | 'info';

/** One thing `verifyHive` noticed: what, where, what it means and what to do. */
export interface Finding {
  severity: Severity;
  /** Stable code, e.g. `SIGNATURE_MISMATCH` (docs/verify.md lists them all). */
  code: FindingCode;
  /** File offset the finding is about (of the hive verified, or of the ROM for ROM links). */
  offset: number;
  message: string;
  /** How many records share this finding when it is reported once for many (1 otherwise). */
  count: number;
}

export type BootOutcome = 'kept' | 'clean-boot' | 'unknown' | 'rom';

export interface BootPrediction {
  outcome: BootOutcome;
  /** Whether `RegPersisted = dword:1` is set after boot (only after a non-clean boot); null when not known. */
  regPersisted: boolean | null;
  /** Sentences saying why. */
  reasons: string[];
}

/** The restore area (format guide §3a) and what the kernel does with it at the next mount. */
export interface RestoreReport {
  flags: number;
  restoreStart: number;
  restoreSize: number;
  pageSize: number;
  /** restoreSize's high 16 bits. */
  dirtyPages: number;
  /** Bytes after restoreStart, and the whole restore records they hold. */
  tailLength: number;
  recordCount: number;
  /** Bytes after the last whole record. */
  trailingBytes: number;
  /** At the next mount: nothing, discard the appended records, or copy the live pages into the hive. */
  action: RecoveryAction;
  /** Pages discarded or copied (0 for none). */
  pages: number;
  /** Which hive the other checks looked at. */
  view: RecoveryView;
  /** The first records of the tail (at most MAX_RESTORE_RECORDS_LISTED). */
  records: Array<{ index: number; offset: number; targetOffset: number; insideHive: boolean; live: boolean }>;
}

/** Restore records listed one by one in a report; the rest are counted in `recordCount`. */
export const MAX_RESTORE_RECORDS_LISTED = 256;

export interface VerifyReport {
  kind: HiveKind | 'unknown';
  /** Length of the file, restore records included. */
  fileLength: number;
  /** Length of the hive checked (restoreStart when usable, else the file length). */
  hiveLength: number;
  /** The restore area; null when the file is too short or not a hive. */
  restore: RestoreReport | null;
  romSignature: string | null;
  findings: Finding[];
  summary: { errors: number; warnings: number; infos: number };
  counts: { sections: number; keys: number; values: number; freeBlocks: number; freeBytes: number; reachableKeys: number; reachableValues: number };
  /** Links into the ROM hive (store nibble 2 in a persistent hive). */
  romLinks: { total: number; checked: boolean; broken: number };
  signature: { hive: string; rom: string; match: boolean } | null;
  boot: BootPrediction;
}

export interface VerifyOptions {
  kind?: HiveKind | 'auto';
  /** The ROM hive a persistent hive links into; its links are then checked and its signature compared. */
  rom?: Hive;
  maxDepth?: number;
  /** With a copy pending (restoreFlags 2): check the hive as mounted (default) or as stored. */
  recovery?: RecoveryView;
  /**
   * `structure`: only the checks of the whole file that a walk from the roots does not
   * make (header, restore area, directory, heap tiling, slot tables and free-slot chains);
   * what readers run before reading (damage.ts). Default `all`.
   */
  scope?: 'all' | 'structure';
  /**
   * Counts the heap's blocks for `hiveStatistics` during the tiling, so that a caller
   * running both walks the heap once (`info`).
   */
  census?: HeapCensus;
}
