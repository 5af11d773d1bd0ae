import { HeaderOffset, RestoreFlags } from './header.js';
import { RESTORE_FIELDS_OFFSET, RESTORE_FIELDS_SIZE, RESTORE_RECORD_HEADER, restorePageSize } from './restore.js';

/**
 * The two-phase flush of format guide §3a, as a list of writes, so that a file cut after
 * any byte of them can be made and its recovery checked:
 *
 * 1. restoreFlags = 1;
 * 2. each dirty page appended from restoreStart as a restore record `{u32 fileOffset; page}`;
 * 3. restoreSize = (dirty pages << 16) | page size;
 * 4. restoreFlags = 2;
 * 5. each page copied to its offset (page 0 without bytes 0x01C–0x027, which keep the
 *    flush's own state, as the kernel's repair does);
 * 6. restoreSize = page size (no pages left to copy);
 * 7. restoreFlags = 0.
 *
 * Steps 3 and 4 are in that order so that a cut inside the restoreSize write leaves
 * restoreFlags 1 (discard); step 6 comes before step 7 so that a cut inside it leaves
 * restoreFlags 2 with a count no larger than before, and every page it names is already
 * in place. The logical end of the hive does not move during a flush (restoreStart is
 * both the heap's end and where the records start): `before` and `after` must have the
 * same restoreStart.
 */
export interface FlushWrite {
  /** File offset of the first byte. */
  offset: number;
  bytes: Uint8Array;
  /** Which step (for messages). */
  what: string;
}

export interface FlushPlan {
  writes: FlushWrite[];
  /** Bytes written by the whole flush: cut points are 0 … totalBytes. */
  totalBytes: number;
  /** Dirty pages (their file offsets), in the order they are written. */
  dirtyPages: number[];
  pageSize: number;
  /** restoreStart of both states. */
  restoreStart: number;
}

export interface FlushOptions {
  /** Restore page size: a power of two ≥ 512 dividing restoreStart (4096 or 8192 on real devices). */
  pageSize: number;
}

const u32le = (value: number): Uint8Array => {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value >>> 0, true);
  return bytes;
};

/**
 * Plans the flush that turns file `before` into hive `after`. Both must be hives as a
 * finished flush leaves them: restoreFlags 0, restoreSize = the page size, the same
 * restoreStart, a multiple of the page size. `before` may carry a tail of stale records;
 * `after` is the hive only (its bytes up to restoreStart are used).
 *
 * @throws {RangeError} when the states do not meet these conditions.
 */
export function planFlush(before: Uint8Array, after: Uint8Array, options: FlushOptions): FlushPlan {
  const { pageSize } = options;
  if (restorePageSize(pageSize) !== pageSize || pageSize > 0xffff) throw new RangeError(`page size ${pageSize} is not a power of two from 512 to 32768`);
  const restoreStart = checkState(before, pageSize, 'before');
  if (checkState(after, pageSize, 'after') !== restoreStart) throw new RangeError('before and after have different restoreStart: the logical end of a hive does not move during a flush');
  const dirtyPages: number[] = [];
  for (let page = 0; page < restoreStart; page += pageSize) {
    for (let i = page; i < page + pageSize; i++) {
      if (before[i] !== after[i]) {
        dirtyPages.push(page);
        break;
      }
    }
  }
  const writes: FlushWrite[] = [];
  if (dirtyPages.length > 0) {
    if (dirtyPages.length > 0xffff) throw new RangeError(`${dirtyPages.length} dirty pages do not fit restoreSize's 16-bit count`);
    writes.push({ offset: HeaderOffset.restoreFlags, bytes: u32le(RestoreFlags.APPENDING), what: 'restoreFlags = 1' });
    dirtyPages.forEach((page, index) => {
      const record = new Uint8Array(RESTORE_RECORD_HEADER + pageSize);
      record.set(u32le(page), 0);
      record.set(after.subarray(page, page + pageSize), RESTORE_RECORD_HEADER);
      writes.push({ offset: restoreStart + index * record.length, bytes: record, what: `restore record ${index} (page 0x${page.toString(16)})` });
    });
    writes.push({ offset: HeaderOffset.restoreSize, bytes: u32le((dirtyPages.length << 16) | pageSize), what: `restoreSize = ${dirtyPages.length} pages of ${pageSize}` });
    writes.push({ offset: HeaderOffset.restoreFlags, bytes: u32le(RestoreFlags.COPYING), what: 'restoreFlags = 2' });
    for (const page of dirtyPages) {
      if (page === 0) {
        writes.push({ offset: 0, bytes: after.subarray(0, RESTORE_FIELDS_OFFSET), what: 'copy of page 0 before the restore fields' });
        const from = RESTORE_FIELDS_OFFSET + RESTORE_FIELDS_SIZE;
        writes.push({ offset: from, bytes: after.subarray(from, pageSize), what: 'copy of page 0 after the restore fields' });
      } else {
        writes.push({ offset: page, bytes: after.subarray(page, page + pageSize), what: `copy of page 0x${page.toString(16)}` });
      }
    }
    writes.push({ offset: HeaderOffset.restoreSize, bytes: u32le(pageSize), what: 'restoreSize = page size' });
    writes.push({ offset: HeaderOffset.restoreFlags, bytes: u32le(RestoreFlags.CLEAN), what: 'restoreFlags = 0' });
  }
  return { writes, totalBytes: writes.reduce((sum, write) => sum + write.bytes.length, 0), dirtyPages, pageSize, restoreStart };
}

