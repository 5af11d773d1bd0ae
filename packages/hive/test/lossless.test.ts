import { describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { HiveFormatError, assembleHive, disassembleHive, encodeHive, openHive, rewriteHive } from '@hivetool/hive';
import { ValueType, encodeUtf16 } from '@hivetool/registry';
import { CORPUS_FILES, REPO_ROOT, corpusBytes, describeCorpus, runs } from '@hivetool/test-support';

const describeWithCorpus = describeCorpus(describe);
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

describeWithCorpus('lossless rewrite of the corpus', () => {
  test.each(CORPUS_FILES)('%s: rewrite gives the identical bytes (sha256)', (file) => {
    const bytes = corpusBytes(file);
    const out = rewriteHive(openHive(bytes));
    expect(out).not.toBe(bytes);
    expect(sha256(out)).toBe(sha256(bytes));
  });

  test('the parts keep stale log entries and free-block contents', () => {
    const parts = disassembleHive(openHive(corpusBytes('boot.hv')));
    expect(parts.header.logEntryCount).toBe(0);
    expect(parts.header.logArea.some((byte) => byte !== 0)).toBe(true);
    expect(parts.blocks.filter((block) => block.kind === 'free')).toHaveLength(1);
    expect(parts.blocks.filter((block) => block.kind === 'key')).toHaveLength(105);
  });

  test('any corruption that still opens is re-emitted as it is (random byte changes)', () => {
    const original = corpusBytes('user.hv');
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({ max: original.length - 1 }), fc.nat({ max: 255 })), { minLength: 1, maxLength: 8 }), (changes) => {
        const bytes = original.slice();
        for (const [offset, value] of changes) bytes[offset] = value;
        let hive;
        try {
          hive = openHive(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(HiveFormatError);
          return;
        }
        expect(same(rewriteHive(hive), bytes)).toBe(true);
      }),
      { seed: 3, numRuns: runs(200) },
    );
  });
});

describe('lossless rewrite without the corpus', () => {
  test.each(['device.hv', 'multi-section.hv'])('samples/%s', (file) => {
    const bytes = new Uint8Array(readFileSync(join(REPO_ROOT, 'samples', file)));
    expect(same(rewriteHive(openHive(bytes)), bytes)).toBe(true);
  });

  test('a damaged heap is kept as a tail, not refused', () => {
    const bytes = new Uint8Array(readFileSync(join(REPO_ROOT, 'samples/device.hv')));
    // Make the final free block claim more than the file holds.
    const parts = disassembleHive(openHive(bytes));
    const free = [...parts.blocks].reverse().find((block) => block.kind === 'free');
    expect(free).toBeDefined();
    const freeOffset = bytes.length - 12 - (free as { payload: Uint8Array }).payload.length;
    new DataView(bytes.buffer).setUint32(freeOffset, 0x7fff_fff1, true);
    const damaged = disassembleHive(openHive(bytes));
    expect(damaged.blocks[damaged.blocks.length - 1]!.kind).toBe('tail');
    expect(same(assembleHive(damaged), bytes)).toBe(true);
  });

  test('padding bytes and unknown bits survive a rewrite; edits to parts are written', () => {
    const tree = { roots: { 2: [{ name: 'K', flags: 0x4602, values: [{ name: 'V', type: ValueType.SZ, data: encodeUtf16('x\0'), flags: 2 }] }] } };
    const bytes = encodeHive(tree, { layout: 'persistent' });
    const parts = disassembleHive(openHive(bytes));
    const value = parts.blocks.find((block) => block.kind === 'value');
    if (value?.kind !== 'value') throw new Error('no value part');
    expect(value.flags).toBe(2);
    value.name = 'Renamed';
    const edited = openHive(assembleHive(parts));
    expect(edited.key('HKLM\\K')!.value('renamed')).toBeDefined();
  });

  test('assembling refuses names over 255 units', () => {
    const parts = disassembleHive(openHive(new Uint8Array(readFileSync(join(REPO_ROOT, 'samples/device.hv')))));
    const key = parts.blocks.find((block) => block.kind === 'key');
    if (key?.kind !== 'key') throw new Error('no key part');
    key.name = 'x'.repeat(256);
    expect(() => assembleHive(parts)).toThrow(expect.objectContaining({ code: 'LIMIT_EXCEEDED' }));
  });
});
