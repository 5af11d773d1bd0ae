import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { runs } from '@hivetool/test-support';
import { RegParseError, RegTreeBuilder, ValueType, decodeValue, encodeUtf16, hasLoneSurrogate, parseReg, renderTreeAsReg, type HiveTree, type TreeKey, type TreeValue } from '@hivetool/registry';

const text = (tree: HiveTree, path: number[], value: string): unknown => {
  let keys = tree.roots[path[0]!] ?? [];
  let key: TreeKey | undefined;
  for (const index of path.slice(1)) {
    key = keys[index];
    keys = key?.subkeys ?? [];
  }
  const found = key?.values?.find((v) => v.name === value);
  return found === undefined ? undefined : { type: found.type, decoded: decodeValue(found.type, found.data), flags: found.flags };
};

describe('.reg parsing', () => {
  test('regedit forms and CE forms', () => {
    const tree = parseReg(
      [
        'Windows Registry Editor Version 5.00',
        '',
        '; a comment',
        '[HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\Serial]',
        '"Dll"="serial.dll"',
        '@="default value"',
        '"Index"=dword:00000001',
        '"Short"=dword:1f',
        '"Bin"=hex:01,02,\\',
        '  03,04',
        '"Expand"=hex(2):25,00,00,00',
        '"IClass"=multi_sz:"{A}", "{B}"',
        '"Mui"=mui_sz:"urlmon.dll,#9008"',
        '"Quote"="a \\"b\\" \\\\ c"',
        '"Empty"=hex(0):',
      ].join('\r\n'),
    );
    const serial = [2, 0, 0, 0];
    expect(text(tree, serial, 'Dll')).toEqual({ type: ValueType.SZ, decoded: { kind: 'string', value: 'serial.dll' }, flags: undefined });
    expect(text(tree, serial, 'Default')).toEqual({ type: ValueType.SZ, decoded: { kind: 'string', value: 'default value' }, flags: undefined });
    expect(text(tree, serial, 'Index')).toMatchObject({ decoded: { kind: 'number', value: 1 } });
    expect(text(tree, serial, 'Short')).toMatchObject({ decoded: { kind: 'number', value: 0x1f } });
    expect(text(tree, serial, 'Expand')).toMatchObject({ type: ValueType.EXPAND_SZ, decoded: { kind: 'string', value: '%' } });
    expect(text(tree, serial, 'IClass')).toMatchObject({ type: ValueType.MULTI_SZ, decoded: { kind: 'strings', value: ['{A}', '{B}'] } });
    expect(text(tree, serial, 'Mui')).toMatchObject({ type: ValueType.MUI_SZ, decoded: { kind: 'string', value: 'urlmon.dll,#9008' } });
    expect(text(tree, serial, 'Quote')).toMatchObject({ decoded: { kind: 'string', value: 'a "b" \\ c' } });
    const bin = tree.roots[2]![0]!.subkeys![0]!.subkeys![0]!.values!.find((v) => v.name === 'Bin')!;
    expect(Array.from(bin.data)).toEqual([1, 2, 3, 4]);
    expect(text(tree, serial, 'Empty')).toMatchObject({ type: ValueType.NONE, decoded: { kind: 'bytes' } });
  });

  test('no header (CE platform.reg style), case-insensitive keys and values, deletions, flag notes', () => {
    const builder = new RegTreeBuilder();
    builder.apply('[HKLM\\A]\n"x"=dword:1\n"y"=dword:2\n[HKLM\\B\\C]\n"z"="1"\n[hklm\\a]\n"X"=dword:3\n', 'one.reg');
    builder.apply('REGEDIT4\n[-HKLM\\B]\n[HKLM\\A]\n"y"=-\n[HKLM\\V]\n; key flags 0x0008 (volatile)\n; value flags 0x02 (meaning not known)\n"f"=dword:0\n', 'two.reg');
    const tree = builder.tree();
    const keys = tree.roots[2]!;
    expect(keys.map((k) => k.name)).toEqual(['A', 'V']);
    expect(keys[0]!.values!.map((v) => [v.name, decodeValue(v.type, v.data)])).toEqual([['x', { kind: 'number', value: 3 }]]);
    expect(keys[1]!.flags).toBe(0x0008);
    expect(keys[1]!.values![0]!.flags).toBe(0x02);
  });

  const errors: Array<[string, string, string, number, number]> = [
    ['value before a key', '"x"=dword:1', 'VALUE_OUTSIDE_KEY', 1, 1],
    ['unknown root', 'REGEDIT4\n[HKEY_NOWHERE\\x]', 'UNKNOWN_ROOT', 2, 2],
    ['empty key name', '[HKLM\\a\\\\b]', 'EMPTY_KEY_NAME', 1, 9],
    ['missing ]', '[HKLM\\a', 'SYNTAX', 1, 1],
    ['bad dword', '[HKLM\\a]\n"x"=dword:12345678a', 'BAD_DWORD', 2, 11],
    ['bad hex byte', '[HKLM\\a]\n"x"=hex:01,2g', 'BAD_HEX', 2, 13],
    ['bad hex on a continuation line', '[HKLM\\a]\n"x"=hex:01,02,\\\n    03,zz', 'BAD_HEX', 3, 8],
    ['unterminated string', '[HKLM\\a]\n"x"="abc', 'UNTERMINATED_STRING', 2, 5],
    ['bad escape', '[HKLM\\a]\n"x"="a\\nb"', 'BAD_ESCAPE', 2, 7],
    ['garbage line', '[HKLM\\a]\nhello', 'SYNTAX', 2, 1],
    ['unknown value form', '[HKLM\\a]\n"x"=qword:1', 'SYNTAX', 2, 5],
    ['data too long', `[HKLM\\a]\n"x"=hex:${Array(65536).fill('00').join(',')}`, 'LIMIT_EXCEEDED', 2, 5],
  ];

  test.each(errors)('%s: RegParseError with code, line and column', (_name, input, code, line, column) => {
    let caught: unknown;
    try {
      parseReg(input, 'test.reg');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RegParseError);
    expect(caught).toMatchObject({ code, file: 'test.reg', line, column });
    expect((caught as Error).message).toBe(`test.reg:${line}:${column}: ${(caught as RegParseError).what} [${code}]`);
  });
});

