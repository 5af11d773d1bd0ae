/**
 * .reg interoperability of `build`, `dump` and `diff`: regedit's comment after a value,
 * preprocessor lines, files that are not .reg text, regedit 5's UTF-16LE files written
 * and read, and the encodings a .reg file may come in.
 */
import { describe, expect, test } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeHive, openHive, readTree } from '@hivetool/hive';
import { encodeImage } from '@hivetool/image';
import { ValueType, decodeValue, encodeUtf16, type HiveTree } from '@hivetool/registry';
import { runCli } from '@hivetool/test-support';
import { scratchDirectory } from '@hivetool/test-support/scratch';

const scratch = scratchDirectory('hivetool-interop-');
const path = (name: string): string => join(scratch.path, name);
const write = (name: string, bytes: Uint8Array | string): string => {
  writeFileSync(path(name), bytes);
  return path(name);
};

/** Values of the first key under HKLM of a built hive, decoded. */
function builtValues(file: string): Record<string, unknown> {
  const tree = readTree(openHive(new Uint8Array(readFileSync(file))));
  const key = tree.roots[2]![0]!;
  return Object.fromEntries((key.values ?? []).map((value) => [value.name, decodeValue(value.type, value.data)]));
}

const sz = (text: string): Uint8Array => encodeUtf16(text + '\0');
const A: HiveTree = {
  roots: {
    2: [
      {
        name: 'Software',
        values: [
          { name: 'Name', type: ValueType.SZ, data: sz('Café 😀') },
          { name: 'Path', type: ValueType.EXPAND_SZ, data: sz('%windir%\\x') },
          { name: 'List', type: ValueType.MULTI_SZ, data: encodeUtf16('a\0b\0\0') },
        ],
        subkeys: [{ name: 'Gone', values: [{ name: 'n', type: ValueType.DWORD, data: Uint8Array.of(1, 0, 0, 0) }] }],
      },
    ],
  },
};
const B: HiveTree = {
  roots: {
    2: [
      {
        name: 'Software',
        values: [
          { name: 'Name', type: ValueType.SZ, data: sz('Grüße') },
          { name: 'List', type: ValueType.MULTI_SZ, data: encodeUtf16('a\0c\0\0') },
          { name: 'New', type: ValueType.DWORD, data: Uint8Array.of(2, 0, 0, 0) },
        ],
      },
    ],
  },
};

