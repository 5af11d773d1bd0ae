import { describe, expect, test } from '@jest/globals';
import { HeapCensus, HiveKey, hiveStatistics, openHive, readTree, structuralDamage, structuralDamageCounted, walkTree, type HiveFormatError, type UnresolvedLink } from '@hivetool/hive';
import { Store, walkHeap } from '@hivetool/hive/layout';
import { ValueType, decodeValue, encodeUtf16 } from '@hivetool/registry';
import { HEAP, ROM, buildRawHive, keyPayload, ref, rootsPayload, valuePayload } from '@hivetool/test-support';

const sz = (text: string): number[] => Array.from(encodeUtf16(text + '\0'));

describe('hand-built records', () => {
  test('roots, key and value records are read field by field', () => {
    const { bytes, offsets } = buildRawHive({
      blocks: [
        { id: 0, type: 0xb, payload: rootsPayload({ 2: ref(ROM, 1) }) },
        { id: 1, type: 0xc, payload: keyPayload({ name: 'Drivers', firstValue: ref(ROM, 2), firstChild: ref(ROM, 3), flags: 0 }) },
        { id: 2, type: 0xd, payload: valuePayload({ type: ValueType.SZ, name: 'RootKey', data: sz('Drivers\\BuiltIn') }) },
        { id: 3, type: 0xc, payload: keyPayload({ name: 'BuiltIn' }) },
      ],
    });
    const hive = openHive(bytes);
    expect(hive.kind).toBe('rom');
    expect(hive.rootRefs()).toEqual([0, 0, ref(ROM, 1), 0, 0, 0, 0, 0]);
    const key = hive.key('HKLM\\Drivers') as HiveKey;
    expect(key.offset).toBe(offsets.get(1));
    expect(key.id).toBe(1);
    expect(key.name).toBe('Drivers');
    expect(key.nameLength).toBe(7);
    expect(key.firstChild).toBe(ref(ROM, 3));
    expect(key.nextSibling).toBe(0);
    const value = key.value('ROOTKEY')!;
    expect(value.offset).toBe(offsets.get(2));
    expect(value.type).toBe(ValueType.SZ);
    expect(value.dataLength).toBe(32);
    expect(decodeValue(value.type, value.data)).toEqual({ kind: 'string', value: 'Drivers\\BuiltIn' });
    expect((hive.key('hklm\\drivers\\builtin') as HiveKey).id).toBe(3);
  });

  const typeCases: Array<[string, number, number[], unknown]> = [
    ['NONE', ValueType.NONE, [], { kind: 'bytes' }],
    ['SZ', ValueType.SZ, sz('text'), { kind: 'string', value: 'text' }],
    ['EXPAND_SZ', ValueType.EXPAND_SZ, sz('%windir%'), { kind: 'string', value: '%windir%' }],
    ['BINARY', ValueType.BINARY, [1, 2, 3], { kind: 'bytes' }],
    ['DWORD', ValueType.DWORD, [0x09, 0x04, 0, 0], { kind: 'number', value: 0x409 }],
    ['DWORD_BIG_ENDIAN', ValueType.DWORD_BIG_ENDIAN, [0x12, 0x34, 0x56, 0x78], { kind: 'number', value: 0x12345678 }],
    ['LINK', ValueType.LINK, sz('\\a\\b'), { kind: 'string', value: '\\a\\b' }],
    ['MULTI_SZ', ValueType.MULTI_SZ, [...sz('a').slice(0, 2), 0, 0, ...sz('bc').slice(0, 4), 0, 0, 0, 0], { kind: 'strings', value: ['a', 'bc'] }],
    ['RESOURCE_LIST', ValueType.RESOURCE_LIST, [1, 0, 0, 0], { kind: 'bytes' }],
    ['QWORD', ValueType.QWORD, [1, 0, 0, 0, 0, 0, 0, 0x80], { kind: 'bigint', value: 0x8000000000000001n }],
    ['MUI_SZ', ValueType.MUI_SZ, sz('urlmon.dll,#9008'), { kind: 'string', value: 'urlmon.dll,#9008' }],
    ['unknown type 0x42', 0x42, [9, 8, 7], { kind: 'bytes' }],
    ['DWORD of the wrong length', ValueType.DWORD, [1, 2], { kind: 'bytes' }],
    ['SZ without terminator', ValueType.SZ, [0x41, 0], { kind: 'bytes' }],
  ];

  test.each(typeCases)('value type %s: data kept as bytes and decoded', (_label, type, data, decoded) => {
    const { bytes } = buildRawHive({
      blocks: [
        { id: 0, type: 0xb, payload: rootsPayload({ 2: ref(ROM, 1) }) },
        { id: 1, type: 0xc, payload: keyPayload({ name: 'K', firstValue: ref(ROM, 2) }) },
        { id: 2, type: 0xd, payload: valuePayload({ type, name: 'V', data }) },
      ],
    });
    const value = (openHive(bytes).key('HKLM\\K') as HiveKey).value('V')!;
    expect(value.type).toBe(type);
    expect(Array.from(value.data)).toEqual(data);
    expect(decodeValue(value.type, value.data)).toEqual(decoded);
  });

  test('several sections: ids past 1024 resolve through later section tables', () => {
    const blocks = [{ id: 0, type: 0xb, payload: rootsPayload({ 2: ref(ROM, 1) }) }];
    // Key 1 → child 1500 (section 1) → value 2100 (section 2).
    blocks.push({ id: 1, type: 0xc, payload: keyPayload({ name: 'A', firstChild: ref(ROM, 1500) }) });
    blocks.push({ id: 1500, type: 0xc, payload: keyPayload({ name: 'B', firstValue: ref(ROM, 2100) }) });
    blocks.push({ id: 2100, type: 0xd, payload: valuePayload({ type: ValueType.DWORD, name: 'C', data: [7, 0, 0, 0] }) });
    const { bytes, offsets } = buildRawHive({ blocks });
    const hive = openHive(bytes);
    expect(hive.sectionCount).toBe(3);
    const key = hive.key('HKLM\\A\\B') as HiveKey;
    expect(key.offset).toBe(offsets.get(1500));
    expect(key.value('C')!.offset).toBe(offsets.get(2100));
    const stats = hiveStatistics(hive);
    expect(stats.blocks.sectionTables).toBe(3);
    expect(stats.slots.used).toBe(4);
  });

  test('value flags live in the high byte of the name word; the name length is the low byte', () => {
    const { bytes } = buildRawHive({
      blocks: [
        { id: 0, type: 0xb, payload: rootsPayload({ 2: ref(ROM, 1) }) },
        { id: 1, type: 0xc, payload: keyPayload({ name: 'K', firstValue: ref(ROM, 2), flags: 0x4602, unknownByte: 0x11 }) },
        { id: 2, type: 0xd, payload: valuePayload({ type: ValueType.DWORD, name: 'Flagged', data: [1, 0, 0, 0], flags: 0x02 }) },
      ],
    });
    const hive = openHive(bytes);
    const key = hive.key('HKLM\\K') as HiveKey;
    expect(key.flags).toBe(0x4602);
    expect(key.unknownByte).toBe(0x11);
    const value = key.value('Flagged')!;
    expect(value.name).toBe('Flagged');
    expect(value.flags).toBe(0x02);
    const fields = hiveStatistics(hive).unknownBits.map((seen) => [seen.field, seen.values]);
    expect(fields).toEqual(
      expect.arrayContaining([
        ['key byte +13', [0x11]],
        ['key flags', [0x4600]],
        ['value flags (name word high byte)', [0x02]],
      ]),
    );
  });

  test('a volatile key\'s stale firstChild is never followed', () => {
    const { bytes } = buildRawHive({
      blocks: [
        { id: 0, type: 0xb, payload: rootsPayload({ 2: ref(ROM, 1) }) },
        // firstChild points at a value block and at a free slot: following it would fail.
        { id: 1, type: 0xc, payload: keyPayload({ name: 'Active', flags: 0x0008, firstChild: ref(ROM, 2), nextSibling: ref(ROM, 3) }) },
        { id: 2, type: 0xd, payload: valuePayload({ type: ValueType.DWORD, name: 'x', data: [0, 0, 0, 0] }) },
        { id: 3, type: 0xc, payload: keyPayload({ name: 'After' }) },
      ],
    });
    const hive = openHive(bytes);
    const active = hive.key('HKLM\\Active') as HiveKey;
    expect(active.isVolatile).toBe(true);
    expect([...active.subkeys()]).toEqual([]);
    const paths: string[] = [];
    walkTree(hive.root(2), 'HKLM', { key: (_key, path) => paths.push(path) });
    expect(paths).toEqual(['HKLM\\Active', 'HKLM\\After']);
  });

  test('database block types are reported and do not stop a walk', () => {
    const { bytes } = buildRawHive({
      blocks: [
        { id: 0, type: 0xb, payload: rootsPayload({ 2: ref(ROM, 1) }) },
        { id: 1, type: 0xc, payload: keyPayload({ name: 'K' }) },
        { id: 2, type: 0x7, payload: new Uint8Array(8) },
        { id: 3, type: 0xe, payload: new Uint8Array(4) },
      ],
    });
    const stats = hiveStatistics(openHive(bytes));
    expect(stats.blocks.other).toEqual({ database: 1, index: 1 });
    expect(stats.reachable.keys).toBe(1);
    expect(stats.unknownBits.map((seen) => seen.field)).toEqual(expect.arrayContaining(['block type database', 'block type index']));
  });
});

