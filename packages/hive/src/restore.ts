import { HiveFormatError } from './errors.js';
import { HEADER_SIZE, HeaderOffset, RestoreFlags, readHeader } from './header.js';
import { PAGE_SIZE } from './layout.js';

/**
 * The restore area of a persistent hive (format guide §3, §3a): the heap ends at
 * `restoreStart`, the logical end of the hive; what follows are restore records
 * `{u32 fileOffset; u8 page[pageSize]}`, back to back, written by a two-phase flush.
 */

/** Bytes 0x01C–0x027 (restoreFlags, restoreStart, restoreSize): the flush's own bookkeeping. */
export const RESTORE_FIELDS_OFFSET = HeaderOffset.restoreFlags;
export const RESTORE_FIELDS_SIZE = 12;
/** The page size when restoreSize's low 16 bits are 0 (ROM hives, CE 6 samples). */
export const DEFAULT_RESTORE_PAGE_SIZE = PAGE_SIZE;
/** Bytes before each record's page: the u32 file offset it belongs at. */
export const RESTORE_RECORD_HEADER = 4;

/** What the kernel does with the restore area at the next mount (§3a). */
export type RecoveryAction = 'none' | 'discard' | 'copy';

/** One restore record, read when asked for. */
export interface RestoreRecord {
  index: number;
  /** File offset of the record (its u32 fileOffset field). */
  offset: number;
  /** File offset the page belongs at, as stored. */
  targetOffset: number;
  /** The whole page lies inside the hive (before restoreStart) and starts on a page boundary. */
  insideHive: boolean;
  /** Counted by restoreSize while restoreFlags is 2: the kernel copies it at the next mount. */
  live: boolean;
  /** The page, a view into the file. */
  page: Uint8Array;
}

export interface RestoreArea {
  /** restoreFlags as stored (0 clean, 1 appending, 2 copying). */
  readonly flags: number;
  /** The logical end of the hive: the heap ends here. */
  readonly restoreStart: number;
  readonly restoreSize: number;
  /** restoreSize's low 16 bits, or 4096 when they are 0. */
  readonly pageSize: number;
  /** restoreSize's high 16 bits: records the flush counted (meaningful while restoreFlags is 2). */
  readonly dirtyPages: number;
  readonly fileLength: number;
  /** Bytes after restoreStart. */
  readonly tailLength: number;
  /** Whole records the tail holds. */
  readonly recordCount: number;
  /** Bytes after the last whole record (a record cut by the end of the file). */
  readonly trailingBytes: number;
  /** Records the kernel copies at the next mount (restoreFlags 2), else 0. */
  readonly liveCount: number;
  readonly action: RecoveryAction;
  /** Pages the action concerns: discarded (whole records) or copied (live records); 0 for none. */
  readonly actionPages: number;
}

const isPowerOfTwo = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;

/** The page size a restoreSize word names, or undefined when it is no page size (§3a). */
export function restorePageSize(restoreSize: number): number | undefined {
  const low = restoreSize & 0xffff;
  if (low === 0) return DEFAULT_RESTORE_PAGE_SIZE;
  // Pages are whole sectors, a power of two (1 KiB on some old CPUs, 4 KiB and up today).
  return isPowerOfTwo(low) && low >= 512 ? low : undefined;
}

/**
 * Reads the restore fields and sizes up the tail; records themselves are read lazily
 * (`restoreRecord`). Checks what the kernel checks before it uses the area:
 *
 * @throws {HiveFormatError} `TRUNCATED` or `BAD_MAGIC` (no hive header), `RESTORE_START_PAST_EOF` (the file is shorter than its hive),
 * `RESTORE_START_UNALIGNED` (not a multiple of 4096, or of the page size while a copy is
 * pending), `RESTORE_PAGE_SIZE_BAD` (a copy is pending with a page size that is none),
 * `RESTORE_COUNT_TOO_LARGE` (restoreSize counts more records than the tail holds) and
 * `RESTORE_TARGET_PAST_HIVE` / `RESTORE_TARGET_UNALIGNED` (a live record's page does not
 * belong inside the hive). Stale records are only reported, never judged.
 */
