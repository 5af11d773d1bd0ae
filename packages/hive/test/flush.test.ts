/**
 * The two-phase flush of format guide §3a, cut after every byte: whatever the moment of
 * the power cut, the hive Windows CE mounts afterwards is exactly the hive before the
 * flush or exactly the hive after it, never a mix; and the repaired file verifies clean.
 *
 * States are corpus hives with random in-place edits (value data bytes, and header fields
 * of page 0, whose copy must keep the flush's own 12 bytes), sometimes starting from a
 * file that already carries stale restore records of an earlier flush.
 */
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { openHive, planFlush, recoverHive, readRestoreArea, simulateFlush, verifyHive, type FlushPlan } from '@hivetool/hive';
import { BlockType, ValueField, walkHeap } from '@hivetool/hive/layout';
import { CORPUS_FILES, corpusBytes, describeCorpus, padHive, runs, settleHive, type CorpusFile } from '@hivetool/test-support';


const describeWithCorpus = describeCorpus(describe);

/** File offsets and lengths of the value data in a hive (where in-place edits go). */
function valueData(bytes: Uint8Array): Array<{ at: number; length: number }> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Array<{ at: number; length: number }> = [];
  walkHeap(bytes, view, (block) => {
    if (block.free || block.type !== BlockType.VALUE) return;
    const at = block.offset + 12;
    const length = view.getUint16(at + ValueField.dataLength, true);
    if (length > 0) out.push({ at: at + ValueField.name + 2 * bytes[at + ValueField.nameLength]!, length });
  });
  return out;
}

type Edit = [number, number, number];

/** A copy of `hive` with value bytes changed (`[which value, which byte, xor]`) and maybe a header field. */
function edited(hive: Uint8Array, data: Array<{ at: number; length: number }>, edits: Edit[], header: number): Uint8Array {
  const out = hive.slice();
  for (const [which, where, xor] of edits) {
    const value = data[which % data.length]!;
    out[value.at + (where % value.length)]! ^= xor;
  }
  // Boot sequence number (0x0F4) and virtbase (0x0E4): fields a device changes in page 0.
  if (header !== 0) new DataView(out.buffer).setUint32(header % 2 === 0 ? 0x0f4 : 0x0e4, header, true);
  return out;
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));

/** What the kernel mounts from `file`: the repaired hive, up to restoreStart. */
const mounted = (file: Uint8Array): Uint8Array => recoverHive(file, { truncate: true });

function expectClean(file: Uint8Array, where: string): void {
  const report = verifyHive(recoverHive(file));
  const bad = report.findings.filter((f) => f.severity !== 'info').map((f) => `${f.code}: ${f.message}`);
  expect({ where, bad, action: report.restore?.action }).toEqual({ where, bad: [], action: 'none' });
}

/**
 * Applies the plan byte by byte to a copy of `start`, checking the mounted hive at every
 * cut point; at the ends of the writes (and a few points inside each) it also checks that
 * recover-then-verify is clean, that `openHive` reads the same hive as mounted, and that
 * `simulateFlush` makes the same file.
 */
function checkEveryCut(start: Uint8Array, before: Uint8Array, after: Uint8Array, plan: FlushPlan, pick: () => number, simulated = true): { toBefore: number; toAfter: number } {
  const end = plan.writes.reduce((max, w) => Math.max(max, w.offset + w.bytes.length), start.length);
  const buffer = new Uint8Array(end);
  buffer.set(start);
  let length = start.length;
  let done = 0;
  let toBefore = 0;
  let toAfter = 0;
  const check = (deep: boolean, what: string): void => {
    const file = buffer.subarray(0, length);
    const hive = mounted(file);
    const isBefore = sameBytes(hive, before);
    const isAfter = sameBytes(hive, after);
    if (!isBefore && !isAfter) throw new Error(`cut after ${done} byte(s) (${what}): the mounted hive is neither before nor after`);
    if (isBefore) toBefore++;
    else toAfter++;
    if (!deep) return;
    expectClean(file, `cut after ${done} byte(s), ${what}`);
    const view = openHive(file);
    view.loadAll();
    expect(sameBytes(view.bytes, hive)).toBe(true);
    if (simulated) expect(sameBytes(simulateFlush(start, after, { pageSize: plan.pageSize, cutAt: done }), file)).toBe(true);
  };
  check(true, 'nothing written');
  for (const write of plan.writes) {
    const inside = new Set([pick() % write.bytes.length, pick() % write.bytes.length]);
    for (let i = 0; i < write.bytes.length; i++) {
      buffer[write.offset + i] = write.bytes[i]!;
      length = Math.max(length, write.offset + i + 1);
      done++;
      check(i === write.bytes.length - 1 || inside.has(i), write.what);
    }
  }
  expect(done).toBe(plan.totalBytes);
  return { toBefore, toAfter };
}

