import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { openHive, walkTree, type Hive } from '@hivetool/hive';
import { recoverDeleted, type DeletedRecord } from '@hivetool/forensics';
import { DeviceHeap, corpusBytes, describeCorpus, zeroedDeletedValue, type CorpusFile, type DeletedByDevice } from '@hivetool/test-support';

const describeWithCorpus = describeCorpus(describe);

interface Inventory {
  keys: string[];
  values: Array<{ keyPath: string; name: string }>;
}

function inventory(hive: Hive): Inventory {
  const keys: string[] = [];
  const values: Array<{ keyPath: string; name: string }> = [];
  for (const root of hive.roots()) {
    walkTree(root, root.name, {
      key: (_key, path, depth) => {
        if (depth >= 2) keys.push(path);
      },
      value: (value, _key, path) => values.push({ keyPath: path, name: value.name }),
    });
  }
  return { keys, values };
}

/** Deletes what `picks` name (skipping what an earlier deletion took along), then optionally reuses freed space. */
function deleteOnDevice(file: CorpusFile, picks: Array<{ key: boolean; index: number }>, reuse: 'none' | 'split' | 'whole'): DeviceHeap {
  const device = new DeviceHeap(corpusBytes(file));
  const all = inventory(device.hive);
  for (const pick of picks) {
    const live = inventory(device.hive);
    if (pick.key) {
      const path = all.keys[pick.index % all.keys.length]!;
      if (live.keys.includes(path)) device.deleteKey(path);
    } else {
      const value = all.values[pick.index % all.values.length]!;
      if (live.values.some((v) => v.keyPath === value.keyPath && v.name === value.name)) device.deleteValue(value.keyPath, value.name);
    }
  }
  const first = device.deleted[0];
  if (reuse !== 'none' && first !== undefined) {
    const block = device.freeBlocks().find((free) => free.start <= first.offset && first.offset < free.end)!;
    const liveKey = inventory(device.hive).keys[0];
    if (liveKey !== undefined && block.end - block.start >= 64) device.reuse(block.start, liveKey, 'Reused', { whole: reuse === 'whole' });
  }
  return device;
}

function matches(record: DeletedRecord, entry: DeletedByDevice): boolean {
  return record.kind === entry.kind && record.id === entry.id && record.name === entry.name;
}

function checkRecovery(device: DeviceHeap): DeletedRecord[] {
  const hive = openHive(device.bytes);
  const records = recoverDeleted(hive);
  const free = device.freeBlocks();
  const dead = device.deadSpace();
  for (const record of records) {
    // Every byte reported lies in one free block, or (said so) in the slack after a live record.
    const space = record.where === 'free-block' ? free : dead;
    expect([record.where, space.some((block) => block.start <= record.offset && record.offset + record.length <= block.end)]).toEqual([record.where, true]);
    const entry = device.deleted.find((candidate) => matches(record, candidate));
    expect([record.kind, record.id, record.name, entry !== undefined]).toEqual([record.kind, record.id, record.name, true]);
    if (record.kind === 'value') {
      expect(record.type).toBe(entry!.type);
      if (record.certainty === 'partial') expect(entry!.data!.subarray(0, record.data.length)).toEqual(record.data.slice());
      else expect(record.data.slice()).toEqual(entry!.data);
    }
    // Through a live chain, a parent can only be wrong when freed ids were given out again.
    if (record.parentVia === 'stale-link' || (record.parentVia === 'live-chain' && !device.reused)) {
      // `?\\A\\B`: known from A down, so the true path ends with it.
      if (record.parentPath!.startsWith('?\\')) expect(entry!.parentPath.endsWith(record.parentPath!.slice(1))).toBe(true);
      else expect(record.parentPath).toBe(entry!.parentPath);
    }
  }
  for (const entry of device.deleted.filter((candidate) => !candidate.overwritten)) {
    const record = records.find((candidate) => matches(candidate, entry));
    expect([entry.kind, entry.name, record !== undefined]).toEqual([entry.kind, entry.name, true]);
    if (record?.kind === 'value') expect(record.data.slice()).toEqual(entry.data);
  }
  return records;
}

