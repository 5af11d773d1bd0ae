import { beforeAll, describe, expect, test } from '@jest/globals';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORPUS_DIR, CORPUS_SIGNATURE, corpusPath, describeCorpus, runCli } from '@hivetool/test-support';
import { scratchDirectory } from '@hivetool/test-support/scratch';

const describeWithCorpus = describeCorpus(describe);
const scratch = scratchDirectory('hivetool-rom-check-');
const at = (name: string): string => join(scratch.path, name);

/** Builds `target` from .reg text with `build`, failing the test if it does not succeed. */
function build(reg: string, target: string, ...args: string[]): string {
  const source = `${target}.reg`;
  writeFileSync(source, `REGEDIT4\n\n${reg}`);
  const result = runCli(['build', ...args, source, '-o', target]);
  expect([result.status, result.stderr]).toEqual([0, '']);
  return target;
}

/** The keys and values `dump -f json` finds, and how many of them are marked unverified. */
function counts(stdout: string): { keys: number; values: number; unverified: number } {
  const document = JSON.parse(stdout) as { hives: Array<{ keys: Array<{ unverified?: boolean; values: Array<{ unverified?: boolean }> }> }> };
  let keys = 0;
  let values = 0;
  let unverified = 0;
  for (const hive of document.hives) {
    for (const key of hive.keys) {
      keys++;
      if (key.unverified === true) unverified++;
      for (const value of key.values) {
        values++;
        if (value.unverified === true) unverified++;
      }
    }
  }
  return { keys, values, unverified };
}

