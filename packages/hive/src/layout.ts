/** Where the parts of a hive start (format guide §2). */
export const DIRECTORY_OFFSET = 0x1000;
export const HEAP_OFFSET = 0x5000;
/** The directory holds u32 entries from 0x1000 to 0x4FFF. */
export const MAX_SECTIONS = (HEAP_OFFSET - DIRECTORY_OFFSET) / 4;
/** Block header: sizeType, zero, id. */
export const BLOCK_HEADER_SIZE = 12;
export const SLOTS_PER_SECTION = 1024;
/** Section table payload: 1024 slots and the free-slot head. */
export const SECTION_TABLE_PAYLOAD = SLOTS_PER_SECTION * 4 + 4;
/** Hive files grow in pages of this size. */
export const PAGE_SIZE = 4096;

/** Block types (format guide §5). */
export const BlockType = {
  SECTION_TABLE: 0x2,
  DATABASE: 0x7,
  RECORD: 0x8,
  RECORD_MORE: 0x9,
  VOLUME: 0xa,
  ROOTS: 0xb,
  KEY: 0xc,
  VALUE: 0xd,
  INDEX: 0xe,
} as const;

const BLOCK_TYPE_NAMES: Record<number, string> = {
  0x2: 'section',
  0x7: 'database',
  0x8: 'record',
  0x9: 'record-more',
  0xa: 'volume',
  0xb: 'roots',
  0xc: 'key',
  0xd: 'value',
  0xe: 'index',
};

/** `key`, `value`… or `type-0x3` for a block type the guide does not list. */
export function blockTypeName(type: number): string {
  return BLOCK_TYPE_NAMES[type] ?? `type-0x${type.toString(16)}`;
}

export function align4(n: number): number {
  return (n + 3) & ~3;
}