describe('statistics counted by the structure checks\' heap tiling (HeapCensus)', () => {
  const odd = (): Uint8Array =>
    buildRawHive({
      blocks: [
        { id: 0, type: 0xb, payload: rootsPayload({ 2: ref(ROM, 1) }) },
        { id: 1, type: 0xc, payload: keyPayload({ name: 'K', firstValue: ref(ROM, 2), flags: 0x4602, unknownByte: 0x11, nextSibling: ref(0x5, 9) }) },
        { id: 2, type: 0xd, payload: valuePayload({ type: ValueType.DWORD, name: 'Flagged', data: [1, 0, 0, 0], flags: 0x02 }) },
        { id: 3, type: 0xd, payload: valuePayload({ type: ValueType.SZ, name: 'S', data: [0x41, 0, 0, 0] }) },
        { id: 4, type: 0x7, payload: new Uint8Array(8) },
      ],
    }).bytes;

  test('the same statistics as the statistics\' own heap walk, unknown bits and other block types included', () => {
    const bytes = odd();
    const alone = hiveStatistics(openHive(bytes));
    const hive = openHive(bytes);
    const census = new HeapCensus();
    structuralDamage(hive, census);
    expect(census.complete).toBe(true);
    expect(census.keys).toBe(1);
    expect(census.values).toBe(2);
    expect(census.other).toEqual({ database: 1 });
    const shared = hiveStatistics(hive, { census });
    expect(shared).toEqual(alone);
    expect(JSON.stringify(shared)).toBe(JSON.stringify(alone));
    expect(shared.unknownBits.map((seen) => seen.field)).toEqual(expect.arrayContaining(['key byte +13', 'key flags', 'value flags (name word high byte)', 'block type database', 'key nextSibling store nibble']));
  });

  test('a heap the tiling could not follow to its end is walked again by the statistics, with the same counts and error', () => {
    const bytes = odd();
    // The database block claims more bytes than the file has; the walks stop there.
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let offset = -1;
    walkHeap(bytes, view, (block) => void (block.type === 0x7 ? (offset = block.offset) : undefined));
    expect(offset).toBeGreaterThan(0);
    view.setUint32(offset, (0x70000000 | (bytes.length - offset)) >>> 0, true);
    const errors = (census?: HeapCensus): { stats: unknown; errors: string[] } => {
      const found: string[] = [];
      const hive = openHive(bytes);
      if (census !== undefined) structuralDamage(hive, census);
      const stats = hiveStatistics(hive, { onError: (error: HiveFormatError, pass) => void found.push(`${pass} ${error.code}`), ...(census === undefined ? {} : { census }) });
      return { stats, errors: found };
    };
    const census = new HeapCensus();
    const shared = errors(census);
    expect(census.complete).toBe(false);
    const alone = errors();
    expect(shared).toEqual(alone);
    expect(alone.errors).toEqual(['heap BLOCK_PAST_EOF']);
  });
});