describeWithCorpus('the two-phase flush, cut after every byte', () => {
  const hives = new Map<string, { bytes: Uint8Array; data: Array<{ at: number; length: number }> }>();
  const state = (file: CorpusFile, pageSize: number): { bytes: Uint8Array; data: Array<{ at: number; length: number }> } => {
    const key = `${file}/${pageSize}`;
    let entry = hives.get(key);
    if (entry === undefined) {
      const bytes = settleHive(padHive(corpusBytes(file), pageSize), pageSize);
      entry = { bytes, data: valueData(bytes) };
      hives.set(key, entry);
    }
    return entry;
  };

  test('the mounted hive is exactly before or exactly after, and recover + verify is clean', () => {
    const edit = fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 1, max: 255 }));
    fc.assert(
      fc.property(
        fc.constantFrom(...CORPUS_FILES),
        fc.constantFrom(4096, 8192),
        fc.array(edit, { minLength: 1, maxLength: 3 }),
        fc.nat({ max: 3 }),
        fc.option(fc.array(edit, { minLength: 1, maxLength: 3 }), { nil: undefined }),
        fc.nat(),
        (file, pageSize, edits, header, earlier, seed) => {
          const { bytes: base, data } = state(file, pageSize);
          // Optionally an earlier, finished flush: the file then carries its stale records.
          const start = earlier === undefined ? base : simulateFlush(base, edited(base, data, earlier, 0), { pageSize });
          const before = start.subarray(0, readRestoreArea(start).restoreStart);
          const after = edited(before, data, edits, header);
          const plan = planFlush(start, after, { pageSize });
          let state32 = seed >>> 0;
          const pick = (): number => (state32 = (Math.imul(state32, 1664525) + 1013904223) >>> 0);
          const { toBefore, toAfter } = checkEveryCut(start, before, after, plan, pick);
          // Until restoreFlags = 2 is written the old hive is mounted, from then on the new one.
          const flagsTwo = plan.writes.findIndex((w) => w.what === 'restoreFlags = 2');
          const switchAt = plan.writes.slice(0, flagsTwo).reduce((sum, w) => sum + w.bytes.length, 0) + 1;
          if (plan.totalBytes > 0) expect({ toBefore, toAfter }).toEqual({ toBefore: switchAt, toAfter: plan.totalBytes + 1 - switchAt });
        },
      ),
      { seed: 14, numRuns: runs(6, 150) },
    );
  });

  test('the check catches a flush that copies before it commits (a mix of both hives)', () => {
    const { bytes: base, data } = state('user.hv', 4096);
    const after = edited(base, data, [[1, 0, 0x20], [9, 3, 0x08], [30, 2, 0x01]], 5);
    const plan = planFlush(base, after, { pageSize: 4096 });
    expect(plan.dirtyPages.length).toBeGreaterThanOrEqual(2);
    // restoreFlags = 2 moved after the copies: a cut between two copies mixes the hives.
    const flagsTwo = plan.writes.findIndex((w) => w.what === 'restoreFlags = 2');
    const wrong = { ...plan, writes: [...plan.writes.slice(0, flagsTwo), ...plan.writes.slice(flagsTwo + 1, -2), plan.writes[flagsTwo]!, ...plan.writes.slice(-2)] };
    expect(() => checkEveryCut(base, base, after, wrong, () => 0, false)).toThrow(/neither before nor after/);
  });

  test('a finished flush leaves the new hive with restoreFlags 0 and a stale tail that reads as without it', () => {
    const { bytes: base, data } = state('boot.hv', 4096);
    const after = edited(base, data, [[3, 5, 0x41], [40, 1, 0x10]], 7);
    const file = simulateFlush(base, after, { pageSize: 4096 });
    const area = readRestoreArea(file);
    expect(area).toMatchObject({ flags: 0, restoreStart: base.length, restoreSize: 4096, action: 'none', liveCount: 0 });
    expect(area.recordCount).toBe(planFlush(base, after, { pageSize: 4096 }).dirtyPages.length);
    expect(area.recordCount).toBeGreaterThanOrEqual(2);
    expect(sameBytes(file.subarray(0, area.restoreStart), after)).toBe(true);
  });

  test('planFlush refuses states that cannot be the two ends of one flush', () => {
    const { bytes: base } = state('user.hv', 4096);
    const dirty = base.slice();
    new DataView(dirty.buffer).setUint32(0x1c, 1, true);
    expect(() => planFlush(dirty, base, { pageSize: 4096 })).toThrow(/restoreFlags 1/);
    expect(() => planFlush(base, base, { pageSize: 3000 })).toThrow(RangeError);
    expect(() => planFlush(base, base.subarray(0, 0x6000), { pageSize: 4096 })).toThrow(RangeError);
    expect(planFlush(base, base, { pageSize: 4096 }).totalBytes).toBe(0);
  });
});