describeWithCorpus('the one ROM check', () => {
  const DEFAULT = corpusPath('default.hv');
  const USER = corpusPath('user.hv');
  let system = '';
  let user = '';
  let foreign = '';
  beforeAll(() => {
    system = build('[HKEY_LOCAL_MACHINE\\init\\BootVars]\n"X"=dword:1\n\n[HKEY_LOCAL_MACHINE\\NewKey]\n"A"="b"\n', at('system.hv'), '--rom', DEFAULT);
    user = build('[HKEY_CURRENT_USER\\MUI]\n"Y"=dword:2\n', at('user.hv'), '--rom', USER);
    // A ROM of another build: its own signature, its own numbering.
    foreign = build('[HKEY_LOCAL_MACHINE\\init\\BootVars]\n"Z"=dword:1\n\n[HKEY_LOCAL_MACHINE\\Other]\n"Q"=dword:3\n', at('foreign.hv'), '--rom-signature', '00112233445566778899aabbccddeeff');
  });

  // Every command that takes --rom and reads a persistent hive through it, with where its output goes.
  const commands: Array<[string, (rom: string, hive: string) => string[]]> = [
    ['dump', (rom, hive) => ['dump', '--rom', rom, hive]],
    ['dump --jobs', (rom, hive) => ['dump', '--jobs', '2', '--rom', rom, hive, hive]],
    ['diff', (rom, hive) => ['diff', '--rom', rom, hive]],
    ['image pack', (rom, hive) => ['image', 'pack', hive.endsWith('user.hv') ? '--user-rom' : '--rom', rom, hive, '-o', at('out.fdf')]],
    ['oem pack', (rom, hive) => ['oem', 'pack', hive.endsWith('user.hv') ? '--user-rom' : '--rom', rom, hive, '-o', at('out.oem')]],
    ['view', (rom, hive) => ['view', '--json', '--rom', rom, hive]],
    ['find', (rom, hive) => ['find', '--rom', rom, 'MUI', hive]],
    ['find --jobs', (rom, hive) => ['find', '--jobs', '2', '--rom', rom, 'MUI', hive, hive]],
  ];

  describe.each(commands)('%s', (_name, args) => {
    test('a ROM of another build: the two signatures named first, exit 2', () => {
      const result = runCli(args(foreign, system));
      expect(result.status).toBe(2);
      expect(result.stderr).toContain(`system.hv: does not match the ROM hive ${foreign}: the hive carries ROM signature ${CORPUS_SIGNATURE}, the ROM hive 00112233445566778899aabbccddeeff`);
      expect(result.stderr).toContain('[ROM_MISMATCH]; give the ROM hive of this hive');
      expect(result.stdout).toBe('');
    });

    test('a ROM of the wrong role (the ROM user.hv for a system hive, default.hv for a user hive): exit 2, the role named', () => {
      const wrongForSystem = runCli(args(USER, system));
      expect(wrongForSystem.status).toBe(2);
      expect(wrongForSystem.stderr).toContain('the hive is a system hive (HKLM/HKCR: default.hv or boot.hv) but the ROM hive is a user hive (HKCU: user.hv)');
      const wrongForUser = runCli(args(DEFAULT, user));
      expect(wrongForUser.status).toBe(2);
      expect(wrongForUser.stderr).toContain('the hive is a user hive (HKCU: user.hv) but the ROM hive is a system hive (HKLM/HKCR: default.hv or boot.hv)');
      // The same signature: the role is what tells them apart.
      expect(wrongForSystem.stderr).not.toContain('carries ROM signature');
    });
  });

  test('the right ROM passes: dump and pack exit 0 with nothing on stderr', () => {
    for (const args of [commands[0]![1](DEFAULT, system), commands[0]![1](USER, user), commands[3]![1](DEFAULT, system)]) {
      const result = runCli(args);
      expect([result.status, result.stderr]).toEqual([0, '']);
    }
  });

  test('dump --force-rom: read anyway, every ROM record marked unverified (.reg comment, JSON field), none of the file\'s', () => {
    const reg = runCli(['dump', '--rom', USER, '--force-rom', system]);
    expect(reg.status).toBe(0);
    expect(reg.stderr).toMatch(/^hivetool: warning: .*system\.hv: does not match the ROM hive .* \[ROM_MISMATCH\]; read anyway \(--force-rom\)/);
    // Links that do not resolve in the foreign ROM are shown, not followed.
    expect(reg.stdout).toContain('does not resolve in the ROM hive given (it failed the ROM check)');
    const forced = runCli(['dump', '-f', 'json', '--rom', DEFAULT, '--force-rom', user]);
    expect(forced.status).toBe(0);
    const seen = counts(forced.stdout);
    expect(seen.unverified).toBeGreaterThan(0);
    // The file's own records (MUI and Y) are not marked; every other record came from the ROM.
    const own = counts(runCli(['dump', '-f', 'json', user]).stdout);
    expect(seen.unverified).toBe(seen.keys + seen.values - own.keys - own.values);
    const text = runCli(['dump', '--rom', DEFAULT, '--force-rom', user]).stdout;
    const marks = text.split('\n').filter((line) => line.startsWith('; unverified: the line above is from a ROM hive')).length;
    expect(marks).toBe(seen.unverified);
    // --content-only keeps the mark.
    expect(counts(runCli(['dump', '-f', 'json', '--content-only', '--rom', DEFAULT, '--force-rom', user]).stdout).unverified).toBe(seen.unverified);
  });

  test('find --rom: the effective registry searched; --force-rom marks the matches from the ROM, not the file\'s', () => {
    const through = runCli(['find', '--rom', USER, 'CurLang', user]);
    expect([through.status, through.stderr]).toEqual([0, '']);
    expect(through.stdout).toBe(`${user}: HKEY_CURRENT_USER\\MUI\\CurLang = dword:00000409\n`);
    const forced = runCli(['find', '--json', '--rom', DEFAULT, '--force-rom', '--name', '--regex', '.', user]);
    expect(forced.status).toBe(0);
    expect(forced.stderr).toContain('[ROM_MISMATCH]; read anyway (--force-rom)');
    const matches = (JSON.parse(forced.stdout) as { matches: Array<{ name: string; unverified?: boolean }> }).matches;
    // Y is the file's own value; every other value came through the foreign ROM.
    expect(matches.find((match) => match.name === 'Y')!.unverified).toBeUndefined();
    expect(matches.filter((match) => match.name !== 'Y').length).toBeGreaterThan(0);
    expect(matches.filter((match) => match.name !== 'Y').every((match) => match.unverified === true)).toBe(true);
    const text = runCli(['find', '--rom', DEFAULT, '--force-rom', '--name', 'Source Filter', user]);
    expect(text.stdout).toMatch(/Source Filter = .* \(unverified: from a ROM hive that failed the ROM check\)\n$/);
  });

  test('diff, view and pack --force-rom: a note, a field, a warning', () => {
    const text = runCli(['diff', '--rom', USER, '--force-rom', user]);
    expect(text.status).toBe(1);
    expect(text.stdout).not.toContain('unverified');
    const diff = runCli(['diff', '--rom', DEFAULT, '--force-rom', user]);
    expect(diff.stdout.split('\n')[0]).toMatch(/^note: unverified: a side was read through a ROM hive that failed the ROM check/);
    const json = JSON.parse(runCli(['diff', '-f', 'json', '--rom', DEFAULT, '--force-rom', user]).stdout) as { unverified?: boolean };
    expect(json.unverified).toBe(true);
    const pack = runCli(['image', 'pack', '--user-rom', DEFAULT, '--force-rom', user, '-o', at('forced.fdf')]);
    expect(pack.status).toBe(0);
    expect(pack.stderr).toContain('[ROM_MISMATCH]; read anyway (--force-rom): its records from the ROM are packed unverified (the output cannot mark them)');
  });
});