describe('statistics counted by all of verify\'s passes (structuralDamageCounted: slots and reachable records too)', () => {
  /**
   * A persistent hive: two top-level keys (the first with a subkey and two values, the
   * second with a value chain continuing into ROM), a sibling link into ROM, ids in two
   * sections, and a used slot with an unknown bit.
   */
  const whole = (): Uint8Array => {
    const { bytes } = buildRawHive({
      blocks: [
        { id: 0, type: 0xb, payload: rootsPayload({ 2: ref(HEAP, 1) }) },
        { id: 1, type: 0xc, payload: keyPayload({ name: 'First', firstChild: ref(HEAP, 4), firstValue: ref(HEAP, 2), nextSibling: ref(HEAP, 1030) }) },
        { id: 2, type: 0xd, payload: valuePayload({ type: ValueType.DWORD, name: 'A', data: [1, 0, 0, 0], nextValue: ref(HEAP, 3) }) },
        { id: 3, type: 0xd, payload: valuePayload({ type: ValueType.SZ, name: 'B', data: [0x41, 0, 0, 0] }) },
        { id: 4, type: 0xc, payload: keyPayload({ name: 'Sub' }) },
        { id: 1030, type: 0xc, payload: keyPayload({ name: 'Second', firstValue: ref(HEAP, 1031), nextSibling: ref(ROM, 7) }) },
        { id: 1031, type: 0xd, payload: valuePayload({ type: ValueType.DWORD, name: 'C', data: [2, 0, 0, 0], nextValue: ref(ROM, 9) }) },
      ],
    });
    // Bit 28 of the slot of id 4 (section 0's table at 0x5000, slots after its 12-byte header).
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const slot = 0x5000 + 12 + 4 * 4;
    view.setUint32(slot, (view.getUint32(slot, true) | 0x10000000) >>> 0, true);
    return bytes;
  };
  const counted = (bytes: Uint8Array, limits = {}): { census: HeapCensus; stats: unknown; errors: string[] } => {
    const hive = openHive(bytes, { limits });
    const census = new HeapCensus();
    structuralDamageCounted(hive, census);
    const errors: string[] = [];
    const stats = hiveStatistics(hive, { census, onError: (error, pass) => void errors.push(`${pass} ${error.code}`) });
    return { census, stats, errors };
  };
  const alone = (bytes: Uint8Array, limits = {}): { stats: unknown; errors: string[] } => {
    const errors: string[] = [];
    const stats = hiveStatistics(openHive(bytes, { limits }), { onError: (error, pass) => void errors.push(`${pass} ${error.code}`) });
    return { stats, errors };
  };

  test('a whole hive: slot counts and reachable counts taken from verify, the same statistics as the statistics\' own passes', () => {
    const bytes = whole();
    const { census, stats, errors } = counted(bytes);
    expect(census.slots).toMatchObject({ used: 7, free: 2 * 1024 - 7 });
    expect(census.tree).toEqual({ keys: 3, values: 3, romLinks: 2, longestValueChain: 2 });
    expect(errors).toEqual([]);
    const own = alone(bytes);
    expect(JSON.stringify(stats)).toBe(JSON.stringify(own.stats));
    expect(own.stats).toMatchObject({ slots: { used: 7, free: 2041 }, reachable: { keys: 3, values: 3, unresolvedLinks: 2 } });
    expect((own.stats as { unknownBits: Array<{ field: string }> }).unknownBits.map((seen) => seen.field)).toContain('slot bits 28-31 (and bit 1)');
  });

  test('a damaged record: verify\'s counts are not used, the tree is walked, with the same counts and error', () => {
    const bytes = whole();
    // The value B's name length past its block (NAME_PAST_BLOCK).
    const hive = openHive(bytes);
    const value = [...(hive.key('HKLM\\First') as HiveKey).values()].find((entry) => entry.kind !== 'unresolved' && entry.name === 'B')!;
    bytes[value.offset + 12 + 8] = 200;
    const shared = counted(bytes);
    expect(shared.census.tree).toBeUndefined();
    expect(shared.census.slots).toBeDefined();
    expect({ stats: shared.stats, errors: shared.errors }).toEqual(alone(bytes));
    expect(shared.errors).toEqual(['tree NAME_PAST_BLOCK']);
  });

  test('the caps on counts: a value chain longer than maxValuesPerKey, or more keys than maxKeys, is left to the walk, which stops as before', () => {
    const bytes = whole();
    for (const limits of [{ maxValuesPerKey: 1 }, { maxKeys: 2 }]) {
      const shared = counted(bytes, limits);
      expect(shared.census.tree).toBeDefined();
      expect({ stats: shared.stats, errors: shared.errors }).toEqual(alone(bytes, limits));
      expect(shared.errors).toEqual(['tree LIMIT_EXCEEDED']);
    }
  });
});

