import { sha256 } from '@noble/hashes/sha2';
import { HEAP_OFFSET } from './layout.js';

const GUID_DOMAIN = new TextEncoder().encode('hivetool volume GUID\0');

/**
 * SHA-256 of the concatenation of `parts`. The portable one (`@noble/hashes`) is the
 * default; the CLI passes Node's `crypto` one, several times faster on large heaps.
 */
export type Sha256 = (parts: readonly Uint8Array[]) => Uint8Array;

const portableSha256: Sha256 = (parts) => {
  const hash = sha256.create();
  for (const part of parts) hash.update(part);
  return hash.digest();
};

/**
 * The ROM signature hivetool gives a hive it builds when none is supplied: the first 16
 * bytes of SHA-256 over the heap (0x5000 to EOF). How Microsoft's tools compute the real
 * one is not known (format guide §3), so this is only for hives hivetool creates itself;
 * a persistent hive must carry its ROM's actual signature instead.
 */
export function deriveRomSignature(file: Uint8Array, hash: Sha256 = portableSha256): Uint8Array {
  return hash([file.subarray(HEAP_OFFSET)]).subarray(0, 16);
}

/** The volume GUID of a built hive when none is supplied: SHA-256 of a domain tag and the heap, 16 bytes. */
export function deriveVolumeGuid(file: Uint8Array, hash: Sha256 = portableSha256): Uint8Array {
  return hash([GUID_DOMAIN, file.subarray(HEAP_OFFSET)]).subarray(0, 16);
}