describeWithCorpus('recoverDeleted', () => {
  test('records left after a new record that took a free block whole are found in its slack', () => {
    const device = new DeviceHeap(corpusBytes('boot.hv'));
    device.deleteKey('HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\PCI\\Template');
    const top = device.deleted[0]!;
    const block = device.freeBlocks().find((free) => free.start <= top.offset && top.offset < free.end)!;
    device.reuse(block.start, 'HKEY_LOCAL_MACHINE\\nls', 'Reused', { whole: true });
    const records = checkRecovery(device);
    const inSlack = records.filter((record) => record.where === 'slack');
    expect(inSlack.length).toBeGreaterThan(10);
    expect(records.filter((record) => record.where === 'free-block')).toEqual([]);
    expect(device.deleted.filter((entry) => !entry.overwritten)).toHaveLength(records.length);
  });

  test('the corpus hives hold no deleted records', () => {
    for (const file of ['boot.hv', 'default.hv', 'user.hv'] as const) expect(recoverDeleted(openHive(corpusBytes(file)))).toEqual([]);
  });

  test('a deleted value and a deleted subtree come back with names, data, ids and parents', () => {
    const device = new DeviceHeap(corpusBytes('boot.hv'));
    const keys = inventory(device.hive).keys;
    const subtree = keys.find((path) => inventory(device.hive).keys.some((other) => other.startsWith(path + '\\')))!;
    device.deleteKey(subtree);
    const value = inventory(device.hive).values[10]!;
    device.deleteValue(value.keyPath, value.name);
    const records = checkRecovery(device);
    expect(records).toHaveLength(device.deleted.length);
    // The top key's parent is found through its stale sibling link, its children through its child link.
    const top = records.find((record) => record.kind === 'key' && record.id === device.deleted[0]!.id)!;
    expect(top.parentPath).toBe(subtree.slice(0, subtree.lastIndexOf('\\')));
    expect(records.filter((record) => record.parentPath !== null).length).toBeGreaterThan(records.length / 2);
  });

  test('property: only deleted records are reported, each inside a free block (or slack), every intact one found', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<CorpusFile>('boot.hv', 'user.hv'),
        fc.array(fc.record({ key: fc.boolean(), index: fc.nat(5000) }), { minLength: 1, maxLength: 12 }),
        fc.constantFrom<'none' | 'split' | 'whole'>('none', 'split', 'whole'),
        (file, picks, reuse) => {
          checkRecovery(deleteOnDevice(file, picks, reuse));
        },
      ),
      { numRuns: 60, seed: 15 },
    );
  });
});

describeWithCorpus('recoverDeleted: a deleted value whose type and length fields were zeroed', () => {
  test('merged with its neighbour: inferred, the range within the 4-byte padding, holding the true length', () => {
    const device = new DeviceHeap(corpusBytes('default.hv'));
    const zeroed = zeroedDeletedValue(device);
    const record = recoverDeleted(openHive(device.bytes)).find((entry) => entry.offset === zeroed.offset);
    expect(record?.kind).toBe('value');
    if (record?.kind !== 'value') return;
    expect(record.certainty).toBe('inferred');
    const { min, max } = record.inferredLength!;
    expect([min <= zeroed.data.length, max >= zeroed.data.length, max - min <= 3]).toEqual([true, true, true]);
    expect(record.data.subarray(0, zeroed.data.length)).toEqual(zeroed.data);
    // The neighbour's record is still found after it.
    expect(recoverDeleted(openHive(device.bytes)).some((entry) => entry.name === zeroed.neighbour.name)).toBe(true);
  });

  test('with no stale header after it: nothing bounds the length from below, the block bounds it from above', () => {
    const device = new DeviceHeap(corpusBytes('default.hv'));
    const zeroed = zeroedDeletedValue(device);
    // The neighbour's stale header wiped: only the merged block's end bounds the data.
    const neighbourAt = zeroed.offset + 12 + ((10 + 2 * zeroed.name.length + zeroed.data.length + 2 + 3) & ~3);
    device.bytes.fill(0, neighbourAt, neighbourAt + 12);
    const record = recoverDeleted(openHive(device.bytes)).find((entry) => entry.offset === zeroed.offset);
    expect(record?.kind === 'value' ? record.inferredLength : undefined).toEqual({ min: 0, max: expect.any(Number) });
    if (record?.kind !== 'value') return;
    expect(record.inferredLength!.max).toBeGreaterThan(zeroed.data.length);
  });
});
