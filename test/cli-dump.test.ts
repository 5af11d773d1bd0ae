import { describe, expect, test } from '@jest/globals';
import { readFileSync, statSync, writeFileSync, readdirSync, existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Ajv } from 'ajv';
import { ValueType, encodeUtf16 } from '@hivetool/registry';
import { openHive, type HiveKey, type HiveValue } from '@hivetool/hive';
import { CORPUS_FACTS, CORPUS_FILES, HEAP, REPO_ROOT, ROM, buildRawHive, corpusPath, describeCorpus, keyPayload, ref, rootsPayload, runCli, runNode, valuePayload } from '@hivetool/test-support';
import { scratchDirectory } from '@hivetool/test-support/scratch';

const describeWithCorpus = describeCorpus(describe);
const schema = JSON.parse(readFileSync(join(REPO_ROOT, 'docs/schemas/dump.schema.json'), 'utf8')) as object;
const validateDump = new Ajv({ allErrors: true, strict: true }).compile(schema);

interface DumpJson {
  hives: Array<{ file: string; kind: string; keys: Array<{ path: string; values: Array<{ name: string; type: string; typeNumber: number; value: unknown; raw: string }> }>; unresolvedLinks: Array<{ path: string; link: string; id: number; reason: string }> }>;
}

/** Counts the key lines and value lines of .reg text (continuation lines start with spaces). */
function countReg(text: string): { keys: number; values: number } {
  const lines = text.split('\n');
  return {
    keys: lines.filter((line) => line.startsWith('[')).length,
    values: lines.filter((line) => line.startsWith('"') || line.startsWith('@=')).length,
  };
}

const scratch = scratchDirectory('hivetool-cli-');

