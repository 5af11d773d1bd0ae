import { describe, expect, test } from '@jest/globals';
import { HiveKey, HiveRoot, hexBytes, hiveStatistics, openHive, walkTree, type Hive } from '@hivetool/hive';
import { BlockType, walkHeap } from '@hivetool/hive/layout';
import { ValueType, decodeValue } from '@hivetool/registry';
import { CORPUS_FACTS, CORPUS_FILES, CORPUS_SIGNATURE, CORPUS_VIRTBASE, corpusBytes, describeCorpus } from '@hivetool/test-support';

const describeWithCorpus = describeCorpus(describe);

function countTree(hive: Hive): { keys: number; values: number; types: Record<number, number>; unresolved: number } {
  const counts = { keys: 0, values: 0, types: {} as Record<number, number>, unresolved: 0 };
  for (const root of hive.roots()) {
    walkTree(root, root.name, {
      key: () => void counts.keys++,
      value: (value) => {
        counts.values++;
        counts.types[value.type] = (counts.types[value.type] ?? 0) + 1;
      },
      unresolved: () => void counts.unresolved++,
    });
  }
  return counts;
}

describeWithCorpus('corpus facts (format guide §12)', () => {
  test.each(CORPUS_FILES)('%s: size, sections, signature, virtbase, roots', (file) => {
    const facts = CORPUS_FACTS[file];
    const hive = openHive(corpusBytes(file));
    expect(hive.length).toBe(facts.bytes);
    expect(hive.sectionCount).toBe(facts.sections);
    expect(hexBytes(hive.header.romSignature)).toBe(CORPUS_SIGNATURE);
    expect(hive.header.virtbase).toBe(CORPUS_VIRTBASE);
    expect(hive.kind).toBe('rom');
    const refs = hive.rootRefs();
    refs.forEach((ref, index) => expect(ref).toBe(facts.roots[index] ?? 0));
  });

  test.each(CORPUS_FILES)('%s: every key and value is reachable, with the type histogram', (file) => {
    const facts = CORPUS_FACTS[file];
    const hive = openHive(corpusBytes(file));
    const counts = countTree(hive);
    expect(counts.keys).toBe(facts.keys);
    expect(counts.values).toBe(facts.values);
    expect(counts.types).toEqual(facts.types);
    expect(counts.unresolved).toBe(0);
    const stats = hiveStatistics(hive);
    expect(stats.blocks.keys).toBe(facts.keys);
    expect(stats.blocks.values).toBe(facts.values);
    expect(stats.reachable).toEqual({ keys: facts.keys, values: facts.values, unresolvedLinks: 0 });
    expect(stats.valueTypes).toEqual(facts.types);
  });

  test.each(CORPUS_FILES)('%s: heap tiles to EOF ending in one free block; no unknown bits', (file) => {
    const hive = openHive(corpusBytes(file));
    const blocks: Array<{ offset: number; size: number; free: boolean; type: number }> = [];
    walkHeap(hive.bytes, hive.view, (block) => blocks.push({ offset: block.offset, size: block.size, free: block.free, type: block.type }));
    let expected = 0x5000;
    for (const block of blocks) {
      expect(block.offset).toBe(expected);
      expected = block.offset + 12 + block.size;
    }
    expect(expected).toBe(hive.length);
    expect(blocks.filter((block) => block.free)).toHaveLength(1);
    expect(blocks[blocks.length - 1]!.free).toBe(true);
    expect(blocks.filter((block) => block.type === BlockType.SECTION_TABLE)).toHaveLength(CORPUS_FACTS[file].sections);
    const stats = hiveStatistics(hive);
    expect(stats.unknownBits).toEqual([]);
    expect(stats.slots.used).toBe(1 + CORPUS_FACTS[file].keys + CORPUS_FACTS[file].values);
  });

  test('boot.hv: HKLM\\nls DefaultLCID = dword 0x409, found case-insensitively', () => {
    const hive = openHive(corpusBytes('boot.hv'));
    const value = hive.key('hklm\\NLS')?.value('defaultlcid');
    expect(value?.name).toBe('DefaultLCID');
    expect(value?.type).toBe(ValueType.DWORD);
    expect(decodeValue(value!.type, value!.data)).toEqual({ kind: 'number', value: 0x409 });
  });

  test('user.hv: HKCU\\MUI CurLang = dword 0x409', () => {
    const hive = openHive(corpusBytes('user.hv'));
    const value = hive.key('HKEY_CURRENT_USER\\MUI')?.value('CurLang');
    expect(decodeValue(value!.type, value!.data)).toEqual({ kind: 'number', value: 0x409 });
  });

  test('default.hv: 258 MUI_SZ values, urlmon.dll,#9008 among them', () => {
    const hive = openHive(corpusBytes('default.hv'));
    const muiStrings: string[] = [];
    for (const root of hive.roots()) {
      walkTree(root, root.name, {
        value: (value) => {
          if (value.type !== ValueType.MUI_SZ) return;
          const decoded = decodeValue(value.type, value.data);
          if (decoded.kind === 'string') muiStrings.push(decoded.value);
        },
      });
    }
    expect(muiStrings).toHaveLength(258);
    expect(muiStrings).toContain('urlmon.dll,#9008');
  });

  test('value data and names are views into the caller\'s bytes, not copies', () => {
    const bytes = corpusBytes('boot.hv');
    const hive = openHive(bytes);
    const value = hive.key('HKLM\\nls')!.value('DefaultLCID')!;
    expect(value.data.buffer).toBe(bytes.buffer);
    expect(value.nameBytes.buffer).toBe(bytes.buffer);
    // Changing the file bytes shows through the view.
    bytes[value.dataOffset] = 0x0a;
    expect(value.data[0]).toBe(0x0a);
  });

  test('a path lookup reads only the records on its sibling chains', () => {
    const bytes = corpusBytes('boot.hv');
    const pristine = openHive(bytes.slice());
    // Records the lookup of HKLM\nls must read: the top-level HKLM chain up to `nls`, and
    // `nls`'s value chain up to DefaultLCID.
    const needed = new Set<number>();
    for (const entry of pristine.root(2).subkeys()) {
      if (entry.kind !== 'key') continue;
      needed.add(entry.offset);
      if (entry.nameEquals('nls')) {
        for (const value of entry.values()) {
          if (value.kind !== 'value') continue;
          needed.add(value.offset);
          if (value.nameEquals('DefaultLCID')) break;
        }
        break;
      }
    }
    // Wreck every other key and value block header (type nibble → 0xF): a reader that
    // touched any of them would fail.
    walkHeap(pristine.bytes, pristine.view, (block) => {
      if (!block.free && (block.type === BlockType.KEY || block.type === BlockType.VALUE) && !needed.has(block.offset)) {
        bytes[block.offset + 3] = 0xf0 | (bytes[block.offset + 3]! & 0x0f);
      }
    });
    const hive = openHive(bytes);
    const node = hive.key('HKLM\\nls');
    expect(node).toBeInstanceOf(HiveKey);
    expect(decodeValue(ValueType.DWORD, (node as HiveKey).value('DefaultLCID')!.data)).toEqual({ kind: 'number', value: 0x409 });
    // …while a full walk of the same bytes does fail.
    expect(() => walkTree(hive.root(2), 'HKLM', {})).toThrow(expect.objectContaining({ code: 'LINK_WRONG_TYPE' }));
  });

  test('a root path returns the root', () => {
    const hive = openHive(corpusBytes('default.hv'));
    const root = hive.key('HKLM');
    expect(root).toBeInstanceOf(HiveRoot);
    expect(root!.name).toBe('HKEY_LOCAL_MACHINE');
    expect(hive.key('HKLM\\no such key')).toBeUndefined();
  });
});
