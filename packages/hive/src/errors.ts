import { CodecError, type CodecErrorDetails } from '@hivetool/registry';

/**
 * Machine-readable reasons a hive cannot be read. Stable: scripts and tests match on them.
 */
export type HiveErrorCode =
  | 'TRUNCATED' // the file is shorter than a structure it must hold
  | 'BAD_MAGIC' // magic2 is not "EKIM"
  | 'DIRECTORY_OFFSET_PAST_EOF' // a section directory entry points outside the heap
  | 'BAD_SECTION_TABLE' // a section table block is not a section table
  | 'SECTION_MISSING' // a reference names a section the directory does not list
  | 'SLOT_FREE' // a reference names a free slot
  | 'SLOT_OUT_OF_HEAP' // a used slot points outside the heap
  | 'BLOCK_PAST_EOF' // a block's size runs past the end of the file
  | 'BLOCK_SIZE_UNALIGNED' // a block's size is not a multiple of 4
  | 'BLOCK_FREE' // a slot or reference points at a free block
  | 'ID_MISMATCH' // a block's id field is not the id that led to it
  | 'WRONG_RECORD_TYPE' // a link points at a record of another type
  | 'RECORD_TOO_SMALL' // a record's block is smaller than its fixed fields
  | 'NAME_PAST_BLOCK' // a name length runs past its block
  | 'DATA_PAST_BLOCK' // a value's data length runs past its block
  | 'SIBLING_CYCLE' // a sibling chain reaches a key twice
  | 'CHILD_CYCLE' // a child link reaches a key already on the walk
  | 'VALUE_CYCLE' // a value chain reaches a value twice
  | 'LIMIT_EXCEEDED' // a configured limit (depth, count, size) was passed
  | 'BAD_PATH' // a key path that names no root
  | 'NOT_A_ROM_HIVE' // the hive given as a persistent hive's ROM is not a ROM hive
  | 'RESTORE_START_PAST_EOF' // restoreStart, the logical end of the hive, lies past the end of the file
  | 'RESTORE_START_UNALIGNED' // restoreStart is not a whole number of pages
  | 'RESTORE_PAGE_SIZE_BAD' // a copy is pending and restoreSize names no page size
  | 'RESTORE_COUNT_TOO_LARGE' // restoreSize counts more restore records than the tail holds
  | 'RESTORE_TARGET_PAST_HIVE' // a live restore record belongs past the logical end of the hive
  | 'RESTORE_TARGET_UNALIGNED'; // a live restore record belongs at an offset that is no page boundary

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