// Names .reg text can carry: no line breaks or lone surrogates; key names also no backslash.
const quotable = (name: string): boolean => !/[\r\n\0]/.test(name) && !hasLoneSurrogate(name);
const valueName = fc.string({ unit: 'grapheme', maxLength: 12 }).filter((n) => quotable(n) && n.length <= 255 && n !== 'Default');
const keyName = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).filter((n) => quotable(n) && !n.includes('\\') && n.length <= 255);
const valueArbitrary: fc.Arbitrary<TreeValue> = fc.record({
  name: valueName,
  type: fc.oneof(fc.constantFrom(...Object.values(ValueType)), fc.integer({ min: 0, max: 0xffff })),
  data: fc.oneof(
    fc.uint8Array({ maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 20 }).map((s) => encodeUtf16(s + '\0')),
    fc.array(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 3 }).map((items) => encodeUtf16(items.map((i) => i + '\0').join('') + '\0')),
  ),
  flags: fc.integer({ min: 0, max: 255 }),
});

/** Distinct names among siblings (case-insensitively), as a registry requires. */
function uniqueBy<T>(items: T[], name: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const folded = name(item).toUpperCase();
    if (seen.has(folded)) return false;
    seen.add(folded);
    return true;
  });
}

const { key: keyArbitrary } = fc.letrec<{ key: TreeKey }>((tie) => ({
  key: fc.record({
    name: keyName,
    flags: fc.constantFrom(0, 0x2, 0x4602),
    values: fc.array(valueArbitrary, { maxLength: 4 }).map((values) => uniqueBy(values, (v) => v.name)),
    subkeys: fc.oneof({ maxDepth: 4, depthIdentifier: 'reg' }, fc.constant<TreeKey[]>([]), fc.array(tie('key'), { maxLength: 3 }).map((keys) => uniqueBy(keys, (k) => k.name))),
  }),
}));

/** Same shape and field order on both sides; absent flags are 0; data as hex. */
function normalise(tree: HiveTree): unknown {
  const key = (k: TreeKey): unknown => ({
    name: k.name,
    flags: k.flags ?? 0,
    values: (k.values ?? []).map((v) => ({ name: v.name, type: v.type, data: Buffer.from(v.data).toString('hex'), flags: v.flags ?? 0 })),
    subkeys: (k.subkeys ?? []).map(key),
  });
  return Object.fromEntries(Object.entries(tree.roots).map(([index, keys]) => [index, (keys ?? []).map(key)]));
}

describe('.reg round trip', () => {
  test('parseReg(renderTreeAsReg(tree)) gives the tree back: names, types, bytes, flags', () => {
    fc.assert(
      fc.property(
        fc.array(keyArbitrary, { maxLength: 4 }).map((keys) => uniqueBy(keys, (k) => k.name)),
        (keys) => {
          const tree: HiveTree = keys.length === 0 ? { roots: {} } : { roots: { 2: keys } };
          expect(normalise(parseReg(renderTreeAsReg(tree)))).toEqual(normalise(tree));
        },
      ),
      { seed: 11, numRuns: runs(150) },
    );
  });
});
