/**
 * The viewer's worker logic run directly (it needs no DOM): what the page is told about
 * real hives, damaged ones, a persistent hive before and after its ROM is attached, and
 * a diff. The page itself is tested in Chromium by test/viewer.test.ts.
 */
import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeHive, openHive, readTree } from '@hivetool/hive';
import { ValueType, decodeValue, diffTrees, encodeUtf16 } from '@hivetool/registry';
import { REPO_ROOT, corpusBytes, corpusPath, describeCorpus, prng, runCli } from '@hivetool/test-support';
import { handle } from '../dist/model.js';
import type { AttachResult, DocInfo, HexInfo, KeyDetails, RevealResult, RowInfo, SearchQuery, SearchResult, VerifyInfo } from '../dist/protocol.js';

const describeWithCorpus = describeCorpus(describe);

function open(name: string, bytes: Uint8Array): DocInfo {
  const data = bytes.slice().buffer;
  return handle({ op: 'open', file: { name, data } }) as DocInfo;
}

function reveal(doc: DocInfo, path: string): RevealResult {
  return handle({ op: 'reveal', doc: doc.doc, path }) as RevealResult;
}

function detailsAt(doc: DocInfo, path: string): KeyDetails {
  const result = reveal(doc, path);
  expect(result.found).toBe(true);
  const last = result.levels[result.indexes.length - 1]![result.indexes[result.indexes.length - 1]!]!;
  return handle({ op: 'details', doc: doc.doc, handle: last.handle }) as KeyDetails;
}

describe('files that are not hives', () => {
  test('unknown bytes: an error naming the file and what was found', () => {
    expect(() => open('notes.txt', new TextEncoder().encode('hello'))).toThrow('notes.txt: not a hive, registry image, OEM stream or .reg file (detected: unknown)');
  });

  test('a .reg file with a syntax error: the parser error, with its line and column', () => {
    expect(() => open('bad.reg', new TextEncoder().encode('REGEDIT4\n\n[HKEY_LOCAL_MACHINE\\A]\n"x"=dword:zz\n'))).toThrow('bad.reg:4:11: dword: takes 1 to 8 hex digits [BAD_DWORD]');
  });

  test('.reg text by any name, UTF-8 or UTF-16LE with its byte order mark, is built into a hive', () => {
    const text = 'Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\Software\\A]\r\n"N"=dword:00000002\r\n';
    const utf16 = new Uint8Array(2 + 2 * text.length);
    utf16.set([0xff, 0xfe]);
    for (let i = 0; i < text.length; i++) utf16[2 + 2 * i] = text.charCodeAt(i);
    for (const [name, bytes] of [['patch.txt', new TextEncoder().encode(text)], ['export', utf16]] as const) {
      const doc = open(name, bytes);
      expect(doc.format).toBe('reg');
      expect(detailsAt(doc, 'HKLM\\Software\\A').values.map((value) => [value.name, value.decoded])).toEqual([['N', '0x00000002 (2)']]);
    }
  });

  test('a hive cut inside its header: the reader error with offset and code', () => {
    const bytes = new Uint8Array(0x1000);
    bytes.set(new TextEncoder().encode('EKIM'), 8);
    let thrown: unknown;
    try {
      open('cut.hv', bytes.subarray(0, 200));
    } catch (error) {
      thrown = error;
    }
    // One line naming the file, as the command line says it, and the fields for programs.
    expect(thrown).toMatchObject({ message: 'cut.hv: not a valid hive: header page at offset 0x00000000: expected at least 4096 bytes, found 200 bytes [TRUNCATED]', code: 'TRUNCATED', offset: 0 });
  });
});

