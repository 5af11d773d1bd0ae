import { sha256 } from '@noble/hashes/sha2';
import { HEAP_OFFSET } from './layout.js';

const GUID_DOMAIN = new TextEncoder().encode('hivetool volume GUID\0');

/**
 * The ROM signature hivetool gives a hive it builds when none is supplied: the first 16
 * bytes of SHA-256 over the heap (0x5000 to EOF). How Microsoft's tools compute the real
 * one is not known (format guide §3), so this is only for hives hivetool creates itself;
 * a persistent hive must carry its ROM's actual signature instead.
 */
export function deriveRomSignature(file: Uint8Array): Uint8Array {
  return sha256(file.subarray(HEAP_OFFSET)).subarray(0, 16);
}

/** The volume GUID of a built hive when none is supplied: SHA-256 of a domain tag and the heap, 16 bytes. */
export function deriveVolumeGuid(file: Uint8Array): Uint8Array {
  const input = new Uint8Array(GUID_DOMAIN.length + file.length - HEAP_OFFSET);
  input.set(GUID_DOMAIN);
  input.set(file.subarray(HEAP_OFFSET), GUID_DOMAIN.length);
  return sha256(input).subarray(0, 16);
}