export function readRestoreArea(bytes: Uint8Array, view: DataView = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)): RestoreArea {
  // The header holds the restore fields: a file too short for it, or not a hive, is refused first.
  readHeader(bytes, view);
  const area = measureRestoreArea(bytes.length, view);
  const problem = restoreProblem(area, view);
  if (problem !== undefined) throw problem;
  return area;
}

/** The sizes of the restore area without judging them (for verify, which reports instead of throwing). */
export function measureRestoreArea(fileLength: number, view: DataView): RestoreArea {
  const flags = view.getUint32(HeaderOffset.restoreFlags, true);
  const restoreStart = view.getUint32(HeaderOffset.restoreStart, true);
  const restoreSize = view.getUint32(HeaderOffset.restoreSize, true);
  const pageSize = restorePageSize(restoreSize) ?? DEFAULT_RESTORE_PAGE_SIZE;
  const dirtyPages = restoreSize >>> 16;
  const tailLength = restoreStart <= fileLength ? fileLength - restoreStart : 0;
  const recordBytes = RESTORE_RECORD_HEADER + pageSize;
  const recordCount = Math.floor(tailLength / recordBytes);
  const copying = flags === RestoreFlags.COPYING;
  const liveCount = copying ? Math.min(dirtyPages, recordCount) : 0;
  const action: RecoveryAction = flags === RestoreFlags.APPENDING ? 'discard' : copying ? 'copy' : 'none';
  return {
    flags,
    restoreStart,
    restoreSize,
    pageSize,
    dirtyPages,
    fileLength,
    tailLength,
    recordCount,
    trailingBytes: tailLength - recordCount * recordBytes,
    liveCount,
    action,
    actionPages: action === 'discard' ? recordCount : liveCount,
  };
}

/** The first thing wrong with the area that stops a mount, or undefined. */
export function restoreProblem(area: RestoreArea, view: DataView): HiveFormatError | undefined {
  const { restoreStart, fileLength } = area;
  if (restoreStart > fileLength) {
    return new HiveFormatError('RESTORE_START_PAST_EOF', {
      what: 'restoreStart (the logical end of the hive) lies past the end of the file: the file is cut short',
      offset: HeaderOffset.restoreStart,
      expected: `≤ ${fileLength}`,
      actual: `${restoreStart}`,
    });
  }
  if (restoreStart % PAGE_SIZE !== 0 || restoreStart < HEADER_SIZE) {
    return new HiveFormatError('RESTORE_START_UNALIGNED', {
      what: 'restoreStart (the logical end of the hive) is not a whole number of 4096-byte pages',
      offset: HeaderOffset.restoreStart,
      expected: 'a non-zero multiple of 4096',
      actual: `${restoreStart}`,
    });
  }
  if (area.flags !== RestoreFlags.COPYING) return undefined;
  if (restorePageSize(area.restoreSize) === undefined) {
    return new HiveFormatError('RESTORE_PAGE_SIZE_BAD', {
      what: 'restoreSize names no page size, so the pending copy cannot be made',
      offset: HeaderOffset.restoreSize,
      expected: 'low 16 bits 0 or a power of two ≥ 512',
      actual: `0x${(area.restoreSize & 0xffff).toString(16)}`,
    });
  }
  if (restoreStart % area.pageSize !== 0) {
    return new HiveFormatError('RESTORE_START_UNALIGNED', {
      what: `restoreStart is not a multiple of the ${area.pageSize}-byte restore page`,
      offset: HeaderOffset.restoreStart,
      expected: `a multiple of ${area.pageSize}`,
      actual: `${restoreStart}`,
    });
  }
  if (area.dirtyPages > area.recordCount) {
    return new HiveFormatError('RESTORE_COUNT_TOO_LARGE', {
      what: 'restoreSize counts more restore records than the tail after restoreStart holds',
      offset: HeaderOffset.restoreSize,
      expected: `≤ ${area.recordCount} record(s) of ${RESTORE_RECORD_HEADER + area.pageSize} bytes`,
      actual: `${area.dirtyPages}`,
    });
  }
  for (let index = 0; index < area.liveCount; index++) {
    const at = restoreStart + index * (RESTORE_RECORD_HEADER + area.pageSize);
    const target = view.getUint32(at, true);
    if (target % area.pageSize !== 0) {
      return new HiveFormatError('RESTORE_TARGET_UNALIGNED', { what: `restore record ${index} belongs at an offset that is not a page boundary`, offset: at, expected: `a multiple of ${area.pageSize}`, actual: `0x${target.toString(16)}` });
    }
    if (target + area.pageSize > restoreStart) {
      return new HiveFormatError('RESTORE_TARGET_PAST_HIVE', { what: `restore record ${index} belongs past the logical end of the hive`, offset: at, expected: `a page before restoreStart (${restoreStart})`, actual: `0x${target.toString(16)}` });
    }
  }
  return undefined;
}