describeWithCorpus('the worker on the corpus', () => {
  test('roots, a path, and its values as the reader gives them', () => {
    const doc = open('boot.hv', corpusBytes('boot.hv'));
    expect(doc.format).toBe('hive');
    expect(doc.kind).toBe('rom');
    const hive = openHive(corpusBytes('boot.hv'));
    expect(doc.roots.map((row) => row.name)).toEqual(hive.roots().map((root) => root.name));
    const details = detailsAt(doc, 'hklm\\INIT\\bootvars');
    expect(details.path).toBe('HKEY_LOCAL_MACHINE\\init\\BootVars');
    const key = hive.key('HKLM\\init\\BootVars')!;
    expect(key.kind).toBe('key');
    const expected = [...(key as Extract<typeof key, { kind: 'key' }>).values()].flatMap((value) => (value.kind === 'value' ? [value] : []));
    expect(details.values.map((value) => [value.name, value.typeName, value.size, value.offset, value.source])).toEqual(
      expected.map((value) => [value.name, value.type === 1 ? 'REG_SZ' : 'REG_DWORD', value.dataLength, value.offset, 'file']),
    );
    const flags = details.values.find((value) => value.name === 'Flags')!;
    const decoded = decodeValue(4, expected.find((value) => value.name === 'Flags')!.data);
    expect(flags.decoded).toBe(`0x${(decoded as { value: number }).value.toString(16).padStart(8, '0')} (${(decoded as { value: number }).value})`);
    // The hex of the value's record is the file's bytes there.
    const hex = handle({ op: 'hex', doc: doc.doc, source: 'file', offset: flags.offset, length: flags.recordLength }) as HexInfo;
    expect([...hex.bytes]).toEqual([...corpusBytes('boot.hv').subarray(flags.offset, flags.offset + flags.recordLength)]);
  });

  test('hex ranges are clamped to the file and to 64 KiB', () => {
    const doc = open('default.hv', corpusBytes('default.hv'));
    expect((handle({ op: 'hex', doc: doc.doc, source: 'file', offset: 0, length: 1 << 30 }) as HexInfo).bytes.length).toBe(64 * 1024);
    expect((handle({ op: 'hex', doc: doc.doc, source: 'file', offset: 1 << 30, length: 16 }) as HexInfo).bytes.length).toBe(0);
  });

  test('a path that is not there: found as far as it goes', () => {
    const doc = open('user.hv', corpusBytes('user.hv'));
    const result = reveal(doc, 'HKLM\\init\\BootVars');
    expect(result.found).toBe(false);
    expect(() => reveal(doc, 'NotARoot\\x')).toThrow('does not start with a root');
  });

  test('search: key paths, value names and data, as find matches them; the limit says it cut the list', () => {
    const doc = open('default.hv', corpusBytes('default.hv'));
    const search = (pattern: string, limit = 500, more: Partial<SearchQuery> = {}): SearchResult =>
      handle({ op: 'search', docs: [doc.doc], query: { pattern, regex: false, keys: false, names: false, data: false, ...more }, limit }) as SearchResult;
    expect(search('urlmon.dll,#9002').hits.map((hit) => [hit.where, hit.valueName])).toEqual([['data', 'Default']]);
    expect(search('init\\bootvars').hits.map((hit) => hit.path)).toEqual(['HKEY_LOCAL_MACHINE\\init\\BootVars']);
    expect(search('SystemHive').hits.map((hit) => [hit.where, hit.path])).toEqual([['name', 'HKEY_LOCAL_MACHINE\\init\\BootVars']]);
    const cut = search('e', 5);
    expect(cut.hits).toHaveLength(5);
    expect(cut.truncated).toBe(true);
    // find's options: a regular expression, one place, a type.
    expect(search('^SystemHive$', 500, { regex: true, names: true }).hits.map((hit) => hit.valueName)).toEqual(['SystemHive']);
    expect(search('SystemHive', 500, { keys: true }).hits).toEqual([]);
    expect(search('SystemHive', 500, { type: 'dword' }).hits).toEqual([]);
    expect(() => search('(', 500, { regex: true })).toThrow('not a regular expression');
    expect(() => search('x', 500, { type: 'nonsense' })).toThrow('type filter nonsense: not a value type');
  });

  test('a broken value chain: the values before it, a problem row, and the finding located', () => {
    const bytes = corpusBytes('boot.hv').slice();
    const hive = openHive(bytes);
    const flags = hive.key('HKLM\\init\\BootVars')!.kind === 'key' ? (hive.key('HKLM\\init\\BootVars') as import('@hivetool/hive').HiveKey).value('Flags')! : undefined;
    bytes.fill(0xee, flags!.offset + 12, flags!.offset + 16);
    const doc = open('damaged.hv', bytes);
    const details = detailsAt(doc, 'HKLM\\init\\BootVars');
    expect(details.values[details.values.length - 1]!.problem).toMatch(/^unresolved: value link → 0xeeeeeeee/);
    const report = handle({ op: 'verify', doc: doc.doc }) as VerifyInfo;
    expect(report.summary.errors).toBe(1);
    expect(report.findings.map((finding) => [finding.code, finding.offset, finding.path, finding.valueName])).toEqual([['LINK_UNKNOWN_STORE', flags!.offset + 12, 'HKEY_LOCAL_MACHINE\\init\\BootVars', 'Flags']]);
  });

  test('a persistent hive: links into ROM are rows saying so until the ROM is attached', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'hivetool-viewer-model-'));
    try {
      writeFileSync(join(scratch, 'changes.reg'), 'REGEDIT4\n\n[HKEY_LOCAL_MACHINE\\init\\BootVars]\n"Flags"=dword:00000007\n');
      const result = runCli(['build', '--rom', corpusPath('default.hv'), join(scratch, 'changes.reg'), '-o', join(scratch, 'system.hv')]);
      expect(result.status).toBe(0);
      const bytes = new Uint8Array(readFileSync(join(scratch, 'system.hv')));
      const doc = open('system.hv', bytes);
      expect(doc.kind).toBe('persistent');
      const hklm = doc.roots.find((row) => row.name === 'HKEY_LOCAL_MACHINE')!;
      const before = handle({ op: 'children', doc: doc.doc, handle: hklm.handle }) as RowInfo[];
      expect(before.filter((row) => row.problem !== undefined).map((row) => row.problem)).toEqual([expect.stringContaining('ROM hive not loaded')]);
      expect(() => handle({ op: 'attachRom', doc: doc.doc, file: { name: 'system.hv', data: bytes.slice().buffer } })).toThrow('not a ROM hive');
      // The ROM user.hv is of the wrong role for a system hive: the check says so and nothing is attached.
      const wrong = handle({ op: 'attachRom', doc: doc.doc, file: { name: 'user.hv', data: corpusBytes('user.hv').slice().buffer } }) as AttachResult;
      expect(wrong.info).toBeUndefined();
      expect(wrong.mismatch?.role).toEqual({ hive: expect.any(String), rom: expect.any(String), match: false });
      const attached = (handle({ op: 'attachRom', doc: doc.doc, file: { name: 'default.hv', data: corpusBytes('default.hv').slice().buffer } }) as AttachResult).info!;
      expect(attached.rom).toBe('default.hv');
      const hklmAfter = attached.roots.find((row) => row.name === 'HKEY_LOCAL_MACHINE')!;
      const after = handle({ op: 'children', doc: doc.doc, handle: hklmAfter.handle }) as RowInfo[];
      expect(after.every((row) => row.problem === undefined)).toBe(true);
      expect(new Set(after.map((row) => row.source))).toEqual(new Set(['file', 'rom']));
      const effective = openHive(bytes, { rom: openHive(corpusBytes('default.hv'), { source: 'rom' }) });
      expect(after.map((row) => row.name)).toEqual([...effective.root(2).subkeys()].map((key) => (key.kind === 'key' ? key.name : '?')));
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  test('diff: the counts of diffTrees, removed keys put back, marks on keys and values', () => {
    const a = open('default.hv', corpusBytes('default.hv'));
    const b = open('boot.hv', corpusBytes('boot.hv'));
    const changes = diffTrees(readTree(openHive(corpusBytes('default.hv'))), readTree(openHive(corpusBytes('boot.hv'))));
    const diff = handle({ op: 'diff', a: a.doc, b: b.doc }) as DocInfo;
    expect(diff.format).toBe('diff');
    const removed = changes.filter((change) => change.op === 'remove-key' || change.op === 'remove-value').length;
    expect(diff.diff).toEqual({ added: 0, removed, changed: 0 });
    expect(removed).toBeGreaterThan(0);
    // Every root of A is there; B has no HKCR, so each of its keys comes back marked removed.
    expect(diff.roots.map((row) => [row.name, row.mark])).toEqual([
      ['HKEY_CLASSES_ROOT', 'inner'],
      ['HKEY_LOCAL_MACHINE', 'inner'],
    ]);
    const classes = handle({ op: 'children', doc: diff.doc, handle: diff.roots[0]!.handle }) as RowInfo[];
    expect(classes.map((row) => row.name)).toEqual((readTree(openHive(corpusBytes('default.hv'))).roots[0] ?? []).map((key) => key.name));
    expect(new Set(classes.map((row) => row.mark))).toEqual(new Set(['removed']));
    const init = detailsAt(diff, 'HKLM\\init');
    expect(init.mark).toBe('inner');
    expect(init.values.filter((value) => value.mark === 'removed').map((value) => value.name).sort()).toEqual(
      changes.flatMap((change) => (change.op === 'remove-value' && change.path === 'HKEY_LOCAL_MACHINE\\init' ? [change.value.name] : [])).sort(),
    );
  });
});

