/**
 * `hivetool migrate OLD-ROMDIR NEW-ROMDIR STORAGEDIR -o OUTDIR` and `--device-reg`: every
 * hive of a device found as boot finds it, migrated, and written where the new image's
 * boot looks for it (checked with the real boot command); a RAM-based device's whole
 * registry migrating to the same bytes as its persistent hives; Microsoft's CE 7 stock
 * sources compiled twice.
 */
import { describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PLATFORM_REG_DIR, buildDeviceHive, buildNewRom, corpusPath, describeCorpus, runCli, stockFiles, stockReleaseFolder, validMigrateReport as validateMigrate } from '@hivetool/test-support';
import { scratchDirectory } from '@hivetool/test-support/scratch';

const scratch = scratchDirectory('hivetool-migrate-folders-');
const describeWithCorpus = describeCorpus(describe);
const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

/** The new image: the corpus ROM set's dumps with changes, its system hive moved to another folder. */
const BOOT_CHANGES = 'REGEDIT4\n\n[HKEY_LOCAL_MACHINE\\init\\BootVars]\n"SystemHive"="\\\\Documents and Settings\\\\v2\\\\system.hv"\n';
const IMAGE_CHANGES = `REGEDIT4

[HKEY_LOCAL_MACHINE\\Software\\NewVendor]
"Enabled"=dword:00000001

[-HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\ErrorReporting]

[HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\TIMESVC]
"Order"=dword:00000098
`;
const USER_IMAGE_CHANGES = 'REGEDIT4\n\n[HKEY_CURRENT_USER\\MUI]\n"CurLang"=dword:00000407\n';

/** The device: a value changed that the image also changed (a conflict), a deletion, a key added. */
const DEVICE_CHANGES = `REGEDIT4

[HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\TIMESVC]
"Order"=dword:00000050

[HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\AFD]
"Keep"=-

[HKEY_LOCAL_MACHINE\\Software\\Device]
"Owner"="lab 3"
`;
const USER_DEVICE_CHANGES = (who: string): string => `REGEDIT4\n\n[HKEY_CURRENT_USER\\Software\\Microsoft\\Internet Explorer\\International]\n"AcceptLanguage"="de-de"\n\n[HKEY_CURRENT_USER\\Software\\Owner]\n"Name"="${who}"\n`;

const SYSTEM_PATH = ['Documents and Settings', 'system.hv'];
const NEW_SYSTEM_PATH = ['Documents and Settings', 'v2', 'system.hv'];
const userPath = (user: string): string[] => ['Documents and Settings', 'user.hv', user, 'user.hv'];

interface FolderJson {
  format: string;
  hives: Array<{ role: string; user: string | null; from: string | null; to: string; moved: boolean; file: string | null; patchFile: string | null; report: { summary: Record<string, number>; carried: Array<{ path: string; name?: string }>; conflicts: Array<{ path: string; name?: string; decision: string }>; deletions: Array<{ path: string; name?: string }>; exitCode: number } }>;
  summary: Record<string, number>;
  exitCode: number;
}

/** Every file under a folder with its SHA-256: what "nothing was written" compares. */
function snapshot(folder: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(folder, { recursive: true, encoding: 'utf8' }) as string[]) {
    const path = join(folder, name);
    try {
      files[relative(folder, path)] = createHash('sha256').update(readFileSync(path)).digest('hex');
    } catch {
      files[relative(folder, path)] = 'folder';
    }
  }
  return files;
}

const write = (path: string, text: string): string => {
  writeFileSync(path, encode(text));
  return path;
};

/** The lines of boot's hive list: outcome, role and path. */
const bootHives = (stdout: string): string[] =>
  stdout
    .split('\n')
    .filter((line) => /^ {2}(KEPT|CLEAN|CREATED|NOT_LOADED) /.test(line))
    .map((line) => line.replace(/: .*$/, '').replace(/ +/g, ' ').trim());

