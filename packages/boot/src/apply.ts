import { encodeLinkedHive, readTree, type Hive } from '@hivetool/hive';

/**
 * The persistent hive filesys creates on a clean or first boot: nothing of its own, every
 * key linked into the ROM hive (format guide §9), carrying the ROM's signature so the next
 * boot keeps it. Written by the linked writer, which stores the first top-level key as a
 * copy so the file reads as persistent (format guide §7).
 *
 * @throws {HiveFormatError} `NOT_A_ROM_HIVE` if `rom` is not a ROM hive.
 */
export function emptyPersistentHive(rom: Hive): Uint8Array {
  return encodeLinkedHive(rom, readTree(rom));
}