/**
 * Everything the page can ask about a file, asked about every key reachable (up to a
 * cap): nothing may come back as an internal error, only rows and lines about the damage.
 */
function exploreAll(name: string, bytes: Uint8Array): string[] {
  const said: string[] = [];
  let doc: DocInfo;
  try {
    doc = open(name, bytes);
  } catch (error) {
    return [(error as Error).message];
  }
  const queue = [...doc.roots];
  for (let seen = 0; queue.length > 0 && seen < 150; seen++) {
    const row = queue.shift()!;
    if (row.handle < 0) {
      said.push(row.problem!);
      continue;
    }
    const details = handle({ op: 'details', doc: doc.doc, handle: row.handle }) as KeyDetails;
    said.push(...details.values.map((value) => value.problem ?? value.decoded));
    for (const value of details.values.filter((entry) => entry.offset >= 0)) handle({ op: 'hex', doc: doc.doc, source: value.source, offset: value.offset, length: value.recordLength });
    if (row.hasChildren) queue.push(...(handle({ op: 'children', doc: doc.doc, handle: row.handle }) as RowInfo[]));
    for (const format of seen < 10 ? (['reg', 'json'] as const) : []) {
      try {
        handle({ op: 'export', doc: doc.doc, handle: row.handle, format });
      } catch (error) {
        // A subtree that cannot be walked to its end cannot be exported: a codec error says why.
        said.push(describeError(error));
      }
    }
  }
  const search = handle({ op: 'search', docs: [doc.doc], query: { pattern: 'a', regex: false, keys: false, names: false, data: false }, limit: 50 }) as SearchResult;
  said.push(...search.errors);
  const verify = handle({ op: 'verify', doc: doc.doc }) as VerifyInfo;
  said.push(...verify.findings.map((finding) => finding.message));
  const info = handle({ op: 'info', doc: doc.doc }) as { rows: Array<[string, string]>; error?: string };
  if (info.error !== undefined) said.push(info.error);
  handle({ op: 'close', doc: doc.doc });
  return said;
}