describe('persistent hive with links into ROM (format guide §9)', () => {
  // init (file copy, flags 0x2) → child BootVars (file copy) whose value chain continues
  // into ROM; init's sibling continues into ROM's top-level chain.
  function persistentHive(): Uint8Array {
    return buildRawHive({
      bootSequence: 1,
      blocks: [
        { id: 0, type: 0xb, payload: rootsPayload({ 2: ref(HEAP, 1) }) },
        { id: 1, type: 0xc, payload: keyPayload({ name: 'init', flags: 0x2, nextSibling: ref(ROM, 0x1d4), firstChild: ref(HEAP, 2) }) },
        { id: 2, type: 0xc, payload: keyPayload({ name: 'BootVars', flags: 0x2, firstValue: ref(HEAP, 3), nextSibling: ref(ROM, 0x33) }) },
        { id: 3, type: 0xd, payload: valuePayload({ type: ValueType.SZ, name: 'SYSTEMHIVE', data: sz('system.hv'), nextValue: ref(HEAP, 4), flags: 0x2 }) },
        { id: 4, type: 0xd, payload: valuePayload({ type: ValueType.DWORD, name: 'Start DevMgr', data: [1, 0, 0, 0], nextValue: ref(ROM, 0x40) }) },
      ],
    }).bytes;
  }

  test('is detected as persistent; nibble-0 references resolve in the file', () => {
    const hive = openHive(persistentHive());
    expect(hive.kind).toBe('persistent');
    expect(hive.ownStore).toBe(Store.HEAP);
    const bootVars = hive.key('HKLM\\init\\BootVars') as HiveKey;
    expect(bootVars.flags).toBe(0x2);
    expect(bootVars.value('SYSTEMHIVE')!.flags).toBe(0x2);
  });

  test('the walk reports every nibble-2 link as unresolved and loses nothing stored in the file', () => {
    const hive = openHive(persistentHive());
    const keys: string[] = [];
    const values: string[] = [];
    const links: Array<[string, UnresolvedLink]> = [];
    walkTree(hive.root(2), 'HKLM', {
      key: (_key, path) => keys.push(path),
      value: (value, _key, path) => values.push(`${path}:${value.name}`),
      unresolved: (link, path) => links.push([path, link]),
    });
    expect(keys).toEqual(['HKLM\\init', 'HKLM\\init\\BootVars']);
    expect(values).toEqual(['HKLM\\init\\BootVars:SYSTEMHIVE', 'HKLM\\init\\BootVars:Start DevMgr']);
    expect(links.map(([path, link]) => [path, link.link, link.store, link.id, link.reason])).toEqual([
      ['HKLM\\init\\BootVars', 'value', 2, 0x40, 'rom-not-loaded'],
      ['HKLM\\init', 'sibling', 2, 0x33, 'rom-not-loaded'],
      ['HKLM', 'sibling', 2, 0x1d4, 'rom-not-loaded'],
    ]);
    const stats = hiveStatistics(hive);
    expect(stats.reachable).toEqual({ keys: 2, values: 2, unresolvedLinks: 3 });
    expect(stats.blocks.keys + stats.blocks.values).toBe(4);
  });

  test('readTree keeps the file records', () => {
    const tree = readTree(openHive(persistentHive()));
    expect(tree.roots[2]?.[0]?.name).toBe('init');
    expect(tree.roots[2]?.[0]?.subkeys?.[0]?.values?.map((value) => value.name)).toEqual(['SYSTEMHIVE', 'Start DevMgr']);
  });
});