describe('same-build evidence: a ROM rebuilt with the same signature', () => {
  const SIGNATURE = '00112233445566778899aabbccddeeff';
  let romA = '';
  let romB = '';
  let hive = '';
  beforeAll(() => {
    romA = build('[HKEY_LOCAL_MACHINE\\K1]\n"a"=dword:1\n\n[HKEY_LOCAL_MACHINE\\K2]\n"b"=dword:2\n', at('build-a.hv'), '--rom-signature', SIGNATURE);
    // One key more in front: K1 moves to the id K2 had, so the copy's sibling link now
    // resolves to a key (the ROM's own K1) and its value link to a value.
    romB = build('[HKEY_LOCAL_MACHINE\\K0]\n"x"=dword:9\n\n[HKEY_LOCAL_MACHINE\\K1]\n"a"=dword:1\n\n[HKEY_LOCAL_MACHINE\\K2]\n"b"=dword:2\n', at('build-b.hv'), '--rom-signature', SIGNATURE);
    hive = build('[HKEY_LOCAL_MACHINE\\K1]\n"c"=dword:3\n', at('over-a.hv'), '--rom', romA);
  });

  test('its own build passes; the other build, with every link resolving, is refused for the copy still on the chain', () => {
    expect(runCli(['dump', '--rom', romA, hive]).status).toBe(0);
    const other = runCli(['dump', '--rom', romB, hive]);
    expect(other.status).toBe(2);
    expect(other.stderr).toContain('1 key copy(ies) (flags 0x2) still have their ROM original on the chain they replace (first HKEY_LOCAL_MACHINE\\K1, at 0x');
    expect(other.stderr).not.toContain('carries ROM signature');
    // verify reports it, and its boot line: kept, but of another build.
    const verify = runCli(['verify', '--rom', romB, hive]);
    expect(verify.status).toBe(1);
    expect(verify.stdout).toMatch(/ERROR +ROM_COPY_ON_CHAIN/);
    expect(verify.stdout).toContain('boot: KEPT');
    expect(verify.stdout).toContain('but it was built against another build of the ROM (ROM_COPY_ON_CHAIN)');
    expect(runCli(['verify', '--rom', romA, hive]).status).toBe(0);
  });
});