describeWithCorpus('migrate OLD-ROMDIR NEW-ROMDIR STORAGEDIR on the ce6-mediaroom ROM set', () => {
  let set: { oldDir: string; newDir: string; storage: string } | undefined;
  const setUp = (): { oldDir: string; newDir: string; storage: string } => {
    if (set !== undefined) return set;
    const oldDir = corpusPath('default.hv').replace(/[\\/]default\.hv$/, '');
    const newDir = join(scratch.path, 'new-rom');
    mkdirSync(newDir);
    for (const [hive, changes] of [['boot', BOOT_CHANGES], ['default', IMAGE_CHANGES], ['user', USER_IMAGE_CHANGES]] as const) buildNewRom(scratch.path, `${hive}.hv`, changes, join(newDir, `${hive}.hv`));
    const storage = join(scratch.path, 'storage');
    mkdirSync(join(storage, 'Documents and Settings', 'user.hv', 'default'), { recursive: true });
    mkdirSync(join(storage, 'Documents and Settings', 'user.hv', 'alice'), { recursive: true });
    buildDeviceHive(scratch.path, 'default.hv', DEVICE_CHANGES, join(storage, ...SYSTEM_PATH));
    for (const user of ['default', 'alice']) buildDeviceHive(scratch.path, 'user.hv', USER_DEVICE_CHANGES(user), join(storage, ...userPath(user)));
    set = { oldDir, newDir, storage };
    return set;
  };

  test.each(['image', 'device'] as const)('--prefer %s: every hive found as boot finds it, written where the new image looks for it; boot on the new image keeps them all', (prefer) => {
    const { oldDir, newDir, storage } = setUp();
    const before = { storage: snapshot(storage), rom: snapshot(oldDir), newRom: snapshot(newDir) };
    const out = join(scratch.path, `out-${prefer}`);
    const result = runCli(['migrate', oldDir, newDir, storage, '-o', out, '--prefer', prefer, '--json']);
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout) as FolderJson;
    expect(validateMigrate(report)).toBe(true);
    // The conflict on TIMESVC Order makes it exit 1: the worst over the hives.
    expect([result.status, report.exitCode]).toEqual([1, 1]);
    // The system hive and the default user's first (as boot loads them), then every other user folder.
    expect(report.hives.map((hive) => [hive.role, hive.user, hive.from, hive.to, hive.moved, hive.report.exitCode])).toEqual([
      ['system', null, '\\Documents and Settings\\system.hv', '\\Documents and Settings\\v2\\system.hv', true, 1],
      ['user', 'default', '\\Documents and Settings\\user.hv\\default\\user.hv', '\\Documents and Settings\\user.hv\\default\\user.hv', false, 0],
      ['user', 'alice', '\\Documents and Settings\\user.hv\\alice\\user.hv', '\\Documents and Settings\\user.hv\\alice\\user.hv', false, 0],
    ]);
    const system = report.hives[0]!.report;
    expect(system.conflicts.map((c) => `${c.path} ${c.name ?? ''} → ${c.decision}`)).toEqual([`HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\TIMESVC Order → ${prefer}`]);
    expect(system.deletions.map((d) => `${d.path} ${d.name ?? ''}`)).toEqual(['HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\AFD Keep']);
    expect(report.summary).toMatchObject({ hives: 3, conflicts: 1, deletions: 1, carried: 1 + 2 * 2 });

    // Each hive is where the new image's boot configuration names it, and boot keeps it.
    expect(existsSync(join(out, ...NEW_SYSTEM_PATH))).toBe(true);
    expect(existsSync(join(out, ...SYSTEM_PATH))).toBe(false);
    const boot = runCli(['boot', newDir, out]);
    expect(bootHives(boot.stdout)).toEqual(['KEPT system \\Documents and Settings\\v2\\system.hv', 'KEPT user default \\Documents and Settings\\user.hv\\default\\user.hv']);
    expect(bootHives(runCli(['boot', newDir, out, '--user', 'alice']).stdout)).toContain('KEPT user alice \\Documents and Settings\\user.hv\\alice\\user.hv');
    // The old image would not keep them any more (another ROM signature).
    expect(bootHives(runCli(['boot', oldDir, storage]).stdout)[0]).toMatch(/^KEPT system/);

    // Each output is what the single-hive form writes for that hive, byte for byte.
    const single = join(scratch.path, `single-${prefer}.hv`);
    expect(runCli(['migrate', '--old-rom', corpusPath('default.hv'), '--new-rom', join(newDir, 'default.hv'), join(storage, ...SYSTEM_PATH), '-o', single, '--prefer', prefer]).status).toBe(1);
    expect(Buffer.compare(readFileSync(single), readFileSync(join(out, ...NEW_SYSTEM_PATH)))).toBe(0);
    expect(runCli(['migrate', '--old-rom', corpusPath('user.hv'), '--new-rom', join(newDir, 'user.hv'), join(storage, ...userPath('alice')), '-o', single]).status).toBe(0);
    expect(Buffer.compare(readFileSync(single), readFileSync(join(out, ...userPath('alice'))))).toBe(0);
    // The device's own choices, over the new image.
    expect(runCli(['dump', '--rom', join(newDir, 'user.hv'), join(out, ...userPath('alice')), '--key', 'HKCU\\Software\\Owner']).stdout).toContain('"Name"="alice"');
    expect(runCli(['dump', '--rom', join(newDir, 'default.hv'), join(out, ...NEW_SYSTEM_PATH), '--key', 'HKLM\\Drivers\\BuiltIn\\TIMESVC']).stdout).toContain(`"Order"=dword:${prefer === 'image' ? '00000098' : '00000050'}`);

    // Nothing in the inputs was written.
    expect({ storage: snapshot(storage), rom: snapshot(oldDir), newRom: snapshot(newDir) }).toEqual(before);
  });

  test('the text report: each hive, where it moved, and a summary; --patch writes one patch per hive; --dry-run writes nothing', () => {
    const { oldDir, newDir, storage } = setUp();
    const out = join(scratch.path, 'out-text');
    const patches = join(scratch.path, 'patches');
    const result = runCli(['migrate', oldDir, newDir, storage, '-o', out, '--patch', patches]);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('system hive: \\Documents and Settings\\system.hv → \\Documents and Settings\\v2\\system.hv\nmoved: the new image\'s boot looks for it at \\Documents and Settings\\v2\\system.hv (its SystemHive), the old image\'s at \\Documents and Settings\\system.hv\n');
    expect(result.stdout).toContain('user hive of alice: \\Documents and Settings\\user.hv\\alice\\user.hv → \\Documents and Settings\\user.hv\\alice\\user.hv\n');
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe(
      '3 hive(s): 5 change(s) carried, 0 now equal to the new image, 1 deletion(s) carried, 1 conflict(s) (1 decided for the image, 0 for the device), 0 changed key(s) the new image no longer has (0 dropped)',
    );
    expect(readdirSync(patches).sort()).toEqual(['system.reg', 'user-alice.reg', 'user-default.reg']);
    expect(readFileSync(join(patches, 'user-alice.reg'), 'utf8')).toContain('[HKEY_CURRENT_USER\\Software\\Owner]\n"Name"="alice"\n');
    // The patch built onto the old ROM gives the device's registry again.
    const rebuilt = join(scratch.path, 'rebuilt-system.hv');
    expect(runCli(['build', '--rom', corpusPath('default.hv'), join(patches, 'system.reg'), '-o', rebuilt]).status).toBe(0);
    expect(runCli(['diff', '--rom', corpusPath('default.hv'), join(storage, ...SYSTEM_PATH), rebuilt]).stdout).toContain('no differences');

    // The old image given as the new one: every hive a copy of the device's, byte for byte, exit 0.
    const same = join(scratch.path, 'out-same');
    const sameBuild = runCli(['migrate', oldDir, oldDir, storage, '-o', same, '--json']);
    expect(sameBuild.status).toBe(0);
    expect(validateMigrate(JSON.parse(sameBuild.stdout))).toBe(true);
    for (const path of [SYSTEM_PATH, userPath('default'), userPath('alice')]) expect(Buffer.compare(readFileSync(join(same, ...path)), readFileSync(join(storage, ...path)))).toBe(0);

    const dry = join(scratch.path, 'out-dry');
    const dryRun = runCli(['migrate', oldDir, newDir, storage, '--dry-run']);
    expect(dryRun.status).toBe(1);
    expect(dryRun.stdout.trimEnd().split('\n').at(-1)).toMatch(/^dry run \(nothing written\): 3 hive\(s\): /);
    expect(existsSync(dry)).toBe(false);
  });

  test('--device-reg: the whole registry as .reg text, as a registry image and as an OEM stream migrates to the same hives as the persistent hives do', () => {
    const { oldDir, newDir, storage } = setUp();
    const fromHives = join(scratch.path, 'dr-hives');
    // Only the default user: a whole registry holds one HKEY_CURRENT_USER.
    const one = join(scratch.path, 'dr-storage');
    mkdirSync(join(one, 'Documents and Settings', 'user.hv', 'default'), { recursive: true });
    writeFileSync(join(one, ...SYSTEM_PATH), readFileSync(join(storage, ...SYSTEM_PATH)));
    writeFileSync(join(one, ...userPath('default')), readFileSync(join(storage, ...userPath('default'))));
    expect(runCli(['migrate', oldDir, newDir, one, '-o', fromHives]).status).toBe(1);

    // The effective registry, as dump --rom writes it: HKLM and HKCR from the system hive, HKCU from the user hive.
    const systemReg = runCli(['dump', '--rom', corpusPath('default.hv'), join(one, ...SYSTEM_PATH)]).stdout;
    const userReg = runCli(['dump', '--rom', corpusPath('user.hv'), join(one, ...userPath('default'))]).stdout;
    const whole = write(join(scratch.path, 'device-whole.reg'), `Windows Registry Editor Version 5.00\n\n${systemReg.replace(/^REGEDIT4\n/, '')}\n${userReg.replace(/^REGEDIT4\n/, '')}`);
    const image = join(scratch.path, 'device.img');
    expect(runCli(['image', 'pack', '--rom-dir', oldDir, join(one, ...SYSTEM_PATH), join(one, ...userPath('default')), '-o', image]).status).toBe(0);
    const stream = join(scratch.path, 'device.oem');
    expect(runCli(['oem', 'pack', '--rom-dir', oldDir, join(one, ...SYSTEM_PATH), join(one, ...userPath('default')), '-o', stream]).status).toBe(0);

    for (const [name, file] of [['reg', whole], ['image', image], ['oem', stream]] as const) {
      const out = join(scratch.path, `dr-${name}`);
      const result = runCli(['migrate', oldDir, newDir, '--device-reg', file, '-o', out, '--json']);
      expect([name, result.stderr, result.status]).toEqual([name, '', 1]);
      const report = JSON.parse(result.stdout) as FolderJson;
      expect(validateMigrate(report)).toBe(true);
      expect(report.hives.map((hive) => [hive.role, hive.user, hive.from, hive.to])).toEqual([
        ['system', null, null, '\\Documents and Settings\\v2\\system.hv'],
        ['user', 'default', null, '\\Documents and Settings\\user.hv\\default\\user.hv'],
      ]);
      for (const path of [NEW_SYSTEM_PATH, userPath('default')]) {
        expect([name, ...path, Buffer.compare(readFileSync(join(out, ...path)), readFileSync(join(fromHives, ...path)))]).toEqual([name, ...path, 0]);
      }
      expect(bootHives(runCli(['boot', newDir, out]).stdout)).toEqual(['KEPT system \\Documents and Settings\\v2\\system.hv', 'KEPT user default \\Documents and Settings\\user.hv\\default\\user.hv']);
    }
    // The single-hive form: the registry's HKEY_CURRENT_USER for a user hive, the same bytes as the hive.
    const single = join(scratch.path, 'dr-single-user.hv');
    expect(runCli(['migrate', '--old-rom', corpusPath('user.hv'), '--new-rom', join(newDir, 'user.hv'), '--device-reg', whole, '-o', single]).status).toBe(0);
    expect(Buffer.compare(readFileSync(single), readFileSync(join(fromHives, ...userPath('default'))))).toBe(0);
    const singleSystem = join(scratch.path, 'dr-single-system.hv');
    expect(runCli(['migrate', '--old-rom', corpusPath('default.hv'), '--new-rom', join(newDir, 'default.hv'), '--device-reg', stream, '-o', singleSystem]).status).toBe(1);
    expect(Buffer.compare(readFileSync(singleSystem), readFileSync(join(fromHives, ...NEW_SYSTEM_PATH)))).toBe(0);
  });

  test('bad input: missing folders, a storage folder with no hives, a user hive of another ROM, a .reg with a syntax error, outputs inside the inputs; nothing written', () => {
    const { oldDir, newDir, storage } = setUp();
    const empty = join(scratch.path, 'empty-storage');
    mkdirSync(empty, { recursive: true });
    const wrong = join(scratch.path, 'wrong-storage');
    mkdirSync(join(wrong, 'Documents and Settings', 'user.hv', 'bob'), { recursive: true });
    writeFileSync(join(wrong, ...SYSTEM_PATH), readFileSync(join(storage, ...SYSTEM_PATH)));
    // bob's hive was built against the new image's user.hv: the old image would wipe it.
    expect(runCli(['build', '--rom', join(newDir, 'user.hv'), write(join(scratch.path, 'device-alice.reg'), USER_DEVICE_CHANGES('alice')), '-o', join(wrong, ...userPath('bob'))]).status).toBe(0);
    const broken = write(join(scratch.path, 'broken.reg'), 'REGEDIT4\n\n[HKEY_LOCAL_MACHINE\\Software\\X]\n"a"=dword:1\n"b"=dword:zz\n');
    const stray = write(join(scratch.path, 'stray.reg'), 'REGEDIT4\n\n[HKEY_LOCAL_MACHINE\\Software\\X]\nthis is no registry line\n');
    const out = join(scratch.path, 'bad-out');
    const cases: Array<[string[], RegExp]> = [
      [['migrate', join(scratch.path, 'nowhere'), newDir, storage, '-o', out], /^hivetool: \S*nowhere: no such folder: OLD-ROMDIR and NEW-ROMDIR are ROM folders/],
      [['migrate', oldDir, newDir, join(scratch.path, 'nostorage'), '-o', out], /^hivetool: \S*nostorage: no such folder: STORAGEDIR is the device's persistent volume/],
      [['migrate', oldDir, newDir, empty, '-o', out], /^hivetool: \S*empty-storage: no hive to migrate: the old image's boot looks for \\Documents and Settings\\system\.hv, \\Documents and Settings\\user\.hv\\default\\user\.hv, and none is there/],
      [['migrate', oldDir, newDir, wrong, '-o', out], /^hivetool: \S*wrong-storage\/Documents and Settings\/user\.hv\/bob\/user\.hv: does not match the ROM hive \S*user\.hv: the hive carries ROM signature 00112233445566778899aabbccddeeff, the ROM hive 6e950daec1672852a98cf772c09550c9.*\[ROM_MISMATCH\]/],
      [['migrate', oldDir, newDir, '--device-reg', broken, '-o', out], /^hivetool: \S*broken\.reg:5:11: dword: takes 1 to 8 hex digits \[BAD_DWORD\]/],
      [['migrate', oldDir, newDir, '--device-reg', stray, '-o', out], /^hivetool: \S*stray\.reg:4(:\d+)?: .*\[SYNTAX\]/],
      [['migrate', oldDir, newDir, storage, '-o', join(storage, 'out')], /refusing -o \S+: it is or overlaps the input \S*storage/],
      [['migrate', oldDir, newDir, storage, '-o', out, '--patch', join(newDir, 'p')], /refusing --patch \S+: it is or overlaps the input/],
      [['migrate', oldDir, newDir, '-o', out], /migrate takes OLD-ROMDIR NEW-ROMDIR STORAGEDIR \(given 2 folder\(s\)\)/],
      [['migrate', oldDir, newDir, storage, '--device-reg', broken, '-o', out], /migrate --device-reg \S+ takes OLD-ROMDIR NEW-ROMDIR \(given 3 folder\(s\)\)/],
      [['migrate', oldDir, newDir, storage], /or give --dry-run/],
      [['migrate', oldDir, newDir, '--device-reg', join(newDir, 'user.hv'), '-o', out], /this is a hive.*--device-reg takes the device's whole registry/],
    ];
    const before = snapshot(storage);
    for (const [args, message] of cases) {
      const result = runCli(args);
      expect([args.join(' '), result.status]).toEqual([args.join(' '), 2]);
      expect(result.stderr).toMatch(message);
      expect(existsSync(out)).toBe(false);
    }
    expect(snapshot(storage)).toEqual(before);
    // A partial registry (a patch given by mistake) deletes the rest: said in a warning.
    const partial = runCli(['migrate', oldDir, newDir, '--device-reg', write(join(scratch.path, 'device.reg'), DEVICE_CHANGES), '--dry-run']);
    expect(partial.stderr).toMatch(/^hivetool: warning: \S*device\.reg: the device's registry lacks 65 of the old ROM's 65 key\(s\) under HKEY_CLASSES_ROOT \(TypeLib, CLSID, PROTOCOLS, …\): they are migrated as deleted; --device-reg takes the device's whole registry, not a patch$/m);
    expect(partial.status).toBeLessThan(2);
    // --force-rom migrates bob's hive anyway, with a warning naming it.
    const forced = runCli(['migrate', oldDir, newDir, wrong, '-o', out, '--force-rom']);
    expect(forced.stderr).toMatch(/^hivetool: warning: .*\/bob\/user\.hv: does not match the ROM hive/);
    expect(forced.status).toBeLessThan(2);
    expect(existsSync(join(out, ...userPath('bob')))).toBe(true);
  });
});

const CE7 = join(PLATFORM_REG_DIR, 'ce7-microsoft');
const describeCe7 = existsSync(join(CE7, 'common.reg')) && existsSync(join(CE7, 'dcom.reg'))
  ? describe
  : (name: string, fn: () => void): void => {
      process.stderr.write(`\n[hivetool tests] Microsoft's CE 7 registry sources not found under ${CE7}: "${name}" is SKIPPED\n`);
      describe.skip(`${name} (SKIPPED: CE 7 sources not found)`, fn);
    };

describeCe7("migrate across two builds of Microsoft's CE 7 stock sources", () => {
  test('another locale and a component added: the device\'s changes are kept over the new image, boot keeps every hive, and --patch compiled onto the old sources gives the device\'s registry', () => {
    const strings = write(join(scratch.path, 'en.str'), 'LOC_LCID 409\nLOC_ACP 4e4\nLOC_DEFAULT_TIMEZONE "Pacific Standard Time"\nLOC_HKL_DEFAULT "00000409"\nLOC_STORE_DEFAULT_FOLDER "Storage Card"\n');
    const oldLocale = ['LOCALE=0409', 'DEFAULT_LOCALE=en-US'];
    const compile = (name: string, files: string[], locale: string[]): string => {
      const out = join(scratch.path, name);
      const variables = ['PRJ_ENABLE_FSREGHIVE', 'PRJ_BOOTDEVICE_MSFLASH', '_TARGETPLATROOT=/nonexistent/platform', '_PUBLICROOT=/nonexistent/public', `_FLATRELEASEDIR=${stockReleaseFolder(scratch.path)}`, ...locale];
      const result = runCli(['compile', ...files, ...variables.flatMap((variable) => ['-D', variable]), '--strings', strings, '--missing-include', 'warn', '-o', out]);
      expect(result.status).toBeLessThan(2);
      return out;
    };
    const all = stockFiles('ce7-microsoft');
    // The old image without the DCOM component, in English; the new one with it, in Japanese.
    const oldSources = all.filter((file) => !file.endsWith('dcom.reg'));
    const oldDir = compile('ce7-old', oldSources, oldLocale);
    const newDir = compile('ce7-new', all, ['LOCALE=0411', 'DEFAULT_LOCALE=ja-JP']);
    expect(runCli(['dump', join(newDir, 'default.hv'), '--key', 'HKLM\\Services\\DCOMSSD']).status).toBe(0);
    expect(runCli(['dump', join(oldDir, 'default.hv'), '--key', 'HKLM\\Services\\DCOMSSD']).status).toBe(2);

    // The device: hives where the CE 7 design keeps them (SystemHive Windows\Registry\system.hv).
    const storage = join(scratch.path, 'ce7-storage');
    mkdirSync(join(storage, 'Windows', 'Registry', 'default'), { recursive: true });
    // A ROM value changed, one deleted, a key added, in each hive.
    const system = write(join(scratch.path, 'ce7-system.reg'), 'REGEDIT4\n\n[HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\NDIS]\n"Flags"=dword:00000003\n\n[HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\ALPCD]\n"Index"=-\n\n[HKEY_LOCAL_MACHINE\\Software\\Fleet]\n"Site"="Depot 7"\n');
    const user = write(join(scratch.path, 'ce7-user.reg'), 'REGEDIT4\n\n[HKEY_CURRENT_USER\\ControlPanel\\Volume]\n"Volume"=dword:11111111\n"Mute"=-\n\n[HKEY_CURRENT_USER\\Software\\Fleet]\n"Operator"="anna"\n');
    expect(runCli(['build', '--rom', join(oldDir, 'default.hv'), system, '-o', join(storage, 'Windows', 'Registry', 'system.hv')]).status).toBe(0);
    expect(runCli(['build', '--rom', join(oldDir, 'user.hv'), user, '-o', join(storage, 'Windows', 'Registry', 'default', 'user.hv')]).status).toBe(0);
    expect(bootHives(runCli(['boot', newDir, storage]).stdout).map((line) => line.split(' ')[0])).toEqual(['CLEAN', 'CLEAN']);

    const out = join(scratch.path, 'ce7-out');
    const patches = join(scratch.path, 'ce7-patches');
    const result = runCli(['migrate', oldDir, newDir, storage, '-o', out, '--patch', patches, '--json']);
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout) as FolderJson;
    expect(validateMigrate(report)).toBe(true);
    expect(report.summary).toMatchObject({ hives: 2, carried: 4, deletions: 2, conflicts: 0 });
    expect(report.hives.map((hive) => [hive.role, hive.to, hive.moved])).toEqual([
      ['system', '\\Windows\\Registry\\system.hv', false],
      ['user', '\\Windows\\Registry\\default\\user.hv', false],
    ]);
    expect(bootHives(runCli(['boot', newDir, out]).stdout)).toEqual(['KEPT system \\Windows\\Registry\\system.hv', 'KEPT user default \\Windows\\Registry\\default\\user.hv']);
    // The effective registry over the new image: the device's changes, the new locale, the new component.
    const systemOut = join(out, 'Windows', 'Registry', 'system.hv');
    const userOut = join(out, 'Windows', 'Registry', 'default', 'user.hv');
    expect(runCli(['dump', '--rom', join(newDir, 'default.hv'), systemOut, '--key', 'HKLM\\Software\\Fleet']).stdout).toContain('"Site"="Depot 7"');
    expect(runCli(['dump', '--rom', join(newDir, 'default.hv'), systemOut, '--key', 'HKLM\\Services\\DCOMSSD']).stdout).toContain('"Dll"="dcomssd.dll"');
    expect(runCli(['dump', '--rom', join(newDir, 'default.hv'), systemOut, '--key', 'HKLM\\nls']).stdout).toContain('"DefaultACP"=dword:000003a4');
    const userDump = runCli(['dump', '--rom', join(newDir, 'user.hv'), userOut]).stdout;
    expect(userDump).toContain('"Volume"=dword:11111111');
    expect(userDump).toContain('"Operator"="anna"');
    expect(userDump).toContain('"LocaleName"="ja-JP"');
    expect(userDump).not.toContain('"Mute"=');
    expect(runCli(['dump', '--rom', join(newDir, 'default.hv'), systemOut, '--key', 'HKLM\\Drivers\\BuiltIn\\NDIS']).stdout).toContain('"Flags"=dword:00000003');
    expect(runCli(['dump', '--rom', join(newDir, 'default.hv'), systemOut, '--key', 'HKLM\\Drivers\\BuiltIn\\ALPCD']).stdout).not.toContain('"Index"');

    // --patch: the patches compiled after the old image's sources give the device's registry.
    const recompiled = compile('ce7-recompiled', [...oldSources, join(patches, 'system.reg'), join(patches, 'user-default.reg')], oldLocale);
    expect(runCli(['diff', '--rom', join(oldDir, 'default.hv'), join(storage, 'Windows', 'Registry', 'system.hv'), join(recompiled, 'default.hv')]).stdout).toContain('no differences');
    expect(runCli(['diff', '--rom', join(oldDir, 'user.hv'), join(storage, 'Windows', 'Registry', 'default', 'user.hv'), join(recompiled, 'user.hv')]).stdout).toContain('no differences');
  });
});
