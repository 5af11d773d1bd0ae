/** verify, format guide §4: the section directory. */
import { BLOCK_HEADER_SIZE, DIRECTORY_OFFSET, HEAP_OFFSET, SECTION_TABLE_PAYLOAD } from '../layout.js';
import { directoryLength } from '../directory.js';
import type { Findings } from './findings.js';
import type { VerifyReport } from './report.js';

/**
 * The heap-relative offsets of the section tables the directory lists (entry 0 is
 * section 0); undefined when the file is too short for the directory and one table.
 * Each table is checked where the slots are (see slots.ts).
 */
export function readSections(length: number, u32: (offset: number) => number, findings: Findings, report: VerifyReport): number[] | undefined {
  if (length < HEAP_OFFSET + BLOCK_HEADER_SIZE + SECTION_TABLE_PAYLOAD) {
    findings.add('error', 'TRUNCATED', length, `the file is ${length} bytes, too short for the section directory and the first section table`);
    return undefined;
  }
  const sections: number[] = [0];
  const sectionCount = directoryLength(u32);
  for (let i = 1; i < sectionCount; i++) sections.push(u32(DIRECTORY_OFFSET + 4 * i));
  report.counts.sections = sections.length;
  return sections;
}
