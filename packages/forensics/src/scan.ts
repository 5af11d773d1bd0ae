import { HIVE_MAGIC, HIVE_VERSION } from '@hivetool/hive/layout';

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Bytes a header candidate needs to be recognised: version at +0, magic2 "EKIM" at +8. */
export const CANDIDATE_BYTES = 12;

/**
 * Offsets `o` (4-aligned, `o < limit`) in `bytes` where a hive header may start: u32
 * version `0x400` at `o` and magic2 `EKIM` at `o + 8` (format guide §3). `bytes` must hold
 * `CANDIDATE_BYTES` past `limit` for a candidate at the very end to be seen: callers that
 * scan in windows read that much overlap into each window.
 */
export function findHeaderCandidates(bytes: Uint8Array, limit = bytes.length): number[] {
  const found: number[] = [];
  const end = Math.min(limit, bytes.length - CANDIDATE_BYTES + 1);
  if (end <= 0) return found;
  if (LITTLE_ENDIAN) {
    // A native u32 search (TypedArray.indexOf) for the magic, the rarer of the two words,
    // is what makes scanning run at memory speed; the window must be 4-aligned for it.
    const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
    const words = new Uint32Array(aligned.buffer, aligned.byteOffset, aligned.length >>> 2);
    const lastWord = (end - 1) >>> 2;
    let at = words.indexOf(HIVE_MAGIC, 2);
    while (at !== -1 && at - 2 <= lastWord) {
      if (words[at - 2] === HIVE_VERSION) found.push((at - 2) * 4);
      at = words.indexOf(HIVE_MAGIC, at + 1);
    }
    return found;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let offset = 0; offset < end; offset += 4) {
    if (view.getUint32(offset + 8, true) === HIVE_MAGIC && view.getUint32(offset, true) === HIVE_VERSION) found.push(offset);
  }
  return found;
}