function checkState(bytes: Uint8Array, pageSize: number, name: string): number {
  if (bytes.length < RESTORE_FIELDS_OFFSET + RESTORE_FIELDS_SIZE) throw new RangeError(`${name} is too short to be a hive`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const flags = view.getUint32(HeaderOffset.restoreFlags, true);
  const restoreStart = view.getUint32(HeaderOffset.restoreStart, true);
  const restoreSize = view.getUint32(HeaderOffset.restoreSize, true);
  if (flags !== RestoreFlags.CLEAN) throw new RangeError(`${name} has restoreFlags ${flags}: a flush starts from a clean hive`);
  if (restoreSize !== pageSize) throw new RangeError(`${name} has restoreSize 0x${restoreSize.toString(16)}, not the page size ${pageSize} a finished flush leaves`);
  if (restoreStart > bytes.length || restoreStart % pageSize !== 0 || restoreStart === 0) throw new RangeError(`${name}'s restoreStart ${restoreStart} is not a whole number of ${pageSize}-byte pages within it`);
  return restoreStart;
}

/**
 * The file as it is after the first `cutAt` bytes of a flush plan (all of it when `cutAt`
 * is absent or larger): a power cut at that moment. A new array; `before` is not changed.
 * The file grows as records are appended past its end.
 */
export function applyFlush(before: Uint8Array, plan: FlushPlan, cutAt = plan.totalBytes): Uint8Array {
  let length = before.length;
  let budget = cutAt;
  for (const write of plan.writes) {
    if (budget <= 0) break;
    length = Math.max(length, write.offset + Math.min(budget, write.bytes.length));
    budget -= write.bytes.length;
  }
  const file = new Uint8Array(length);
  file.set(before);
  budget = cutAt;
  for (const write of plan.writes) {
    if (budget <= 0) break;
    const count = Math.min(budget, write.bytes.length);
    file.set(write.bytes.subarray(0, count), write.offset);
    budget -= count;
  }
  return file;
}

/**
 * Writes the two-phase flush from `before` to `after` (see `planFlush`) and stops after
 * `cutAt` bytes (default: the whole flush). Returns the file a power cut at that moment
 * leaves; `recoverHive` then repairs it as the kernel does at the next mount.
 *
 * @throws {RangeError} when the states cannot be the two ends of one flush (see `planFlush`).
 */
export function simulateFlush(before: Uint8Array, after: Uint8Array, options: FlushOptions & { cutAt?: number }): Uint8Array {
  const plan = planFlush(before, after, options);
  return applyFlush(before, plan, options.cutAt);
}
