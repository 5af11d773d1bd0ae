import { CodecError, type CodecErrorDetails } from '@hivetool/registry';

/**
 * Machine-readable reasons a hive cannot be read. Stable: scripts and tests match on them.
 * One vocabulary with `verifyHive`: a condition the reader stops at is reported by verify
 * under the same code (`FindingCode` adds the ones only verify reports).
 */
export type HiveErrorCode =
  | 'TRUNCATED' // the file is shorter than a structure it must hold
  | 'BAD_MAGIC' // magic2 is not "EKIM"
  | 'DIRECTORY_OFFSET_PAST_EOF' // a section directory entry points outside the heap
  | 'SECTION_TABLE_NOT_A_BLOCK' // a section directory entry points at no block start (not 4-aligned)
  | 'BAD_SECTION_TABLE' // a section table block is not a section table
  | 'LINK_TO_MISSING_SECTION' // a reference names a section the directory does not list
  | 'LINK_TO_FREE_SLOT' // a reference names a free slot
  | 'SLOT_OUT_OF_HEAP' // a used slot points outside the heap
  | 'HEAP_CUT' // the heap ends in a partial block header
  | 'BLOCK_PAST_EOF' // a block's size runs past the end of the file
  | 'BLOCK_SIZE_UNALIGNED' // a block's size is not a multiple of 4
  | 'SLOT_POINTS_TO_FREE' // a slot a reference leads through points at a free block
  | 'ID_MISMATCH' // a block's id field is not the id that led to it
  | 'LINK_WRONG_TYPE' // a link points at a record of another type
  | 'RECORD_TOO_SMALL' // a record's block is smaller than its fixed fields
  | 'NAME_PAST_BLOCK' // a name length runs past its block
  | 'DATA_PAST_BLOCK' // a value's data length runs past its block
  | 'SIBLING_CYCLE' // a sibling chain reaches a key twice
  | 'CHILD_CYCLE' // a child link reaches a key already on the walk
  | 'VALUE_CYCLE' // a value chain reaches a value twice
  | 'DEPTH_LIMIT' // keys nest deeper than the maxDepth limit
  | 'LIMIT_EXCEEDED' // another configured limit (count, size) was passed
  | 'BAD_PATH' // a key path that names no root
  | 'NOT_A_ROM_HIVE' // the hive given as a persistent hive's ROM is not a ROM hive
  | 'RESTORE_START_PAST_EOF' // restoreStart, the logical end of the hive, lies past the end of the file
  | 'RESTORE_START_UNALIGNED' // restoreStart is not a whole number of pages
  | 'RESTORE_PAGE_SIZE_BAD' // a copy is pending and restoreSize names no page size
  | 'RESTORE_COUNT_TOO_LARGE' // restoreSize counts more restore records than the tail holds
  | 'RESTORE_TARGET_PAST_HIVE' // a live restore record belongs past the logical end of the hive
  | 'RESTORE_TARGET_UNALIGNED'; // a live restore record belongs at an offset that is no page boundary

/**
 * Codes only `verifyHive` reports: things a reader need not stop at (unknown bits, lost
 * space, a pending flush…) and checks that need the whole file at once (tiling, shared
 * slots, free-slot chains). docs/verify.md explains each.
 */
export type VerifyOnlyCode =
  | 'UNKNOWN_VERSION'
  | 'MAGIC1_SET'
  | 'NOT_PAGE_ALIGNED'
  | 'LOG_COUNT_TOO_LARGE'
  | 'LOG_PENDING'
  | 'RESTORE_APPENDING'
  | 'RESTORE_COPYING'
  | 'RESTORE_FLAGS_UNKNOWN'
  | 'RESTORE_TAIL'
  | 'BLOCK_WORD2_SET'
  | 'FOREIGN_BLOCK_TYPE'
  | 'NO_FINAL_FREE_BLOCK'
  | 'SLOT_NOT_A_BLOCK'
  | 'SLOT_SHARED'
  | 'SLOT_UNKNOWN_BITS'
  | 'FREE_SLOT_BITS'
  | 'FREE_HEAD_OUT_OF_RANGE'
  | 'FREE_CHAIN_CYCLE'
  | 'FREE_CHAIN_USED_SLOT'
  | 'FREE_SLOTS_UNCHAINED'
  | 'ORPHAN_BLOCK'
  | 'KEY_FLAGS_UNKNOWN'
  | 'KEY_BYTE13_SET'
  | 'VALUE_FLAGS_SET'
  | 'RECORD_SLACK'
  | 'NO_ROOTS'
  | 'UNUSED_ROOT_SET'
  | 'LINK_UNKNOWN_STORE'
  | 'VOLATILE_STALE_CHILD'
  | 'UNREACHABLE_RECORD'
  | 'ROM_LINKS_UNCHECKED'
  | 'ROM_LINK_BROKEN'
  | 'ROM_LINK_WRONG_TYPE'
  | 'ROM_DAMAGED'
  | 'ROM_WRONG_ROLE'
  | 'ROM_COPY_ON_CHAIN'
  | 'SIGNATURE_MISMATCH'
  | 'SIGNATURE_DIFFERS'
  | 'VERIFY_INTERNAL';

/** Every code a `verifyHive` finding carries: the reader's codes and the verify-only ones. */
export type FindingCode = HiveErrorCode | VerifyOnlyCode;

export type HiveFormatErrorDetails = CodecErrorDetails;

/**
 * The one error the hive codec throws for bad input. `code` and `offset` are for programs;
 * the message, made from the fields, is for people.
 */
export class HiveFormatError extends CodecError<HiveErrorCode> {
  override readonly name = 'HiveFormatError';
}

/** Type guard usable across realms and worker boundaries (matches on shape, not class). */
export function isHiveFormatError(error: unknown): error is HiveFormatError {
  return error instanceof HiveFormatError || (error instanceof Error && error.name === 'HiveFormatError' && 'code' in error);
}
