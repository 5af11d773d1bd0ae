/**
 * The restore area (format guide §3, §3a): the heap ends at restoreStart, records after it
 * are reported, a stale tail changes nothing, and each kind of damage has its own code.
 * Files with a tail are made by the flush simulator (no public sample has one).
 */
import { describe, expect, test } from '@jest/globals';
import { HiveFormatError, hiveStatistics, openHive, readRestoreArea, readTree, recoverHive, simulateFlush, verifyHive, planFlush, applyFlush, rewriteHive } from '@hivetool/hive';
import { mountedView, restoreRecords } from '@hivetool/hive/layout';
import fc from 'fast-check';
import { corpusBytes, describeCorpus, flattenTree, padHive, runs, settleHive } from '@hivetool/test-support';

const describeWithCorpus = describeCorpus(describe);
const u32 = (bytes: Uint8Array, offset: number, value: number): void => new DataView(bytes.buffer, bytes.byteOffset).setUint32(offset, value >>> 0, true);
const read32 = (bytes: Uint8Array, offset: number): number => new DataView(bytes.buffer, bytes.byteOffset).getUint32(offset, true);

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    if (error instanceof HiveFormatError) return `${error.code}@${error.offset}`;
    throw error;
  }
  return undefined;
}

describeWithCorpus('restore area', () => {
  const base = (): Uint8Array => settleHive(corpusBytes('user.hv'), 4096);
  /** user.hv edited in two pages (a value's data and the boot sequence in page 0). */
  const edit = (hive: Uint8Array): Uint8Array => {
    const out = hive.slice(0, read32(hive, 0x20));
    const hkcu = openHive(out).root(1);
    const value = [...hkcu.subkeys()].flatMap((key) => (key.kind === 'key' ? [...key.values()] : [])).find((v) => v.kind === 'value' && v.dataLength > 0);
    if (value === undefined || value.kind !== 'value') throw new Error('user.hv has a value with data');
    out[value.dataOffset]! ^= 0x5a;
    u32(out, 0xf4, read32(out, 0xf4) + 1);
    return out;
  };
  /** Cut in phase 2 after `pages` page copies: restoreFlags 2 with live records. */
  const copying = (): { file: Uint8Array; before: Uint8Array; after: Uint8Array } => {
    const before = base();
    const after = edit(before);
    const plan = planFlush(before, after, { pageSize: 4096 });
    const flagsTwo = plan.writes.findIndex((w) => w.what === 'restoreFlags = 2');
    const cut = plan.writes.slice(0, flagsTwo + 1).reduce((sum, w) => sum + w.bytes.length, 0) + 10;
    return { file: applyFlush(before, plan, cut), before, after };
  };

  test('a stale tail after a clean flush reads exactly as the hive without it, and is listed', () => {
    const before = base();
    const after = edit(before);
    const file = simulateFlush(before, after, { pageSize: 4096 });
    expect(file.length).toBeGreaterThan(after.length);
    const withTail = openHive(file);
    const without = openHive(after);
    expect(withTail.repaired).toBe(false);
    expect(withTail.length).toBe(after.length);
    expect(flattenTree(readTree(withTail))).toEqual(flattenTree(readTree(without)));
    expect({ ...hiveStatistics(withTail), fileLength: 0 }).toEqual({ ...hiveStatistics(without), fileLength: 0 });
    expect(hiveStatistics(withTail).fileLength).toBe(file.length);
    const records = [...restoreRecords(file, withTail.restore)];
    expect(records.map((r) => ({ target: r.targetOffset, inside: r.insideHive, live: r.live }))).toEqual(
      planFlush(before, after, { pageSize: 4096 }).dirtyPages.map((target) => ({ target, inside: true, live: false })),
    );
    expect(records[0]!.targetOffset).toBe(0); // the header page was dirty: its copy leads the tail
    const report = verifyHive(file);
    expect(report.findings.map((f) => f.code)).toEqual(['RESTORE_TAIL']);
    expect(report.restore).toMatchObject({ action: 'none', pages: 0, recordCount: records.length, tailLength: file.length - after.length });
    // A lossless rewrite keeps the tail.
    expect(rewriteHive(openHive(file, { recovery: 'as-stored' }))).toEqual(file);
  });

  test('restoreFlags 2: as mounted reads the new hive, as stored the bytes in the file; recover repairs', () => {
    const { file, before, after } = copying();
    const area = readRestoreArea(file);
    expect(area).toMatchObject({ flags: 2, action: 'copy', liveCount: 2, actionPages: 2 });
    const mounted = openHive(file);
    expect(mounted.repaired).toBe(true);
    expect(mounted.header.restoreFlags).toBe(0);
    expect(flattenTree(readTree(mounted))).toEqual(flattenTree(readTree(openHive(after))));
    const stored = openHive(file, { recovery: 'as-stored' });
    expect(stored.header.restoreFlags).toBe(2);
    expect(stored.bytes.buffer).toBe(file.buffer); // a view, not a copy
    const repaired = recoverHive(file, { truncate: true });
    expect(repaired).toEqual(after);
    expect(recoverHive(file).length).toBe(file.length);
    expect(repaired).not.toEqual(before);
    // Page by page: only what the reader touches is filled in.
    const lazy = mountedView(file, area);
    lazy.load(0x5000, 16);
    expect(lazy.bytes.subarray(0x5000, 0x5010)).toEqual(after.subarray(0x5000, 0x5010));
    expect(lazy.bytes.subarray(0, 0x1000).every((b) => b === 0)).toBe(true);
    const report = verifyHive(file);
    expect(report.findings.filter((f) => f.severity !== 'info').map((f) => f.code)).toEqual(['RESTORE_COPYING']);
    expect(report.restore).toMatchObject({ action: 'copy', pages: 2, view: 'as-mounted' });
    expect(verifyHive(file, { recovery: 'as-stored' }).restore?.view).toBe('as-stored');
  });

  test('a file read on demand (the load hook) mounts the same hive, loading the record headers it checks first', () => {
    const { file, after } = copying();
    const empty = new Uint8Array(file.length);
    const load = (offset: number, length: number): void => empty.set(file.subarray(offset, offset + length), offset);
    const hive = openHive(empty, { load });
    expect(hive.repaired).toBe(true);
    expect(flattenTree(readTree(hive))).toEqual(flattenTree(readTree(openHive(after))));
    expect(hive.restoreRecord(1)).toMatchObject({ live: true, insideHive: true });
  });

  test('restoreFlags 1: the records are discarded and the old hive is mounted', () => {
    const before = base();
    const plan = planFlush(before, edit(before), { pageSize: 4096 });
    const file = applyFlush(before, plan, plan.writes[0]!.bytes.length + plan.writes[1]!.bytes.length + 50);
    expect(readRestoreArea(file)).toMatchObject({ flags: 1, action: 'discard', recordCount: 1, trailingBytes: 50, actionPages: 1 });
    expect(recoverHive(file, { truncate: true })).toEqual(before);
    const hive = openHive(file);
    hive.loadAll();
    expect(hive.bytes).toEqual(before);
    expect(verifyHive(file).findings.map((f) => f.code)).toEqual(['RESTORE_APPENDING']);
  });

  test('each kind of damage has its own code, from the reader, recover and verify', () => {
    const { file } = copying();
    const cases: Array<[string, (b: Uint8Array) => Uint8Array | void]> = [
      ['RESTORE_START_PAST_EOF@32', (b) => b.subarray(0, read32(b, 0x20) - 4096)],
      ['RESTORE_START_UNALIGNED@32', (b) => u32(b, 0x20, read32(b, 0x20) - 100)],
      ['RESTORE_PAGE_SIZE_BAD@36', (b) => u32(b, 0x24, (2 << 16) | 0x1001)],
      ['RESTORE_COUNT_TOO_LARGE@36', (b) => u32(b, 0x24, (3 << 16) | 0x1000)],
      ['RESTORE_TARGET_PAST_HIVE@' + read32(file, 0x20), (b) => u32(b, read32(b, 0x20), read32(b, 0x20))],
      ['RESTORE_TARGET_UNALIGNED@' + read32(file, 0x20), (b) => u32(b, read32(b, 0x20), 0x5004)],
    ];
    for (const [expected, damage] of cases) {
      const copy = file.slice();
      const damaged = damage(copy) ?? copy;
      expect([expected, codeOf(() => openHive(damaged))]).toEqual([expected, expected]);
      expect([expected, codeOf(() => recoverHive(damaged))]).toEqual([expected, expected]);
      const code = expected.split('@')[0]!;
      const report = verifyHive(damaged);
      expect([expected, report.findings.some((f) => f.code === code && f.severity === 'error')]).toEqual([expected, true]);
    }
    // Stale records are reported, never judged: a target past the hive in a clean file is fine.
    const stale = simulateFlush(base(), edit(base()), { pageSize: 4096 });
    u32(stale, read32(stale, 0x20), 0x7fff0000);
    expect(codeOf(() => openHive(stale))).toBeUndefined();
    expect([...restoreRecords(stale, readRestoreArea(stale))][0]).toMatchObject({ targetOffset: 0x7fff0000, insideHive: false, live: false });
  });

  test('random restore fields and tails: only HiveFormatError escapes the reader and recover, verify never throws', () => {
    const { file } = copying();
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0x1c, max: 0x27 }), fc.nat({ max: 255 })), { maxLength: 6 }), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { maxLength: 8 }), fc.nat(), (header, tail, cut) => {
        const bytes = file.slice(0, file.length - (cut % 64));
        for (const [at, value] of header) bytes[at] = value;
        const start = read32(file, 0x20);
        for (const [at, value] of tail) bytes[start + (at % (bytes.length - start))] = value;
        for (const action of [() => openHive(bytes).loadAll(), () => recoverHive(bytes), () => openHive(bytes, { recovery: 'as-stored' })]) {
          try {
            action();
          } catch (error) {
            expect(error).toBeInstanceOf(HiveFormatError);
          }
        }
        expect(verifyHive(bytes).findings.some((f) => f.code === 'VERIFY_INTERNAL')).toBe(false);
      }),
      { seed: 144, numRuns: runs(200) },
    );
  });

  test('bytes too short for a header, or not a hive: readRestoreArea and recoverHive throw TRUNCATED or BAD_MAGIC', () => {
    for (const length of [0, 4, 0x27, 0x28, 4095]) {
      const bytes = new Uint8Array(length).fill(0x41);
      expect(codeOf(() => readRestoreArea(bytes))).toBe('TRUNCATED@0');
      expect(codeOf(() => recoverHive(bytes))).toBe('TRUNCATED@0');
    }
    expect(codeOf(() => recoverHive(new Uint8Array(8192).fill(0x41)))).toBe('BAD_MAGIC@8');
  });

  test('8 KiB restore pages', () => {
    const before = settleHive(padHive(corpusBytes('boot.hv'), 8192), 8192);
    expect(before.length % 8192).toBe(0);
    const after = before.slice();
    u32(after, 0xe4, 0x00a00000);
    const file = simulateFlush(before, after, { pageSize: 8192 });
    expect(readRestoreArea(file)).toMatchObject({ pageSize: 8192, recordCount: 1, restoreSize: 8192 });
    expect(verifyHive(file).summary).toEqual({ errors: 0, warnings: 0, infos: 1 });
  });
});