/** Record `index` of the tail (0 ≤ index < recordCount), read from the file. @throws {RangeError} for another index */
export function restoreRecord(bytes: Uint8Array, area: RestoreArea, index: number): RestoreRecord {
  if (!Number.isInteger(index) || index < 0 || index >= area.recordCount) throw new RangeError(`restore record ${index} is outside 0–${area.recordCount - 1}`);
  const offset = area.restoreStart + index * (RESTORE_RECORD_HEADER + area.pageSize);
  const targetOffset = (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>> 0;
  return {
    index,
    offset,
    targetOffset,
    insideHive: targetOffset % area.pageSize === 0 && targetOffset + area.pageSize <= area.restoreStart,
    live: index < area.liveCount,
    page: bytes.subarray(offset + RESTORE_RECORD_HEADER, offset + RESTORE_RECORD_HEADER + area.pageSize),
  };
}

/** The records of the tail in file order, read one at a time. */
export function* restoreRecords(bytes: Uint8Array, area: RestoreArea): Generator<RestoreRecord> {
  for (let index = 0; index < area.recordCount; index++) yield restoreRecord(bytes, area, index);
}

/**
 * The hive as the kernel leaves it after mounting: with restoreFlags 2 every live page
 * copied to its offset (page 0 keeping its 12 restore bytes), then restoreFlags 0 and
 * restoreSize = the page size; with restoreFlags 1 the records discarded, restoreFlags 0
 * and restoreSize = the page size (the guide's "CE 7 then stores restoreSize = 0x1000"
 * follows either repair); with 0, nothing. `truncate` also drops the tail (bytes past
 * restoreStart); otherwise the tail is kept as stored, as the kernel keeps it.
 *
 * Returns a new array; `bytes` is not changed.
 * @throws {HiveFormatError} the `readRestoreArea` codes.
 */
export function recoverHive(bytes: Uint8Array, options: { truncate?: boolean } = {}): Uint8Array {
  const area = readRestoreArea(bytes);
  const length = options.truncate === true ? area.restoreStart : bytes.length;
  const out = bytes.slice(0, length);
  if (area.action === 'none') return out;
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  if (area.action === 'copy') applyLivePages(out, bytes, area);
  view.setUint32(HeaderOffset.restoreFlags, RestoreFlags.CLEAN, true);
  view.setUint32(HeaderOffset.restoreSize, area.pageSize, true);
  return out;
}

/** Copies each live record's page of `source` to its offset in `target`, in record order (§3a). */
function applyLivePages(target: Uint8Array, source: Uint8Array, area: RestoreArea): void {
  for (let index = 0; index < area.liveCount; index++) {
    const record = restoreRecord(source, area, index);
    copyPage(target, record.targetOffset, record.page, 0, record.page.length);
  }
}

/**
 * Copies `length` bytes of a page to `at` — except that bytes 0x01C–0x027 of page 0 keep
 * what the target holds (format guide §3a: the flags just read are not replaced by stale ones).
 */
function copyPage(target: Uint8Array, at: number, page: Uint8Array, from: number, length: number): void {
  const start = at + from;
  const end = start + length;
  const keepStart = RESTORE_FIELDS_OFFSET;
  const keepEnd = RESTORE_FIELDS_OFFSET + RESTORE_FIELDS_SIZE;
  if (end <= keepStart || start >= keepEnd) {
    target.set(page.subarray(from, from + length), start);
    return;
  }
  if (start < keepStart) target.set(page.subarray(from, from + keepStart - start), start);
  if (end > keepEnd) target.set(page.subarray(from + keepEnd - start, from + length), keepEnd);
}

/**
 * The hive as mounted when a recovery is pending (restoreFlags 1 or 2), without copying the file:
 * a buffer of the hive's length whose chunks (4 KiB, or a smaller restore page) are filled, each the first time the
 * reader asks for it (`load`), from the live record holding that page or else from the
 * file. The reader calls `load` before every read (see `OpenHiveOptions.load`). `sourceLoad`
 * is the caller's own loader for the file's bytes, if any.
 */
export function mountedView(file: Uint8Array, area: RestoreArea, sourceLoad?: (offset: number, length: number) => void): { bytes: Uint8Array; load: (offset: number, length: number) => void } {
  // Chunks no larger than a restore page, so that each comes from one place.
  const chunkSize = Math.min(PAGE_SIZE, area.pageSize);
  const bytes = new Uint8Array(area.restoreStart);
  const chunks = Math.ceil(bytes.length / chunkSize);
  const filled = new Uint8Array(chunks);
  // For each chunk, the live record whose page covers it (+1; 0 = none). Later records win,
  // as the kernel copies them in order.
  const recordOf = new Int32Array(chunks);
  const recordBytes = RESTORE_RECORD_HEADER + area.pageSize;
  for (let index = 0; index < area.liveCount; index++) {
    const at = area.restoreStart + index * recordBytes;
    sourceLoad?.(at, RESTORE_RECORD_HEADER);
    const target = (file[at]! | (file[at + 1]! << 8) | (file[at + 2]! << 16) | (file[at + 3]! << 24)) >>> 0;
    for (let chunk = target / chunkSize; chunk < (target + area.pageSize) / chunkSize; chunk++) recordOf[chunk] = index + 1;
  }
  const load = (offset: number, length: number): void => {
    const last = Math.min(chunks - 1, Math.floor((offset + Math.max(length, 1) - 1) / chunkSize));
    for (let chunk = Math.floor(offset / chunkSize); chunk <= last; chunk++) {
      if (filled[chunk] !== 0) continue;
      const start = chunk * chunkSize;
      const record = recordOf[chunk]!;
      if (record === 0) {
        sourceLoad?.(start, chunkSize);
        bytes.set(file.subarray(start, start + chunkSize), start);
      } else {
        const at = area.restoreStart + (record - 1) * recordBytes + RESTORE_RECORD_HEADER;
        const pageStart = Math.floor(start / area.pageSize) * area.pageSize;
        const from = start - pageStart;
        sourceLoad?.(at + from, chunkSize);
        if (chunk === 0) sourceLoad?.(0, chunkSize);
        if (chunk === 0) bytes.set(file.subarray(RESTORE_FIELDS_OFFSET, RESTORE_FIELDS_OFFSET + RESTORE_FIELDS_SIZE), RESTORE_FIELDS_OFFSET);
        copyPage(bytes, pageStart, file.subarray(at, at + area.pageSize), from, chunkSize);
      }
      if (chunk === 0) {
        // The kernel's last steps of the repair (§3a).
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        view.setUint32(HeaderOffset.restoreFlags, RestoreFlags.CLEAN, true);
        view.setUint32(HeaderOffset.restoreSize, area.pageSize, true);
      }
      filled[chunk] = 1;
    }
  };
  return { bytes, load };
}

/** restoreFlags in words (format guide §3a), as `info` and the viewer show them. */
export function describeRestoreFlags(flags: number): string {
  switch (flags) {
    case RestoreFlags.CLEAN:
      return 'clean';
    case RestoreFlags.APPENDING:
      return 'interrupted flush: pages were being appended (recovery discards them)';
    case RestoreFlags.COPYING:
      return 'interrupted flush: pages were being copied into the heap (recovery finishes the copy)';
    default:
      return `not known (${flags})`;
  }
}
