import { toHex } from '@hivetool/registry';
import { HiveFormatError } from './errors.js';

/** Offsets of the header page fields (format guide §3, the CE kernel's `fslog_t`). */
export const HeaderOffset = {
  version: 0x000,
  magic1: 0x004,
  magic2: 0x008,
  volumeGuid: 0x00c,
  restoreFlags: 0x01c,
  restoreStart: 0x020,
  restoreSize: 0x024,
  romSignature: 0x028,
  unionRest: 0x038,
  passwordHash: 0x0d4,
  virtbase: 0x0e4,
  logEntryCount: 0x0e8,
  databaseRoot: 0x0ec,
  registryHandle: 0x0f0,
  bootSequence: 0x0f4,
  flags: 0x0f8,
  logEntries: 0x0fc,
} as const;

/** Bytes `45 4B 49 4D` ("EKIM") read as a little-endian u32. */
export const HIVE_MAGIC = 0x4d494b45;
export const HIVE_VERSION = 0x400;
export const HEADER_SIZE = 0x1000;
/** Size of one recovery log entry `{type, d1, d2, d3}`. */
export const LOG_ENTRY_SIZE = 16;
/** Whole log entries that fit between 0x0FC and the end of the header page. */
export const LOG_ENTRY_SLOTS = Math.floor((HEADER_SIZE - HeaderOffset.logEntries) / LOG_ENTRY_SIZE);

export const RestoreFlags = {
  CLEAN: 0,
  /** A flush was appending pages at the end of the file: recovery discards them. */
  APPENDING: 1,
  /** A flush was copying pages into the heap: recovery finishes it. */
  COPYING: 2,
} as const;

export interface RecoveryLogEntry {
  readonly type: number;
  readonly d1: number;
  readonly d2: number;
  readonly d3: number;
}

/**
 * The header page. Integer fields are read once at open; byte fields are views into
 * the file.
 */
export interface HiveHeader {
  readonly version: number;
  readonly magic1: number;
  readonly magic2: number;
  readonly volumeGuid: Uint8Array;
  readonly restoreFlags: number;
  readonly restoreStart: number;
  readonly restoreSize: number;
  readonly romSignature: Uint8Array;
  /** 0x038–0x0D3, the rest of a union: zero in every sample. */
  readonly unionRest: Uint8Array;
  readonly passwordHash: Uint8Array;
  readonly virtbase: number;
  readonly logEntryCount: number;
  readonly databaseRoot: number;
  readonly registryHandle: number;
  readonly bootSequence: number;
  /** Whole flags word; the high 24 bits are the database LCID. */
  readonly flags: number;
  /** 0x0FC to the end of the page: the recovery log, stale entries included. */
  readonly logArea: Uint8Array;
}

/**
 * Reads and checks the header page (format guide §3).
 *
 * @throws {HiveFormatError} `TRUNCATED` (shorter than the header page) or `BAD_MAGIC`.
 */
export function readHeader(bytes: Uint8Array, view: DataView): HiveHeader {
  if (bytes.length < HEADER_SIZE) {
    throw new HiveFormatError('TRUNCATED', {
      what: 'header page',
      offset: 0,
      expected: `at least ${HEADER_SIZE} bytes`,
      actual: `${bytes.length} bytes`,
    });
  }
  const magic2 = view.getUint32(HeaderOffset.magic2, true);
  if (magic2 !== HIVE_MAGIC) {
    throw new HiveFormatError('BAD_MAGIC', {
      what: 'header magic2 (not a Windows CE hive)',
      offset: HeaderOffset.magic2,
      expected: '45 4b 49 4d ("EKIM")',
      actual: (toHex(bytes.subarray(8, 12)).match(/../g) ?? []).join(' '),
    });
  }
  const u32 = (offset: number): number => view.getUint32(offset, true);
  return {
    version: u32(HeaderOffset.version),
    magic1: u32(HeaderOffset.magic1),
    magic2,
    volumeGuid: bytes.subarray(HeaderOffset.volumeGuid, HeaderOffset.volumeGuid + 16),
    restoreFlags: u32(HeaderOffset.restoreFlags),
    restoreStart: u32(HeaderOffset.restoreStart),
    restoreSize: u32(HeaderOffset.restoreSize),
    romSignature: bytes.subarray(HeaderOffset.romSignature, HeaderOffset.romSignature + 16),
    unionRest: bytes.subarray(HeaderOffset.unionRest, HeaderOffset.passwordHash),
    passwordHash: bytes.subarray(HeaderOffset.passwordHash, HeaderOffset.passwordHash + 16),
    virtbase: u32(HeaderOffset.virtbase),
    logEntryCount: u32(HeaderOffset.logEntryCount),
    databaseRoot: u32(HeaderOffset.databaseRoot),
    registryHandle: u32(HeaderOffset.registryHandle),
    bootSequence: u32(HeaderOffset.bootSequence),
    flags: u32(HeaderOffset.flags),
    logArea: bytes.subarray(HeaderOffset.logEntries, HEADER_SIZE),
  };
}

/** Recovery log entry `index` (0 ≤ index < LOG_ENTRY_SLOTS), stale or not. @throws {RangeError} for another index */
export function readLogEntry(header: HiveHeader, index: number): RecoveryLogEntry {
  if (!Number.isInteger(index) || index < 0 || index >= LOG_ENTRY_SLOTS) throw new RangeError(`log entry index ${index} is outside 0–${LOG_ENTRY_SLOTS - 1}`);
  const area = header.logArea;
  const view = new DataView(area.buffer, area.byteOffset, area.byteLength);
  const at = index * LOG_ENTRY_SIZE;
  return {
    type: view.getUint32(at, true),
    d1: view.getUint32(at + 4, true),
    d2: view.getUint32(at + 8, true),
    d3: view.getUint32(at + 12, true),
  };
}

/** The pending entries: the first `logEntryCount` (capped at what the page holds). */
export function pendingLogEntries(header: HiveHeader): RecoveryLogEntry[] {
  const count = Math.min(header.logEntryCount, LOG_ENTRY_SLOTS);
  const entries: RecoveryLogEntry[] = [];
  for (let i = 0; i < count; i++) entries.push(readLogEntry(header, i));
  return entries;
}

/**
 * A GUID or signature as lowercase hex digits in file byte order. (CE's CEGUID is four
 * DWORDs, not a Windows GUID, so no dashed form is implied.)
 */
export const hexBytes: (bytes: Uint8Array) => string = toHex;
