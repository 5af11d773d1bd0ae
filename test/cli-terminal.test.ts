/**
 * Text from a file reaches the terminal escaped, by one rule (`escapeForTerminal` in
 * @hivetool/registry): a newline, an escape sequence or a bidirectional override in a key
 * name, value name, value data, a ROM's SystemHive value, a `--user` value or a source
 * line never reaches standard output or standard error as it is.
 */
import { describe, expect, test } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { escapeForTerminal, terminalSafeJson } from '@hivetool/registry';
import { ROM, buildRawHive, keyPayload, ref, rootsPayload, runCli, valuePayload } from '@hivetool/test-support';
import { scratchDirectory } from '@hivetool/test-support/scratch';

const scratch = scratchDirectory('hivetool-terminal-');

/** A newline that forges an error line, an escape sequence (red text) and a right-to-left override. */
const HOSTILE = 'a\nhivetool: forged line\x1b[31mred\u202etxt.exe';
const ESCAPED = 'a\\nhivetool: forged line\\x1b[31mred\\u202etxt.exe';

/** Characters that must never reach the terminal as they are. */
function raw(text: string): string[] {
  const found: string[] = [];
  for (const character of ['\x1b', '\u202e', '\u0085', '\u061c', '\u2066']) if (text.includes(character)) found.push(`U+${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (/^hivetool: forged/m.test(text)) found.push('forged line');
  return found;
}

function utf16(text: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) out.push(text.charCodeAt(i) & 0xff, text.charCodeAt(i) >>> 8);
  return out;
}

/** HKLM\<HOSTILE> holding a value named HOSTILE whose REG_SZ data is HOSTILE. */
function hostileHive(): string {
  const { bytes } = buildRawHive({
    blocks: [
      { id: 0, type: 0xb, payload: rootsPayload({ 2: ref(ROM, 1) }) },
      { id: 1, type: 0xc, payload: keyPayload({ name: `K${HOSTILE}`, firstValue: ref(ROM, 2) }) },
      { id: 2, type: 0xd, payload: valuePayload({ type: 1, name: `V${HOSTILE}`, data: [...utf16(`D${HOSTILE}`), 0, 0] }) },
    ],
  });
  const path = join(scratch.path, 'hostile.hv');
  writeFileSync(path, bytes);
  return path;
}

function cleanHive(): string {
  const { bytes } = buildRawHive({ blocks: [{ id: 0, type: 0xb, payload: rootsPayload({ 2: ref(ROM, 1) }) }, { id: 1, type: 0xc, payload: keyPayload({ name: 'Other' }) }] });
  const path = join(scratch.path, 'clean.hv');
  writeFileSync(path, bytes);
  return path;
}

describe('escapeForTerminal: the one rule', () => {
  test('C0 (tab included), DEL, C1 and the bidirectional controls are escaped; other text is kept', () => {
    expect(escapeForTerminal('a\tb\nc\rd\x00e\x7ff\u0085g\u009bh')).toBe('a\\tb\\nc\\rd\\x00e\\x7ff\\x85g\\x9bh');
    for (const code of [0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069]) {
      expect(escapeForTerminal(`x${String.fromCharCode(code)}y`)).toBe(`x\\u${code.toString(16).padStart(4, '0')}y`);
    }
    expect(escapeForTerminal('HKLM\\Software\\Ünïcode ключ 鍵')).toBe('HKLM\\Software\\Ünïcode ключ 鍵');
  });

  test('terminalSafeJson keeps the document and escapes what JSON.stringify leaves', () => {
    const value = { name: `x\u202ey\u0085z\x7f\u2066` };
    const json = terminalSafeJson(JSON.stringify(value));
    expect(raw(json)).toEqual([]);
    expect(json).not.toMatch(/[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    expect(JSON.parse(json)).toEqual(value);
  });
});

describe('names and data from a hive reach the terminal escaped', () => {
  const hive = hostileHive();

  test('find: text escaped, JSON parses to the names as stored', () => {
    const text = runCli(['find', 'forged', hive]);
    expect(text.status).toBe(0);
    expect(raw(text.stdout)).toEqual([]);
    expect(text.stdout).toContain(`HKEY_LOCAL_MACHINE\\K${ESCAPED}`);
    expect(text.stdout.trimEnd().split('\n')).toHaveLength(2); // the key, and the value (its name and data): one line each
    const json = runCli(['find', '--json', 'forged', hive]);
    expect(raw(json.stdout)).toEqual([]);
    const parsed = JSON.parse(json.stdout) as { matches: Array<{ path: string; name?: string }> };
    expect(parsed.matches[0]!.path).toBe(`HKEY_LOCAL_MACHINE\\K${HOSTILE}`);
  });

  test('diff: text escaped, JSON parses to the names as stored', () => {
    const text = runCli(['diff', cleanHive(), hive]);
    expect(text.status).toBe(1);
    expect(raw(text.stdout)).toEqual([]);
    expect(text.stdout).toContain(`+ [HKEY_LOCAL_MACHINE\\K${ESCAPED}]`);
    const json = runCli(['diff', '-f', 'json', cleanHive(), hive]);
    expect(raw(json.stdout)).toEqual([]);
    expect(JSON.stringify(JSON.parse(json.stdout))).toContain(JSON.stringify(`HKEY_LOCAL_MACHINE\\K${HOSTILE}`).slice(1, -1));
  });

  test('dump -f json and -f raw: the bidirectional override and C1 escaped, the names kept', () => {
    const json = runCli(['dump', '-f', 'json', hive]);
    expect(json.status).toBe(0);
    expect(raw(json.stdout)).toEqual([]);
    expect(json.stdout).toContain('\\u202e');
    expect(json.stdout).toContain(JSON.stringify(`K${HOSTILE}`).replace('\u202e', '\\u202e'));
    const rawDump = runCli(['dump', '-f', 'raw', hive]);
    expect(rawDump.status).toBe(0);
    expect(raw(rawDump.stdout)).toEqual([]);
  });
});

describe('a compile source line and a ROM set reach the terminal escaped', () => {
  test('compile: the echoed source line of a diagnostic', () => {
    const source = join(scratch.path, 'platform.reg');
    writeFileSync(source, `[HKEY_LOCAL_MACHINE\\A]\n"v"=dword:1\nstray \x1b[2J text \u202eexe.txt\n`);
    const result = runCli(['compile', source, '-o', join(scratch.path, 'compiled')]);
    expect(result.stderr).toMatch(/UNRECOGNISED_LINE/);
    expect(raw(result.stderr)).toEqual([]);
    expect(result.stderr).toContain('stray \\x1b[2J text \\u202eexe.txt');
  });

  test('boot and lint: a SystemHive and ProfileDir value holding a newline, and a --user value', () => {
    const romDir = join(scratch.path, 'rom');
    mkdirSync(romDir);
    const hex = (text: string): string => [...utf16(text), 0, 0].map((byte) => byte.toString(16).padStart(2, '0')).join(',');
    const bootReg = join(romDir, 'boot.reg');
    writeFileSync(
      bootReg,
      `[HKEY_LOCAL_MACHINE\\init\\BootVars]\n"SystemHive"=hex(1):${hex(`\\Storage\\sys${HOSTILE}.hv`)}\n"ProfileDir"=hex(1):${hex(`\\Storage\\p${HOSTILE}`)}\n"RegistryFlags"=dword:00000003\n`,
    );
    const userReg = join(romDir, 'user.reg');
    writeFileSync(userReg, '[HKEY_CURRENT_USER\\Software]\n');
    for (const [input, out] of [[bootReg, 'boot.hv'], [bootReg, 'default.hv'], [userReg, 'user.hv']] as const) {
      expect(runCli(['build', input, '-o', join(romDir, out)]).status).toBe(0);
    }
    const storage = join(scratch.path, 'storage');
    mkdirSync(storage);
    for (const args of [['lint', romDir], ['lint', '--json', romDir], ['boot', romDir, storage], ['boot', '--json', romDir, storage], ['boot', '--user', `u${HOSTILE}`, romDir, storage]]) {
      const result = runCli(args);
      expect([args.join(' '), result.status]).toEqual([args.join(' '), 1]);
      expect([args.join(' '), raw(result.stdout), raw(result.stderr)]).toEqual([args.join(' '), [], []]);
    }
    const text = runCli(['boot', '--user', `u${HOSTILE}`, romDir, storage]).stdout;
    expect(text).toContain(`profiles in \\Storage\\p${ESCAPED}`);
    expect(text).toContain(`user u${ESCAPED}`);
  });
});
