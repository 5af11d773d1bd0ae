/**
 * Every kind of damage the format guide's reader must catch, through the command line:
 * one line on stderr naming the file, the offset and the code; exit 2; no stack trace.
 */
import { describe, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROM, chainFixture, ref, runCli } from '@hivetool/test-support';
import { scratchDirectory } from '@hivetool/test-support/scratch';

const base = chainFixture;

const slot = (id: number): number => 0x5000 + 12 + 4 * id;

const damage: Array<[string, string, () => Uint8Array]> = [
  ['truncated file', 'TRUNCATED', () => base().bytes.subarray(0, 0x800)],
  ['file shorter than its hive', 'RESTORE_START_PAST_EOF', () => base().bytes.subarray(0, 0x3000)],
  ['wrong magic', 'BAD_MAGIC', () => { const b = base(); b.bytes[8] = 0x58; return b.bytes; }],
  ['directory offset past EOF', 'DIRECTORY_OFFSET_PAST_EOF', () => { const b = base(); b.view.setUint32(0x1004, 0x7fff0, true); return b.bytes; }],
  ['slot outside the heap', 'SLOT_OUT_OF_HEAP', () => { const b = base(); b.view.setUint32(slot(5), 0x0ffffff1, true); return b.bytes; }],
  ['block size past EOF', 'BLOCK_PAST_EOF', () => { const b = base(); b.view.setUint32(b.offsets.get(5)!, ((0xc << 28) | 0x0ffffff0) >>> 0, true); return b.bytes; }],
  ['sibling cycle', 'SIBLING_CYCLE', () => { const b = base(); b.view.setUint32(b.offsets.get(4)! + 12, ref(ROM, 1), true); return b.bytes; }],
  ['value chain cycle', 'VALUE_CYCLE', () => { const b = base(); b.view.setUint32(b.offsets.get(3)! + 12, ref(ROM, 2), true); return b.bytes; }],
  ['name length past the block', 'NAME_PAST_BLOCK', () => { const b = base(); b.bytes[b.offsets.get(5)! + 12 + 12] = 200; return b.bytes; }],
];

const scratch = scratchDirectory('hivetool-errors-');

describe('damaged hives on the command line', () => {
  test.each(damage)('%s → [%s]', (_name, code, make) => {
    const file = join(scratch.path, `${code}.hv`);
    writeFileSync(file, make());
    for (const args of [['dump'], ['dump', '-f', 'json'], ['info']]) {
      const result = runCli([...args, file]);
      expect(result.status).toBe(2);
      // A file that cannot be read is not a valid hive; one read past its damage (a damaged
      // record skipped, docs/verify.md) is a damaged hive, and says what was shown.
      const line = (found: string): RegExp => new RegExp(`^hivetool: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: (not a valid hive|damaged hive): .* at offset 0x[0-9a-f]{8}.*\\[${found}\\](; what was shown is what .*)?$`);
      const lines = result.stderr.trimEnd().split('\n');
      expect(lines[0]).toMatch(line(code));
      // dump stops at the first error it cannot read past, or names the damage it read past
      // and the records it skipped; info goes on past it and reports each part that stopped.
      if (args[0] === 'dump') expect(lines.length).toBeLessThanOrEqual(2);
      for (const other of lines) expect(other).toMatch(line('[A-Z_]+'));
    }
  });
});