describe('.reg interoperability', () => {
  test('a ; comment after a value is accepted, as regedit and Wine do', () => {
    const input = write('comment.reg', '[HKLM\\Software]\n"x"="y" ; a comment\n"n"=dword:00000010 ; sixteen\n"h"=hex:01,02 ;bytes\n"m"=multi_sz:"a","b" ; two\n');
    const result = runCli(['build', input, '-o', path('comment.hv')]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(builtValues(path('comment.hv'))).toEqual({
      x: { kind: 'string', value: 'y' },
      n: { kind: 'number', value: 16 },
      h: { kind: 'bytes' },
      m: { kind: 'strings', value: ['a', 'b'] },
    });
  });

  test('#include and #if lines are built around with a warning pointing to hivetool compile', () => {
    const input = write('directives.reg', '#include "common.reg"\n[HKLM\\Software]\n#if BSP_X\n"x"=dword:1\n#endif\n# a plain comment\n');
    const result = runCli(['build', input, '-o', path('directives.hv')]);
    expect(result.status).toBe(0);
    expect(result.stderr).toContain(`hivetool: warning: ${input}:1: a preprocessor directive (#include "common.reg") is read here as a comment: use hivetool compile for preprocessor directives`);
    expect(result.stderr).toContain(`${input}:3:`);
    expect(result.stderr).toContain(`${input}:5:`);
    expect(result.stderr).not.toContain(`${input}:6:`);
  });

  test('build of a hive file names the format instead of a syntax error', () => {
    const hive = write('given.hv', encodeHive(A));
    const result = runCli(['build', hive, '-o', path('out.hv')]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`${hive}: not .reg text: this is a hive file (.hv)`);
    expect(result.stderr).not.toContain('expected [KEY]');
  });

  test('dump --reg-style regedit writes a regedit 5 file (UTF-16LE, BOM, CR LF) that build reads back', () => {
    const hive = write('a.hv', encodeHive(A));
    expect(runCli(['dump', '--reg-style', 'regedit', hive, '-o', path('a5.reg')]).status).toBe(0);
    const bytes = readFileSync(path('a5.reg'));
    expect([...bytes.subarray(0, 2)]).toEqual([0xff, 0xfe]);
    const text = bytes.subarray(2).toString('utf16le');
    expect(text.startsWith('Windows Registry Editor Version 5.00\r\n')).toBe(true);
    expect(text).not.toMatch(/[^\r]\n/);
    expect(text).toContain('"List"=hex(7):61,00,00,00,62,00,00,00,00,00');
    expect(text).toContain('"Name"="Café 😀"');
    const built = runCli(['build', path('a5.reg'), '-o', path('a5.hv')]);
    expect(built.stderr).toBe('');
    expect(readTree(openHive(new Uint8Array(readFileSync(path('a5.hv')))))).toEqual(readTree(openHive(new Uint8Array(readFileSync(hive)))));
  });

  test('diff -f reg --reg-style regedit: a regedit 5 patch that turns A into B', () => {
    const a = write('da.hv', encodeHive(A));
    const b = write('db.hv', encodeHive(B));
    const diff = runCli(['diff', '-f', 'reg', '--reg-style', 'regedit', a, b, '-o', path('patch5.reg')]);
    expect(diff.status).toBe(1);
    const patch = readFileSync(path('patch5.reg'));
    expect([...patch.subarray(0, 2)]).toEqual([0xff, 0xfe]);
    expect(patch.subarray(2).toString('utf16le')).toMatch(/^Windows Registry Editor Version 5\.00\r\n/);
    expect(runCli(['dump', a, '-o', path('da.reg')]).status).toBe(0);
    const built = runCli(['build', path('da.reg'), path('patch5.reg'), '-o', path('patched.hv')]);
    expect(built.stderr).toBe('');
    expect(readTree(openHive(new Uint8Array(readFileSync(path('patched.hv')))))).toEqual(readTree(openHive(new Uint8Array(readFileSync(b)))));
  });

  test('UTF-8 with an invalid byte: read as Windows-1252, with a warning naming the line', () => {
    const text = Buffer.concat([Buffer.from('[HKLM\\Software]\n"ok"="plain"\n"x"="Caf'), Buffer.of(0xe9), Buffer.from('"\n')]);
    const input = write('ansi.reg', text);
    const result = runCli(['build', input, '-o', path('ansi.hv')]);
    expect(result.status).toBe(0);
    expect(result.stderr).toContain(`hivetool: warning: ${input}: line 3 is not valid UTF-8 (byte 0xe9); the whole file is read as Windows-1252`);
    expect(builtValues(path('ansi.hv'))['x']).toEqual({ kind: 'string', value: 'Café' });
  });

  test('UTF-16 without a BOM, and big-endian with one, are detected, reported and read', () => {
    const source = '[HKLM\\Software]\r\n"x"="Grüße"\r\n"n"=dword:2\r\n';
    const utf8 = write('plain.reg', source);
    expect(runCli(['build', utf8, '-o', path('plain.hv')]).status).toBe(0);
    const expected = builtValues(path('plain.hv'));
    const littleEndian = Buffer.from(source, 'utf16le');
    const bigEndian = Buffer.from(littleEndian).swap16();
    const cases: Array<[string, Buffer, string]> = [
      ['le-nobom.reg', littleEndian, 'UTF-16 little-endian text without a byte-order mark'],
      ['be-nobom.reg', bigEndian, 'UTF-16 big-endian text without a byte-order mark'],
      ['be-bom.reg', Buffer.concat([Buffer.of(0xfe, 0xff), bigEndian]), 'UTF-16 big-endian text'],
    ];
    for (const [name, bytes, warning] of cases) {
      const input = write(name, bytes);
      const result = runCli(['build', input, '-o', path(`${name}.hv`)]);
      expect(result.status).toBe(0);
      expect(result.stderr).toContain(`hivetool: warning: ${input}: ${warning}`);
      expect(builtValues(path(`${name}.hv`))).toEqual(expected);
    }
    // regedit's own encoding (UTF-16LE with a BOM) needs no warning.
    const regedit = write('le-bom.reg', Buffer.concat([Buffer.of(0xff, 0xfe), littleEndian]));
    const plain = runCli(['build', regedit, '-o', path('le-bom.hv')]);
    expect(plain.stderr).toBe('');
    expect(builtValues(path('le-bom.hv'))).toEqual(expected);
  });
});

describe('diff -f reg: names .reg text cannot hold', () => {
  test('a change under a key whose parent name has a line break is a comment, not a forged key line; a warning names the patch', () => {
    const tree = (data: string): HiveTree => ({
      roots: { 2: [{ name: 'ok', subkeys: [{ name: 'line\nbreak', subkeys: [{ name: 'under', values: [{ name: 'w', type: ValueType.SZ, data: sz(data) }] }] }] }] },
    });
    const a = join(scratch.path, 'unwritable-a.hv');
    const b = join(scratch.path, 'unwritable-b.hv');
    writeFileSync(a, encodeHive(tree('before')));
    writeFileSync(b, encodeHive(tree('after')));
    const result = runCli(['diff', '-f', 'reg', a, b]);
    expect(result.status).toBe(1);
    expect(result.stdout).not.toContain('[HKEY_LOCAL_MACHINE\\ok\\line');
    expect(result.stdout).not.toContain('"w"="after"');
    expect(result.stdout).toContain('; key name not representable in .reg, key and subtree left out (use --format json): "HKEY_LOCAL_MACHINE\\\\ok\\\\line\\nbreak\\\\under"');
    expect(result.stderr).toBe('hivetool: warning: <stdout>: 1 key(s) and 1 value(s) of the patch have names .reg text cannot hold; they are left out as comments (--format json keeps them)\n');
    // Every line of the patch is a comment, a blank line or the header: nothing that reads back as a key or value.
    expect(result.stdout.split('\n').filter((line) => line !== '' && !line.startsWith(';') && line !== 'REGEDIT4')).toEqual([]);
  });
});

describe('names holding a backslash or line break, in image dumps and diff patches', () => {
  // Key "A\B" (with subkey C) beside key A with subkey B: two paths that read alike.
  const lookalike: HiveTree = {
    roots: {
      2: [
        { name: 'A\\B', values: [{ name: 'x', type: ValueType.SZ, data: sz('in A\\B') }], subkeys: [{ name: 'C', values: [{ name: 'y', type: ValueType.SZ, data: sz('in C') }] }] },
        { name: 'A', subkeys: [{ name: 'B', values: [{ name: 'z', type: ValueType.SZ, data: sz('in B') }] }] },
      ],
    },
  };

  test('image dump --key matches names one by one: a key named A\\B is neither HKLM\\A\\B nor under HKLM\\A; JSON stays valid', () => {
    const image = join(scratch.path, 'lookalike.fdf');
    writeFileSync(image, encodeImage(lookalike));
    const reg = runCli(['image', 'dump', '--key', 'HKLM\\A\\B', image]);
    expect([reg.status, reg.stderr]).toEqual([0, '']);
    expect(reg.stdout.split('\n').filter((line) => line !== '' && !line.startsWith(';'))).toEqual(['REGEDIT4', '[HKEY_LOCAL_MACHINE\\A\\B]', '"z"="in B"']);
    // Only the key named "A\B" has a C below it: no key HKLM\A\B\C exists.
    const missing = runCli(['image', 'dump', '--key', 'HKLM\\A\\B\\C', image]);
    expect([missing.status, missing.stdout]).toEqual([2, '']);
    expect(missing.stderr).toBe(`hivetool: ${image}: key not found: HKLM\\A\\B\\C\n`);
    const paths = (key: string): string[] => {
      const json = runCli(['image', 'dump', '-f', 'json', '--key', key, image]);
      expect(json.status).toBe(0);
      return (JSON.parse(json.stdout) as { hives: Array<{ keys: Array<{ path: string }> }> }).hives[0]!.keys.map((entry) => entry.path);
    };
    expect(paths('HKLM\\A')).toEqual(['HKEY_LOCAL_MACHINE\\A', 'HKEY_LOCAL_MACHINE\\A\\B']);
    expect(paths('HKLM\\A\\B')).toEqual(['HKEY_LOCAL_MACHINE\\A\\B']);
    expect(paths('HKLM')).toEqual(['HKEY_LOCAL_MACHINE\\A\\B', 'HKEY_LOCAL_MACHINE\\A\\B\\C', 'HKEY_LOCAL_MACHINE\\A', 'HKEY_LOCAL_MACHINE\\A\\B']);
    // The whole image as .reg: the key named "A\B" and its subtree are comments, with the warning.
    const whole = runCli(['image', 'dump', image]);
    expect(whole.stdout).toContain('; key name not representable in .reg, key and subtree left out (use --format json): "HKEY_LOCAL_MACHINE\\\\A\\\\B"');
    expect(whole.stdout).not.toContain('"x"=');
    expect(whole.stderr).toBe(`hivetool: warning: ${image}: 2 key(s) and 2 value(s) have names .reg text cannot hold; they are left out as comments (--format json keeps them)\n`);
  });

  test('diff -f reg: changes in, under and of a key named X\\Y are comments, never a line naming key Y under X', () => {
    const tree = (data: string, withKey: boolean): HiveTree => ({
      roots: {
        2: [
          { name: 'X', subkeys: [{ name: 'Y', values: [{ name: 'kept', type: ValueType.SZ, data: sz('same') }] }] },
          ...(withKey ? [{ name: 'X\\Y', values: [{ name: 'v', type: ValueType.SZ, data: sz(data) }], subkeys: [{ name: 'Sub' }] }] : []),
        ],
      },
    });
    const a = join(scratch.path, 'slash-a.hv');
    const b = join(scratch.path, 'slash-b.hv');
    const none = join(scratch.path, 'slash-none.hv');
    writeFileSync(a, encodeHive(tree('before', true)));
    writeFileSync(b, encodeHive(tree('after', true)));
    writeFileSync(none, encodeHive(tree('', false)));
    for (const [from, to] of [[a, b], [a, none], [none, b]] as const) {
      const patch = runCli(['diff', '-f', 'reg', from, to]);
      expect(patch.status).toBe(1);
      expect(patch.stdout.split('\n').filter((line) => line !== '' && !line.startsWith(';') && line !== 'REGEDIT4')).toEqual([]);
      expect(patch.stdout).toMatch(/; key name not representable in \.reg, (key and subtree left out \(use --format json\)|its removal left out): "HKEY_LOCAL_MACHINE\\\\X\\\\Y"/);
      expect(patch.stderr).toMatch(/^hivetool: warning: <stdout>: \d key\(s\) and \d value\(s\) of the patch have names \.reg text cannot hold; they are left out as comments \(--format json keeps them\)\n$/);
    }
  });

  test('diff -f reg: two added keys of one path (a damaged hive) share one key line', () => {
    const base = join(scratch.path, 'dup-base.hv');
    const dup = join(scratch.path, 'dup.hv');
    writeFileSync(base, encodeHive({ roots: { 2: [{ name: 'Old' }] } }));
    const value = (name: string) => ({ name, type: ValueType.DWORD, data: new Uint8Array([1, 0, 0, 0]) });
    writeFileSync(dup, encodeHive({ roots: { 2: [{ name: 'Old' }, { name: 'New', subkeys: [{ name: 'K', values: [value('a')] }, { name: 'K', values: [value('b')] }] }, { name: 'New2', values: [value('c')] }, { name: 'New2', values: [value('d')] }] } }));
    const patch = runCli(['diff', '-f', 'reg', base, dup]);
    expect(patch.status).toBe(1);
    expect(patch.stdout.split('\n').filter((line) => line.startsWith('[') || line.startsWith('"'))).toEqual([
      '[HKEY_LOCAL_MACHINE\\New]',
      '[HKEY_LOCAL_MACHINE\\New\\K]',
      '"a"=dword:00000001',
      '"b"=dword:00000001',
      '[HKEY_LOCAL_MACHINE\\New2]',
      '"c"=dword:00000001',
      '"d"=dword:00000001',
    ]);
  });

  test('diff -f reg: a key named A\\B beside the real A\\B gets no line of its own and never shares the real one', () => {
    const value = (name: string, data: string) => ({ name, type: ValueType.SZ, data: sz(data) });
    const tree = (real: string, lookalike: string, added: boolean): HiveTree => ({
      roots: {
        2: [
          { name: 'A', subkeys: [{ name: 'B', values: [value('z', real)] }] },
          { name: 'A\\B', values: [value('x', lookalike)] },
          ...(added ? [{ name: 'N', subkeys: [{ name: 'K', subkeys: [{ name: 'L', values: [value('real', '1')] }] }, { name: 'K\\L', values: [value('slash', 'FORGED')], subkeys: [{ name: 'M' }] }] }] : []),
        ],
      },
    });
    const a = join(scratch.path, 'lookalike-a.hv');
    const b = join(scratch.path, 'lookalike-b.hv');
    writeFileSync(a, encodeHive(tree('1', '1', false)));
    writeFileSync(b, encodeHive(tree('2', 'FORGED', true)));
    const patch = runCli(['diff', '-f', 'reg', a, b]);
    expect(patch.status).toBe(1);
    expect(patch.stdout.split('\n').filter((line) => line.startsWith('[') || line.startsWith('"'))).toEqual([
      '[HKEY_LOCAL_MACHINE\\A\\B]',
      '"z"="2"',
      '[HKEY_LOCAL_MACHINE\\N]',
      '[HKEY_LOCAL_MACHINE\\N\\K]',
      '[HKEY_LOCAL_MACHINE\\N\\K\\L]',
      '"real"="1"',
    ]);
    expect(patch.stdout).not.toContain('FORGED');
    expect(patch.stderr).toBe('hivetool: warning: <stdout>: 3 key(s) and 2 value(s) of the patch have names .reg text cannot hold; they are left out as comments (--format json keeps them)\n');
  });
});