describeWithCorpus('dump of the corpus', () => {
  test.each(CORPUS_FILES)('%s --format reg prints every key and value', (file) => {
    const result = runCli(['dump', corpusPath(file)]);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout.startsWith('REGEDIT4\n')).toBe(true);
    expect(countReg(result.stdout)).toEqual({ keys: CORPUS_FACTS[file].keys, values: CORPUS_FACTS[file].values });
    // regedit's line limit: hex data wraps before 80 columns.
    expect(Math.max(...result.stdout.split('\n').filter((line) => line.includes('hex')).map((line) => line.length))).toBeLessThanOrEqual(80);
  });

  test.each(CORPUS_FILES)('%s --format json validates against the schema and holds every key and value', (file) => {
    const result = runCli(['dump', '--format', 'json', corpusPath(file)]);
    expect(result.status).toBe(0);
    const document = JSON.parse(result.stdout) as DumpJson;
    expect(validateDump(document)).toBe(true);
    expect(validateDump.errors ?? null).toBeNull();
    const hive = document.hives[0]!;
    expect(hive.keys).toHaveLength(CORPUS_FACTS[file].keys);
    const values = hive.keys.flatMap((key) => key.values);
    expect(values).toHaveLength(CORPUS_FACTS[file].values);
    const histogram: Record<number, number> = {};
    for (const value of values) histogram[value.typeNumber] = (histogram[value.typeNumber] ?? 0) + 1;
    expect(histogram).toEqual(CORPUS_FACTS[file].types);
    expect(hive.unresolvedLinks).toEqual([]);
  });

  test.each(CORPUS_FILES)('%s --format raw prints one line per heap block', (file) => {
    const result = runCli(['dump', '--format', 'raw', corpusPath(file)]);
    expect(result.status).toBe(0);
    const kinds = result.stdout
      .split('\n')
      .filter((line) => line.startsWith('0x'))
      .map((line) => line.split(/\s+/)[1]);
    const count = (kind: string): number => kinds.filter((k) => k === kind).length;
    expect(count('key')).toBe(CORPUS_FACTS[file].keys);
    expect(count('value')).toBe(CORPUS_FACTS[file].values);
    expect(count('section')).toBe(CORPUS_FACTS[file].sections);
    expect(count('roots')).toBe(1);
    expect(count('free')).toBe(1);
  });

  test('spot values in .reg and JSON', () => {
    const reg = runCli(['dump', '--key', 'HKLM\\nls', corpusPath('boot.hv')]).stdout;
    expect(reg).toContain('[HKEY_LOCAL_MACHINE\\nls]\n');
    expect(reg).toContain('"DefaultLCID"=dword:00000409\n');
    const json = JSON.parse(runCli(['dump', '-f', 'json', corpusPath('default.hv')]).stdout) as DumpJson;
    const mui = json.hives[0]!.keys.flatMap((key) => key.values).filter((value) => value.type === 'REG_MUI_SZ');
    expect(mui).toHaveLength(258);
    expect(mui.map((value) => value.value)).toContain('urlmon.dll,#9008');
    expect(runCli(['dump', corpusPath('default.hv')]).stdout).toContain('=mui_sz:"urlmon.dll,#9008"');
  });

  test('several files in one run: one JSON document, one .reg text', () => {
    const files = CORPUS_FILES.map(corpusPath);
    const json = JSON.parse(runCli(['dump', '-f', 'json', ...files]).stdout) as DumpJson;
    expect(validateDump(json)).toBe(true);
    expect(json.hives.map((hive) => hive.keys.length)).toEqual(CORPUS_FILES.map((file) => CORPUS_FACTS[file].keys));
    const reg = runCli(['dump', ...files]).stdout;
    expect(reg.match(/^REGEDIT4$/gm)).toHaveLength(1);
    const total = CORPUS_FILES.reduce((sum, file) => sum + CORPUS_FACTS[file].keys, 0);
    expect(countReg(reg).keys).toBe(total);
  });

  test('--key dumps one subtree, the key itself included', () => {
    const json = JSON.parse(runCli(['dump', '-f', 'json', '-k', 'hkcu\\software', corpusPath('user.hv')]).stdout) as DumpJson;
    const paths = json.hives[0]!.keys.map((key) => key.path);
    expect(paths[0]).toBe('HKEY_CURRENT_USER\\Software');
    expect(paths.every((path) => path.startsWith('HKEY_CURRENT_USER\\Software'))).toBe(true);
    expect(paths.length).toBeGreaterThan(1);
    expect(paths.length).toBeLessThan(CORPUS_FACTS['user.hv'].keys);
  });

  test('-o writes the same text to a file, atomically, leaving no temporary file', () => {
    const target = join(scratch.path, 'default.reg');
    const result = runCli(['dump', '-o', target, corpusPath('default.hv')]);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('');
    expect(readFileSync(target, 'utf8')).toBe(runCli(['dump', corpusPath('default.hv')]).stdout);
    expect(readdirSync(scratch.path).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});

describe('dump of a persistent hive without its ROM', () => {
  test('exits 0, marks the links unresolved and prints everything stored in the file', () => {
    const sz = (text: string): number[] => Array.from(encodeUtf16(text + '\0'));
    const { bytes } = buildRawHive({
      blocks: [
        { id: 0, type: 0xb, payload: rootsPayload({ 2: ref(HEAP, 1) }) },
        { id: 1, type: 0xc, payload: keyPayload({ name: 'init', flags: 0x2, nextSibling: ref(ROM, 0x1d4), firstChild: ref(HEAP, 2) }) },
        { id: 2, type: 0xc, payload: keyPayload({ name: 'BootVars', flags: 0x2, firstValue: ref(HEAP, 3) }) },
        { id: 3, type: 0xd, payload: valuePayload({ type: ValueType.SZ, name: 'SYSTEMHIVE', data: sz('system.hv'), nextValue: ref(ROM, 0x40), flags: 0x2 }) },
      ],
    });
    const file = join(scratch.path, 'system.hv');
    writeFileSync(file, bytes);
    const reg = runCli(['dump', file]);
    expect(reg.status).toBe(0);
    expect(reg.stdout).toContain('[HKEY_LOCAL_MACHINE\\init\\BootVars]\n; key flags 0x0002 (copy of a ROM key)\n; value flags 0x02 (meaning not known)\n"SYSTEMHIVE"="system.hv"\n');
    expect(reg.stdout).toContain('; unresolved in HKEY_LOCAL_MACHINE\\init\\BootVars: value link → 0x20000040 (store 2, id 64): ROM hive not loaded');
    expect(reg.stdout).toContain('; unresolved in HKEY_LOCAL_MACHINE: sibling link → 0x200001d4 (store 2, id 468): ROM hive not loaded');
    const json = JSON.parse(runCli(['dump', '-f', 'json', file]).stdout) as DumpJson;
    expect(validateDump(json)).toBe(true);
    expect(json.hives[0]!.kind).toBe('persistent');
    expect(json.hives[0]!.keys.map((key) => key.path)).toEqual(['HKEY_LOCAL_MACHINE\\init', 'HKEY_LOCAL_MACHINE\\init\\BootVars']);
    expect(json.hives[0]!.unresolvedLinks.map((link) => [link.path, link.link, link.id, link.reason])).toEqual([
      ['HKEY_LOCAL_MACHINE\\init\\BootVars', 'value', 0x40, 'rom-not-loaded'],
      ['HKEY_LOCAL_MACHINE', 'sibling', 0x1d4, 'rom-not-loaded'],
    ]);
    const raw = runCli(['dump', '-f', 'raw', '-k', 'HKLM\\init', file]).stdout;
    expect(raw).toMatch(/ link +0x00000040 .*unresolved value ref=0x20000040 store=2 reason=rom-not-loaded/);
  });
});

describe('samples (no corpus needed)', () => {
  test('the README example works: dump samples/device.hv', () => {
    const result = runCli(['dump', 'samples/device.hv']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('[HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\Serial]\n"Dll"="serial.dll"\n');
    expect(result.stdout).toContain('"IClass"=multi_sz:"{CC5195AC-BA49-48a0-BE17-DF6D1B0173DD}","{A32942B7-920C-486b-B0E6-92A702A99B35}"\n');
    expect(result.stdout).toContain('"MuiString"=mui_sz:"urlmon.dll,#9008"\n');
    expect(result.stdout).toContain('"Expand"=hex(2):25,00,77,00');
    expect(result.stdout).toContain('[HKEY_CLASSES_ROOT\\.txt]\n@="txtfile"\n');
  });

  test('the committed samples are what tools/make-samples builds', () => {
    const result = runNode(join(REPO_ROOT, 'tools/dist/make-samples.js'), ['--check']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('command-line errors: one line on stderr, exit 2, no stack trace', () => {
  function damaged(name: string, change: (bytes: Uint8Array, view: DataView) => void): string {
    const bytes = new Uint8Array(readFileSync(join(REPO_ROOT, 'samples/device.hv')));
    change(bytes, new DataView(bytes.buffer));
    const file = join(scratch.path, name);
    writeFileSync(file, bytes);
    return file;
  }

  const cases: Array<[string, () => string[], RegExp]> = [
    ['missing file', () => ['dump', join(scratch.path, 'nothing.hv')], /nothing\.hv: no such file or directory$/],
    ['a directory', () => ['dump', scratch.path], /is a directory: add --recursive to read the hive files under it$/],
    ['wrong magic', () => ['dump', damaged('magic.hv', (b) => (b[8] = 0))], /not a valid hive: .*\[BAD_MAGIC\]$/],
    ['block past EOF', () => ['info', damaged('block.hv', (_b, v) => v.setUint32(0x6010, ((0xb << 28) | 0x0ffffff0) >>> 0, true))], /\[BLOCK_PAST_EOF\]$/],
    ['unknown command', () => ['frobnicate'], /^hivetool: unknown command "frobnicate"; see 'hivetool --help'$/],
    ['bad format', () => ['dump', '--format', 'xml', 'samples/device.hv'], /^hivetool: --format "xml" is not one of reg, json, raw, csv, jsonl, parquet; see 'hivetool dump --help'$/],
    ['key not found', () => ['dump', '-k', 'HKLM\\Nope', 'samples/device.hv'], /key not found: HKLM\\Nope \(no "Nope" under HKEY_LOCAL_MACHINE\)$/],
  ];

  test.each(cases)('%s', (_name, args, message) => {
    const result = runCli(args());
    expect(result.status).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^hivetool: /);
    expect(lines.some((line) => message.test(line))).toBe(true);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  test('a truncated file', () => {
    const bytes = readFileSync(join(REPO_ROOT, 'samples/multi-section.hv')).subarray(0, 0x9000);
    const file = join(scratch.path, 'truncated.hv');
    writeFileSync(file, bytes);
    const result = runCli(['dump', file]);
    expect(result.status).toBe(2);
    // A hive cut short is dumped as far as it goes (its missing bytes read as zeros): the
    // line saying the file is cut short, then the records the walk skipped where it needed
    // the missing bytes (docs/verify.md: a hive cut short is read on, exit 2).
    const [cut, skipped, rest] = result.stderr.split('\n');
    expect(cut).toMatch(/^hivetool: .*truncated\.hv: the file ends after 36864 of the \d+ bytes its header gives .*\[RESTORE_START_PAST_EOF\]/);
    expect(skipped).toMatch(/^hivetool: .*truncated\.hv: damaged hive: \d+ damaged record\(s\) or link\(s\) skipped, .*\[[A-Z_]+\]; what was shown is what is intact/);
    expect(rest).toBe('');
    expect(result.stdout).toMatch(/^; hivetool: damaged record skipped under /m);
    expect(result.stdout).not.toMatch(/stops here/);
  });

  test('one bad file among good ones: the good ones are dumped, exit 2, -o not written', () => {
    const bad = damaged('bad.hv', (b) => (b[8] = 0));
    const result = runCli(['dump', 'samples/device.hv', bad, 'samples/multi-section.hv']);
    expect(result.status).toBe(2);
    expect(result.stdout).toContain('; samples/device.hv: rom hive');
    expect(result.stdout).toContain('; samples/multi-section.hv: rom hive');
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/bad\.hv: not a valid hive: .*\[BAD_MAGIC\]$/), 'hivetool: 3 files: 2 dumped, 1 failed']);
    const target = join(scratch.path, 'never.reg');
    expect(runCli(['dump', '-o', target, 'samples/device.hv', bad]).status).toBe(2);
    expect(existsSync(target)).toBe(false);
  });

  test('no arguments: usage hint, exit 2', () => {
    const result = runCli([]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe("hivetool: name a command: dump, info, verify, diff, build, rewrite, compile, boot, lint, recover, carve, find, view, image or oem; see 'hivetool --help'\n");
  });

  test('--help lists the commands and exits 0', () => {
    const result = runCli(['--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/hivetool dump <files\.\.>/);
    expect(result.stdout).toMatch(/hivetool info <files\.\.>/);
  });
});

describe('robust output', () => {
  const sz = (text: string): number[] => Array.from(encodeUtf16(text + '\0'));

  test('names .reg cannot hold are left out as comments, with a warning; JSON keeps them', () => {
    const { bytes } = buildRawHive({
      blocks: [
        { id: 0, type: 0xb, payload: rootsPayload({ 2: ref(ROM, 1) }) },
        { id: 1, type: 0xc, payload: keyPayload({ name: 'Back\\slash', firstChild: ref(ROM, 2), nextSibling: ref(ROM, 3) }) },
        { id: 2, type: 0xc, payload: keyPayload({ name: 'Child', firstValue: ref(ROM, 5) }) },
        { id: 3, type: 0xc, payload: keyPayload({ name: 'Fine', firstValue: ref(ROM, 4) }) },
        { id: 4, type: 0xd, payload: valuePayload({ type: ValueType.SZ, name: 'line\nbreak', data: sz('x'), nextValue: ref(ROM, 6) }) },
        { id: 5, type: 0xd, payload: valuePayload({ type: ValueType.SZ, name: 'under', data: sz('y') }) },
        { id: 6, type: 0xd, payload: valuePayload({ type: ValueType.SZ, name: 'ok', data: sz('z') }) },
      ],
    });
    const file = join(scratch.path, 'names.hv');
    writeFileSync(file, bytes);
    const reg = runCli(['dump', file]);
    expect(reg.status).toBe(0);
    expect(reg.stdout).not.toMatch(/^\[.*Back/m);
    expect(reg.stdout).not.toMatch(/^"under"/m);
    expect(reg.stdout).toContain('; key name not representable in .reg, key and subtree left out (use --format json): "HKEY_LOCAL_MACHINE\\\\Back\\\\slash"');
    expect(reg.stdout).toContain('[HKEY_LOCAL_MACHINE\\Fine]\n; value name not representable in .reg, value left out (use --format json): "line\\nbreak"\n"ok"="z"\n');
    expect(reg.stderr).toMatch(/warning: .*names\.hv: 2 key\(s\) and 2 value\(s\) have names \.reg text cannot hold/);
    const json = JSON.parse(runCli(['dump', '-f', 'json', file]).stdout) as { hives: Array<{ keys: Array<{ name: string; values: Array<{ name: string }> }> }> };
    expect(json.hives[0]!.keys.map((key) => key.name)).toEqual(['Back\\slash', 'Child', 'Fine']);
    expect(json.hives[0]!.keys[2]!.values.map((value) => value.name)).toEqual(['line\nbreak', 'ok']);
  });

  test('a file with a damaged record skips it and leaves well-formed output for the others', () => {
    const bytes = new Uint8Array(readFileSync(join(REPO_ROOT, 'samples/device.hv')));
    const hive = openHive(bytes);
    const serial = hive.key('HKLM\\Drivers\\BuiltIn\\Serial') as HiveKey;
    const last = [...serial.values()].at(-1) as HiveValue;
    new DataView(bytes.buffer).setUint32(last.offset + 12, serial.firstValue, true); // value cycle
    const file = join(scratch.path, 'late.hv');
    writeFileSync(file, bytes);
    const json = runCli(['dump', '-f', 'json', file, 'samples/multi-section.hv']);
    expect(json.status).toBe(2);
    const document = JSON.parse(json.stdout) as DumpJson & { hives: Array<{ error?: string; skippedRecords?: Array<{ code: string; path: string; lost: string }> }> };
    expect(validateDump(document)).toBe(true);
    expect(validateDump.errors ?? null).toBeNull();
    // The cycle is skipped (docs/verify.md): every key is still dumped, the file fails.
    expect(document.hives[0]!.error).toBeUndefined();
    expect(document.hives[0]!.skippedRecords).toEqual([{ path: 'HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\Serial', code: 'VALUE_CYCLE', offset: last.offset + 12, lost: 'values', message: expect.stringMatching(/\[VALUE_CYCLE\]$/) }]);
    expect(document.hives[0]!.keys).toHaveLength(JSON.parse(runCli(['dump', '-f', 'json', 'samples/device.hv']).stdout).hives[0].keys.length);
    expect(document.hives[1]!.keys).toHaveLength(702);
    expect(json.stderr).toMatch(/late\.hv: damaged hive: 1 damaged record\(s\) or link\(s\) skipped, the first under HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\Serial: .*\[VALUE_CYCLE\]; what was shown is what is intact/);
    const reg = runCli(['dump', file, 'samples/multi-section.hv']);
    expect(reg.status).toBe(2);
    expect(reg.stdout.match(/^REGEDIT4$/gm)).toHaveLength(1);
    expect(reg.stdout).toMatch(/^; hivetool: damaged record skipped under HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\Serial \(a value and the rest of its chain cannot be read\): .*\[VALUE_CYCLE\]$/m);
  });

  test('what is not a regular file, or too large to be a hive, is refused before reading', () => {
    const zero = runCli(['info', '/dev/zero']);
    expect(zero.status).toBe(2);
    expect(zero.stderr).toBe('hivetool: /dev/zero: not a regular file\n');
  });

  test('-o naming a directory fails cleanly and leaves no temporary file', () => {
    const result = runCli(['dump', '-o', scratch.path, 'samples/device.hv']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/: cannot write: is a directory/);
    // The temporary file would sit beside the target: .<name>.<pid>.tmp
    const prefix = `.${basename(scratch.path)}.`;
    expect(readdirSync(dirname(scratch.path)).filter((name) => name.startsWith(prefix) && name.endsWith('.tmp'))).toEqual([]);
  });

  test('-o onto a device (/dev/null) writes to it and leaves it a device', () => {
    const result = runCli(['dump', '-o', '/dev/null', 'samples/device.hv']);
    expect(result.status).toBe(0);
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
    expect(runCli(['image', 'pack', 'samples/device.hv', '-o', '/dev/null']).status).toBe(0);
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  test('--reg-style regedit writes MULTI_SZ and MUI_SZ in hex', () => {
    // A regedit 5 file: UTF-16LE with a BOM, as desktop regedit writes and reads it.
    const output = join(scratch.path, 'regedit.reg');
    expect(runCli(['dump', '--reg-style', 'regedit', '-k', 'HKLM\\Samples', 'samples/device.hv', '-o', output]).status).toBe(0);
    const bytes = readFileSync(output);
    expect([...bytes.subarray(0, 2)]).toEqual([0xff, 0xfe]);
    const text = bytes.subarray(2).toString('utf16le');
    expect(text).toContain('"MultiString"=hex(7):66,00,69,00');
    expect(text).toContain('"MuiString"=hex(15):75,00,72,00');
    expect(text).not.toContain('multi_sz:');
  });

  test('--kind persistent reads nibble-2 references as links into ROM', () => {
    const result = runCli(['dump', '-f', 'json', '--kind', 'persistent', 'samples/device.hv']);
    expect(result.status).toBe(0);
    const json = JSON.parse(result.stdout) as DumpJson;
    expect(json.hives[0]!.kind).toBe('persistent');
    expect(json.hives[0]!.keys).toEqual([]);
    expect(json.hives[0]!.unresolvedLinks.map((link) => link.path)).toEqual(['HKEY_CLASSES_ROOT', 'HKEY_CURRENT_USER', 'HKEY_LOCAL_MACHINE']);
  });

  test('an interrupted flush is pointed out', () => {
    const bytes = new Uint8Array(readFileSync(join(REPO_ROOT, 'samples/device.hv')));
    new DataView(bytes.buffer).setUint32(0x1c, 2, true);
    const file = join(scratch.path, 'flush.hv');
    writeFileSync(file, bytes);
    const result = runCli(['dump', file]);
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/warning: .*flush\.hv: a flush was interrupted \(restoreFlags 2, 0 log entries pending\)/);
  });
});