function describeError(error: unknown): string {
  return error instanceof Error && 'code' in error ? error.message : `internal error: ${String(error)}`;
}

describe('damaged files: the page is told what is wrong, never an internal error', () => {
  test('the fuzzer\'s regression inputs', () => {
    const dir = join(REPO_ROOT, 'test/regressions');
    const inputs = readdirSync(dir).filter((name) => name.endsWith('.bin'));
    expect(inputs.length).toBeGreaterThan(0);
    for (const name of inputs) {
      const said = exploreAll(name, new Uint8Array(readFileSync(join(dir, name))));
      expect([name, said.filter((line) => line.includes('internal error'))]).toEqual([name, []]);
    }
  });
});

describeWithCorpus('damaged corpus hives', () => {
  test('100 copies of boot.hv with bytes of the heap overwritten at random (fixed seed)', () => {
    const original = corpusBytes('boot.hv');
    const random = prng(17);
    let opened = 0;
    let damaged = 0;
    for (let i = 0; i < 100; i++) {
      const bytes = original.slice();
      const changes = 1 + Math.floor(random() * 8);
      for (let c = 0; c < changes; c++) bytes[0x1000 + Math.floor(random() * (bytes.length - 0x1000))] = Math.floor(random() * 256);
      const said = exploreAll(`mutant-${i}.hv`, bytes);
      if (!said[0]?.startsWith(`mutant-${i}.hv: `)) opened++;
      if (said.some((line) => /^(read error|unresolved): /.test(line))) damaged++;
      expect([i, said.filter((line) => line.includes('internal error'))]).toEqual([i, []]);
    }
    // Most survive opening (the header is intact), so the walk above did run.
    expect(opened).toBeGreaterThan(60);
    // And some of them broke chains the page showed as rows saying so.
    expect(damaged).toBeGreaterThan(5);
  });
});

describe('export under a key whose name holds a backslash', () => {
  test('the subtree of a key under "X\\Y" is a comment, never a line naming key Y under X', () => {
    const hive = encodeHive({ roots: { 2: [{ name: 'X\\Y', subkeys: [{ name: 'A', values: [{ name: 'v', type: ValueType.SZ, data: encodeUtf16('forged\0') }] }] }] } });
    const doc = open('slash.hv', hive);
    const machine = doc.roots.find((row) => row.name === 'HKEY_LOCAL_MACHINE')!;
    const slash = (handle({ op: 'children', doc: doc.doc, handle: machine.handle }) as RowInfo[]).find((row) => row.name === 'X\\Y')!;
    const a = (handle({ op: 'children', doc: doc.doc, handle: slash.handle }) as RowInfo[]).find((row) => row.name === 'A')!;
    const text = handle({ op: 'export', doc: doc.doc, handle: a.handle, format: 'reg' }) as string;
    expect(text).not.toMatch(/^\[/m);
    expect(text).not.toContain('"v"=');
    expect(text).toContain('; key name not representable in .reg, key and subtree left out (use --format json): "HKEY_LOCAL_MACHINE\\\\X\\\\Y\\\\A"');
    handle({ op: 'close', doc: doc.doc });
  });
});