describeWithCorpus('verify --rom with a ROM of the wrong role', () => {
  test('ROM_WRONG_ROLE, and the boot line says so', () => {
    const hive = build('[HKEY_LOCAL_MACHINE\\init\\BootVars]\n"X"=dword:1\n', at('v-system.hv'), '--rom', corpusPath('default.hv'));
    const result = runCli(['verify', '--rom', corpusPath('user.hv'), hive]);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/ERROR +ROM_WRONG_ROLE +at 0x/);
    expect(result.stdout).toContain('but the ROM hive given has the wrong role (ROM_WRONG_ROLE)');
  });
});

describeWithCorpus('image pack and oem pack of a persistent hive', () => {
  let system = '';
  let user = '';
  beforeAll(() => {
    system = build('[HKEY_LOCAL_MACHINE\\init\\BootVars]\n"X"=dword:1\n\n[HKEY_LOCAL_MACHINE\\NewKey]\n"A"="b"\n', at('p-system.hv'), '--rom', corpusPath('default.hv'));
    user = build('[HKEY_CURRENT_USER\\MUI]\n"Y"=dword:2\n', at('p-user.hv'), '--rom', corpusPath('user.hv'));
  });
  const effective = (rom: string, hive: string): { keys: number; values: number } => counts(runCli(['dump', '-f', 'json', '--rom', rom, hive]).stdout);

  test.each([['image'], ['oem']])('%s pack without its ROM: refused, exit 2, nothing written; --own-records-only: the warning and only the file\'s records', (group) => {
    const out = at(`no-rom.${group}`);
    const refused = runCli([group, 'pack', system, '-o', out]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/p-system\.hv: a persistent system hive stores only its changes \(5 key\(s\), 2 value\(s\)\).*\[ROM_REQUIRED\]; give the ROM default\.hv \(--rom, or --rom-dir\), or --own-records-only/);
    expect(() => readFileSync(out)).toThrow();
    const own = runCli([group, 'pack', '--own-records-only', system, '-o', out]);
    expect(own.status).toBe(0);
    expect(own.stderr).toMatch(/warning: .*p-system\.hv: --own-records-only: packing only the 5 key\(s\) and 2 value\(s\) the file stores; the 6 link\(s\) into the ROM hive, and the registry behind them, are left out/);
    expect(own.stdout).toContain('5 keys, 2 values');
  });

  test.each([['image'], ['oem']])('%s pack --rom and --user-rom (or --rom-dir): each input through the ROM of its role, the full registry', (group) => {
    const sys = effective(corpusPath('default.hv'), system);
    const usr = effective(corpusPath('user.hv'), user);
    expect(sys.keys).toBeGreaterThan(900);
    const both = runCli([group, 'pack', '--rom', corpusPath('default.hv'), '--user-rom', corpusPath('user.hv'), system, user, '-o', at(`both.${group}`)]);
    expect([both.status, both.stderr]).toEqual([0, '']);
    expect(both.stdout).toContain(`${sys.keys + usr.keys} keys, ${sys.values + usr.values} values`);
    const dir = runCli([group, 'pack', '--rom-dir', CORPUS_DIR, system, user, '-o', at(`dir.${group}`)]);
    expect([dir.status, dir.stderr]).toEqual([0, '']);
    expect(dir.stdout).toContain(`${sys.keys + usr.keys} keys, ${sys.values + usr.values} values`);
    // The user hive without its ROM is refused even when the system ROM is given.
    const missing = runCli([group, 'pack', '--rom', corpusPath('default.hv'), system, user, '-o', at(`missing.${group}`)]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('give the ROM user.hv (--user-rom, or --rom-dir)');
  });
});

describeWithCorpus('boot: a KEPT hive that does not belong over its ROM', () => {
  interface Hive { outcome: string; linksBroken: number; firstBrokenLink: { link: string; offset: number; code: string } | null; romProblems: string[] }
  const bootJson = (romDir: string, storage: string): { status: number | null; hive: Hive } => {
    const result = runCli(['boot', '--json', romDir, storage]);
    return { status: result.status, hive: (JSON.parse(result.stdout) as { hives: Hive[] }).hives[0]! };
  };
  const storageWith = (name: string, hive: string): string => {
    const dir = at(name);
    mkdirSync(join(dir, 'Documents and Settings'), { recursive: true });
    copyFileSync(hive, join(dir, 'Documents and Settings', 'system.hv'));
    return dir;
  };

  test('the matching signature of another build (links into a different ROM): KEPT, linksBroken > 0, the first link named, exit 1', () => {
    const other = build('[HKEY_LOCAL_MACHINE\\init\\BootVars]\n"Z"=dword:1\n\n[HKEY_LOCAL_MACHINE\\Other]\n"Q"=dword:3\n', at('same-signature.hv'), '--rom-signature', CORPUS_SIGNATURE);
    const hive = build('[HKEY_LOCAL_MACHINE\\init\\BootVars]\n"X"=dword:1\n', at('b-system.hv'), '--rom', other);
    const storage = storageWith('boot-other', hive);
    const { status, hive: decision } = bootJson(CORPUS_DIR, storage);
    expect(status).toBe(1);
    expect(decision.outcome).toBe('KEPT');
    expect(decision.linksBroken).toBeGreaterThan(0);
    expect(decision.firstBrokenLink).toMatchObject({ link: expect.stringMatching(/^\w+ link 0x2[0-9a-f]{7}$/) as unknown as string });
    const text = runCli(['boot', CORPUS_DIR, storage]);
    expect(text.status).toBe(1);
    expect(text.stdout).toMatch(/KEPT +system .*does not belong over this ROM hive/);
    expect(text.stdout).toContain(`ROM check: ${decision.linksBroken} of`);
    expect(text.stdout).toContain(`first: the ${decision.firstBrokenLink!.link} at 0x`);
    expect(text.stdout).toContain('advice: the device keeps this hive but reads garbage through those links');
    // verify --rom's boot line says the same.
    const verify = runCli(['verify', '--rom', corpusPath('default.hv'), join(storage, 'Documents and Settings', 'system.hv')]);
    expect(verify.stdout).toContain('boot: KEPT');
    expect(verify.stdout).toMatch(/but \d+ link\(s\) into the ROM hive do not resolve there/);
  });

  test('a ROM folder whose default.hv has the wrong role (the ROM user.hv): KEPT, the role named, links broken, exit 1', () => {
    const hive = build('[HKEY_LOCAL_MACHINE\\init\\BootVars]\n"X"=dword:1\n', at('r-system.hv'), '--rom', corpusPath('default.hv'));
    const romDir = at('wrong-role-rom');
    mkdirSync(romDir);
    copyFileSync(corpusPath('boot.hv'), join(romDir, 'boot.hv'));
    copyFileSync(corpusPath('user.hv'), join(romDir, 'default.hv'));
    copyFileSync(corpusPath('user.hv'), join(romDir, 'user.hv'));
    const { status, hive: decision } = bootJson(romDir, storageWith('boot-role', hive));
    expect(status).toBe(1);
    expect(decision.outcome).toBe('KEPT');
    expect(decision.linksBroken).toBeGreaterThan(0);
    expect(decision.romProblems[0]).toContain('but the ROM hive is a user hive (HKCU: user.hv)');
  });

  test('the right ROM: KEPT with no ROM problems', () => {
    const hive = build('[HKEY_LOCAL_MACHINE\\init\\BootVars]\n"X"=dword:1\n', at('ok-system.hv'), '--rom', corpusPath('default.hv'));
    const { hive: decision } = bootJson(CORPUS_DIR, storageWith('boot-ok', hive));
    expect(decision).toMatchObject({ outcome: 'KEPT', linksBroken: 0, firstBrokenLink: null, romProblems: [] });
  });
});
