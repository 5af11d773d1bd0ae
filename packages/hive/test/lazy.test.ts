import { describe, expect, test } from '@jest/globals';
import { encodeHive, hiveStatistics, openHive, readTree, rewriteHive, type HiveKey, type TreeKey } from '@hivetool/hive';
import { ValueType } from '@hivetool/registry';

/** A hive of 3000 keys in a few subtrees, and a copy of it that fills pages only when asked. */
function lazyPair(): { file: Uint8Array; lazy: Uint8Array; loaded: Set<number>; load: (offset: number, length: number) => void } {
  const groups: TreeKey[] = Array.from({ length: 30 }, (_, g) => ({
    name: `Group${g}`,
    subkeys: Array.from({ length: 100 }, (_, k) => ({ name: `Key${k}`, values: [{ name: 'v', type: ValueType.DWORD, data: Uint8Array.of(g, k, 0, 0) }] })),
  }));
  const file = encodeHive({ roots: { 2: groups } });
  const lazy = new Uint8Array(file.length).fill(0xee); // anything but the real bytes
  const loaded = new Set<number>();
  const load = (offset: number, length: number): void => {
    for (let page = Math.floor(offset / 4096); page <= Math.floor((offset + Math.max(length, 1) - 1) / 4096); page++) {
      if (loaded.has(page)) continue;
      loaded.add(page);
      lazy.set(file.subarray(page * 4096, (page + 1) * 4096), page * 4096);
    }
  };
  return { file, lazy, loaded, load };
}

describe('reading pages on demand (OpenHiveOptions.load)', () => {
  test('a path lookup loads only the pages it reads, and finds the same value', () => {
    const { file, lazy, loaded, load } = lazyPair();
    const hive = openHive(lazy, { load });
    // Group0 heads HKLM's chain and Key5 is near the head of its own: the header and
    // directory (5 pages), section 0's table (2) and the records' page or two.
    const near = hive.key('HKLM\\Group0\\Key5') as HiveKey;
    expect(Array.from(near.value('v')!.data)).toEqual([0, 5, 0, 0]);
    expect(loaded.size).toBeLessThanOrEqual(9);
    // The last key of the last group: the whole top-level chain is walked, still not all pages.
    const far = hive.key('HKLM\\Group29\\Key99') as HiveKey;
    expect(Array.from(far.value('v')!.data)).toEqual([29, 99, 0, 0]);
    expect(loaded.size).toBeLessThan(Math.ceil(file.length / 4096));
    expect((openHive(file).key('HKLM\\Group29\\Key99') as HiveKey).offset).toBe(far.offset);
  });

  test('whole-file passes load everything first', () => {
    const { file, lazy, loaded, load } = lazyPair();
    const hive = openHive(lazy, { load });
    expect(hiveStatistics(hive).reachable).toEqual({ keys: 3030, values: 3000, unresolvedLinks: 0 });
    expect(loaded.size).toBe(Math.ceil(file.length / 4096));
    expect(Buffer.from(rewriteHive(hive)).equals(Buffer.from(file))).toBe(true);
  });

  test('a tree walk loads what it visits and reads the same tree', () => {
    const { file, lazy, load } = lazyPair();
    expect(JSON.stringify(readTree(openHive(lazy, { load })), (_k, v: unknown) => (v instanceof Uint8Array ? Array.from(v) : v))).toBe(
      JSON.stringify(readTree(openHive(file)), (_k, v: unknown) => (v instanceof Uint8Array ? Array.from(v) : v)),
    );
  });
});
