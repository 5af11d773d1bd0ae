import { HiveFormatError } from './errors.js';
import { BLOCK_HEADER_SIZE, DIRECTORY_OFFSET, HEAP_OFFSET, MAX_SECTIONS, SECTION_TABLE_PAYLOAD } from './layout.js';

/**
 * Entries of the section directory (format guide §4): entry 0 is always section 0, and the
 * list ends at the first zero after it (or when the directory is full).
 */
export function directoryLength(read32: (offset: number) => number): number {
  let count = 1;
  while (count < MAX_SECTIONS && read32(DIRECTORY_OFFSET + 4 * count) !== 0) count++;
  return count;
}

/** File offset where a section table at heap-relative `relative` ends. */
export function sectionTableEnd(relative: number): number {
  return HEAP_OFFSET + relative + BLOCK_HEADER_SIZE + SECTION_TABLE_PAYLOAD;
}

/**
 * Reads the section directory (format guide §4): u32 offsets relative to 0x5000, entry 0
 * always section 0, the list ending at the first zero after entry 0. Each entry is checked
 * to leave room for a whole section table inside the file.
 */
export function readDirectory(view: DataView, fileLength: number): Uint32Array {
  if (fileLength < HEAP_OFFSET + BLOCK_HEADER_SIZE + SECTION_TABLE_PAYLOAD) {
    throw new HiveFormatError('TRUNCATED', {
      what: 'file too short for the section directory and the first section table',
      offset: fileLength,
      expected: `at least ${HEAP_OFFSET + BLOCK_HEADER_SIZE + SECTION_TABLE_PAYLOAD} bytes`,
      actual: `${fileLength} bytes`,
    });
  }
  const count = directoryLength((offset) => view.getUint32(offset, true));
  const offsets = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    const entryOffset = DIRECTORY_OFFSET + 4 * i;
    const relative = i === 0 ? 0 : view.getUint32(entryOffset, true);
    const tableEnd = sectionTableEnd(relative);
    if (relative % 4 !== 0) {
      throw new HiveFormatError('SECTION_TABLE_NOT_A_BLOCK', { what: `section directory entry ${i} is not 4-aligned`, offset: entryOffset, actual: `0x${relative.toString(16)}` });
    }
    if (tableEnd > fileLength) {
      throw new HiveFormatError('DIRECTORY_OFFSET_PAST_EOF', {
        what: `section directory entry ${i}`,
        offset: entryOffset,
        expected: `a section table before EOF (${fileLength})`,
        actual: `0x${relative.toString(16)} (table would end at ${tableEnd})`,
      });
    }
    offsets[i] = relative;
  }
  return offsets;
}
