import { walkHeap } from '@hivetool/hive/layout';

/**
 * Hive states for the flush simulator (`simulateFlush`, format guide §3a), which needs
 * hives as a finished flush leaves them. Test fixtures with restore records are made from
 * these: no public sample with a tail of restore records exists.
 */

/**
 * A copy of `hive` grown to a whole number of `pageSize` pages by enlarging its last free
 * block (or adding one), restoreStart updated: the same registry, a length an 8 KiB-page
 * device could flush. Returned unchanged (copied) when already whole.
 */
export function padHive(hive: Uint8Array, pageSize: number): Uint8Array {
  const extra = (pageSize - (hive.length % pageSize)) % pageSize;
  const out = new Uint8Array(hive.length + extra);
  out.set(hive);
  if (extra === 0) return out;
  const view = new DataView(out.buffer);
  let last = -1;
  let lastFree = false;
  walkHeap(hive, new DataView(hive.buffer, hive.byteOffset, hive.byteLength), (block) => {
    last = block.offset;
    lastFree = block.free;
  });
  if (lastFree) {
    view.setUint32(last, (view.getUint32(last, true) + extra) >>> 0, true);
  } else {
    view.setUint32(hive.length, (extra - 12) | 1, true);
  }
  view.setUint32(0x20, out.length, true);
  return out;
}

/** A copy of `hive` with the restore fields a finished flush leaves: restoreFlags 0, restoreSize = page size. */
export function settleHive(hive: Uint8Array, pageSize: number): Uint8Array {
  const out = hive.slice();
  const view = new DataView(out.buffer);
  view.setUint32(0x1c, 0, true);
  view.setUint32(0x24, pageSize, true);
  return out;
}
