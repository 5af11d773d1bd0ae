import { describe, expect, test } from '@jest/globals';
import { Ajv } from 'ajv';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hexBytes, openHive, readTree } from '@hivetool/hive';
import { decodeValue, foldName, parseKeyPath, type HiveTree } from '@hivetool/registry';
import { PLATFORM_REG_DIR, REPO_ROOT, describePlatformReg, runCli } from '@hivetool/test-support';
import { scratchDirectory } from '@hivetool/test-support/scratch';

const scratch = scratchDirectory('hivetool-compile-');
const validate = new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(join(REPO_ROOT, 'docs/schemas/compile.schema.json'), 'utf8')) as object);
const expectSchema = (json: unknown): void => {
  validate(json);
  expect(validate.errors ?? []).toEqual([]);
};
const describeWithSources = describePlatformReg(describe);
const HIVES = ['boot', 'default', 'user'] as const;
type HiveFile = (typeof HIVES)[number];

/** en-US strings for the LOC_ tokens the sample sources use (a stand-in for common.str). */
const STRINGS = `; LOC_ strings for the sample sources
LOC_LCID 409
LOC_ACP 4e4
LOC_CONSOLEFONTNAME "Courier New"
LOC_CONSOLEFONTSIZE 9
LOC_CONSOLEPAINTFIX 0
LOC_MENUBARFONTWEIGHT 190
LOC_BUTTONFONTWEIGHT 190
LOC_DEFAULT_TIMEZONE "Pacific Standard Time"
LOC_HKL_DEFAULT "00000409"
LOC_FRIENDLYPROCLASS288 "Practical Peripherals PC288LMC"
LOC_DISPLAYNAME_COM1 "COM1:"
LOC_DISPLAYNAME_COM2 "COM2:"
LOC_DISPLAYNAME_COM3 "COM3:"
LOC_DISPLAYNAME_COM4 "COM4:"
LOC_DISPLAYNAME_COMM_IRSIR "Infrared Port"
LOC_USBFN_SERIAL_MANUFACTURER "Generic Manufacturer"
LOC_USBFN_SERIAL_NAME "USB Serial"
LOC_USBFN_SERIAL_PRODUCT "Generic Serial"
LOC_APPBUTTON1 "Button 1"
LOC_APPBUTTON2 "Button 2"
LOC_APPBUTTON3 "Button 3"
LOC_APPBUTTON4 "Button 4"
LOC_PATH_APPDATA "\\\\Application Data"
LOC_PATH_DESKTOP "\\\\Windows\\\\Desktop"
LOC_PATH_FAVORITES "\\\\Windows\\\\Favorites"
LOC_PATH_FONTS "\\\\Windows\\\\Fonts"
LOC_PATH_MYDOCUMENTS "\\\\My Documents"
LOC_PATH_PROGRAMFILES "\\\\Program Files"
LOC_PATH_PROGRAMS "\\\\Windows\\\\Programs"
LOC_PATH_RECENT "\\\\Windows\\\\Recent"
LOC_PATH_STARTUP "\\\\Windows\\\\StartUp"
LOC_PATH_WINDOWS "\\\\Windows"
LOC_STORE_DEFAULT_FOLDER "Storage Card"
LOC_STORE_PCMCIA_FOLDER "Storage Card"
LOC_STORE_HD_FOLDER "Hard Disk"
LOC_STORE_CD_FOLDER "CD-ROM"
LOC_STORE_FLOPPY_FOLDER "Floppy Disk"
LOC_WORKLOCATIONNAME "Work"
LOC_WORKLOCALFMT "G"
LOC_WORKLDFMT "1FG"
LOC_WORKINTNTLFMT "011,EFG"
LOC_WORKAREACODE "425"
LOC_WORKCWCODE "0"
LOC_WORKCOUNTRYCODE "1"
LOC_WORKOPTIONS "0"
LOC_HOMELOCATIONNAME "Home"
LOC_HOMELOCALFMT "G"
LOC_HOMELDFMT "1FG"
LOC_HOMEINTNTLFMT "011,EFG"
LOC_HOMEAREACODE "425"
LOC_HOMECWCODE "0"
LOC_HOMECOUNTRYCODE "1"
LOC_HOMEOPTIONS "0"
`;

const source = (path: string): string => join(PLATFORM_REG_DIR, path);
const md5 = (bytes: Uint8Array): string => createHash('md5').update(bytes).digest('hex');
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Each source set with the -D values (and other options) its files need. */
const SETS = {
  'ti-omap35xx': () => [source('ti-omap35xx/FILES/platform.reg'), '-D', `_TARGETPLATROOT=${source('ti-omap35xx')}`, '-D', `_FLATRELEASEDIR=${source('ti-omap35xx/FILES')}`],
  // keybd.reg, the PC Card and serial files under $(_PUBLICROOT)/$(_TARGETPLATROOT) are not
  // published: their IFs are turned off; nleddrvr.reg (a sysgen block) is reported missing.
  'ce6-emulator': () => [source('ce6-emulator/common.reg'), source('ce6-emulator/platform.reg'), '-D', 'BSP_NOKEYBD', '-D', 'BSP_NOPCCARD', '-D', 'BSP_NOSERIAL', '-D', '_PUBLICROOT=/nonexistent', '--strings', join(scratch.path, 'en.str'), '--missing-include', 'warn'],
  // rasbook.reg (included unconditionally) is not in the published tree.
  tenbyten6410: () => [source('tenbyten6410/platform.reg'), '-D', `_TARGETPLATROOT=${source('tenbyten6410')}`, '-D', '_PUBLICROOT=/nonexistent', '-D', 'BSP_NOKEYPAD', '-D', 'BSP_NOKEYBD', '-D', 'BSP_NODM9000A1', '-D', 'BSP_NOEXTPOWERCTL', '-D', 'BSP_NO_SDIO_WIFI', '-D', 'BSP_USBFNCLASS=SERIAL', '--strings', join(scratch.path, 'en.str'), '--missing-include', 'warn'],
} as const;
type SetName = keyof typeof SETS;

function compileSet(name: SetName, extra: string[] = [], outName: string = name): { out: string; status: number | null; stdout: string; stderr: string } {
  writeFileSync(join(scratch.path, 'en.str'), STRINGS);
  const out = join(scratch.path, outName);
  const result = runCli(['compile', ...SETS[name](), '-o', out, ...extra]);
  return { out, ...result };
}

function readHive(out: string, hive: HiveFile): HiveTree {
  return readTree(openHive(new Uint8Array(readFileSync(join(out, `${hive}.hv`)))));
}

/** A value's typed reading, or undefined when its key or the value is absent. */
function valueOf(tree: HiveTree, path: string, name: string): string | number | readonly string[] | undefined {
  const parsed = parseKeyPath(path)!;
  let keys = tree.roots[parsed.root] ?? [];
  let key;
  for (const part of parsed.names) {
    key = keys.find((candidate) => foldName(candidate.name) === foldName(part));
    if (key === undefined) return undefined;
    keys = key.subkeys ?? [];
  }
  const value = key?.values?.find((candidate) => foldName(candidate.name) === foldName(name));
  if (value === undefined) return undefined;
  const decoded = decodeValue(value.type, value.data);
  return decoded.kind === 'string' || decoded.kind === 'number' || decoded.kind === 'strings' ? decoded.value : hexBytes(value.data);
}

function hasKey(tree: HiveTree, path: string): boolean {
  const parsed = parseKeyPath(path)!;
  let keys = tree.roots[parsed.root] ?? [];
  for (const part of parsed.names) {
    const key = keys.find((candidate) => foldName(candidate.name) === foldName(part));
    if (key === undefined) return false;
    keys = key.subkeys ?? [];
  }
  return true;
}

/**
 * The part of reginit.ini each hive is made of, cut by this test's own reading of the
 * rules (registry sources guide §1): boot = lines between whole-line markers (with the
 * key line they fall under), user = HKEY_CURRENT_USER keys, default = the rest.
 */
function referenceParts(reginit: string): Record<HiveFile, string> {
  const parts: Record<HiveFile, string[]> = { boot: [], default: [], user: [] };
  let inBoot = false;
  let user = false;
  let key: string | undefined;
  let bootKey: string | undefined;
  let continued = false;
  for (const line of reginit.split('\r\n')) {
    const trimmed = line.trim();
    if (!continued && trimmed === '; HIVE BOOT SECTION') inBoot = true;
    if (!continued && trimmed === '; END HIVE BOOT SECTION') inBoot = false;
    if (!continued && (trimmed === '' || trimmed.startsWith(';'))) continue;
    if (!continued && trimmed.startsWith('[')) {
      key = line;
      user = /^\[-?(HKEY_CURRENT_USER|HKCU)\\/i.test(trimmed);
      (user ? parts.user : parts.default).push(line);
      if (inBoot) {
        parts.boot.push(line);
        bootKey = line;
      }
      continue;
    }
    // Stray text (tenbyten6410's ruler line) is no value: the compiler leaves it out.
    if (!continued && !trimmed.startsWith('"') && !trimmed.startsWith('@')) continue;
    (user ? parts.user : parts.default).push(line);
    if (inBoot) {
      if (bootKey !== key && key !== undefined) parts.boot.push(key);
      bootKey = key;
      parts.boot.push(line);
    }
    continued = trimmed.endsWith('\\') && /=\s*(hex(\([0-9a-f]+\))?|multi_sz):/i.test(continued ? 'x=hex:' : trimmed);
  }
  return { boot: parts.boot.join('\n') + '\n', default: parts.default.join('\n') + '\n', user: parts.user.join('\n') + '\n' };
}

/** dump's .reg text without its first comment line (it names the file). */
const body = (text: string): string => text.replace(/^; .*: (rom|persistent) hive, ROM signature [0-9a-f]{32}\n/m, '');

describeWithSources('compile on the real sources: outputs', () => {
  test.each(Object.keys(SETS) as SetName[])('%s: four files, clean verify, signature = MD5(reginit.ini), each hive = its part of reginit.ini built by build', (name) => {
    const { out, status, stderr } = compileSet(name);
    expect(stderr).not.toContain(': error:');
    expect(status === 0 || status === 1).toBe(true);
    expect(readdirSync(out).sort()).toEqual(['boot.hv', 'default.hv', 'reginit.ini', 'user.hv']);
    const reginit = new Uint8Array(readFileSync(join(out, 'reginit.ini')));
    // UTF-8 without BOM, CRLF line ends only.
    expect(reginit[0]).not.toBe(0xef);
    const text = new TextDecoder('utf-8', { fatal: true }).decode(reginit);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    const parts = referenceParts(text);
    for (const hive of HIVES) {
      const file = join(out, `${hive}.hv`);
      const verify = runCli(['verify', file]);
      expect([hive, verify.status]).toEqual([hive, 0]);
      expect(hexBytes(openHive(new Uint8Array(readFileSync(file))).header.romSignature)).toBe(md5(reginit));
      const reg = join(scratch.path, `${name}-${hive}.reg`);
      writeFileSync(reg, parts[hive]);
      const rebuilt = join(scratch.path, `${name}-${hive}.rebuilt.hv`);
      const build = runCli(['build', reg, '-o', rebuilt, '--rom-signature', md5(reginit)]);
      expect(build.stderr).toBe('');
      expect(body(runCli(['dump', file]).stdout)).toBe(body(runCli(['dump', rebuilt]).stdout));
      // Same tree, same writer, same signature: the same bytes.
      expect(sha256(readFileSync(file))).toBe(sha256(readFileSync(rebuilt)));
    }
  });

  test('verify --rom OUTDIR/default.hv accepts a build --rom persistent hive made against it', () => {
    const { out } = compileSet('ti-omap35xx', [], 'ti-rom');
    const changes = join(scratch.path, 'changes.reg');
    writeFileSync(changes, 'REGEDIT4\n\n[HKEY_LOCAL_MACHINE\\Comm\\TELNETD]\n"IsEnabled"=dword:0\n\n[HKEY_LOCAL_MACHINE\\Device]\n"Serial"="1234"\n');
    const system = join(scratch.path, 'system.hv');
    expect(runCli(['build', '--rom', join(out, 'default.hv'), changes, '-o', system]).status).toBe(0);
    const verify = runCli(['verify', '--rom', join(out, 'default.hv'), system]);
    expect(verify.stdout).toContain('0 error(s)');
    expect(verify.status).toBe(0);
  });

  test('deterministic: compiling twice gives the same bytes', () => {
    const first = compileSet('ce6-emulator', [], 'emulator-a').out;
    const second = compileSet('ce6-emulator', [], 'emulator-b').out;
    for (const file of ['boot.hv', 'default.hv', 'user.hv', 'reginit.ini']) expect(sha256(readFileSync(join(first, file)))).toBe(sha256(readFileSync(join(second, file))));
  });
});

describeWithSources('compile on the real sources: facts read from the sources', () => {
  test('ti-omap35xx (46 included files at their tree paths)', () => {
    const project = join(scratch.path, 'project.reg');
    // An OS design's project.reg turning the telnet server of platform.reg:179-181 off.
    writeFileSync(project, '[HKEY_LOCAL_MACHINE\\Comm\\TELNETD]\n    "IsEnabled"=dword:0\n');
    const { out, status, stdout, stderr } = compileSet('ti-omap35xx', [project], 'ti-facts');
    // compileSet puts the extra file after the set's files: project.reg is merged last.
    expect(stderr).toBe('');
    expect(status).toBe(0);
    // 1 platform.reg + 43 includes reached (SampleGrabber/NullSink under IF BSP_OMAP_CAMERA are not).
    expect(stdout).toMatch(/^read 45 files, /);
    const [boot, system, user] = HIVES.map((hive) => readHive(out, hive)) as [HiveTree, HiveTree, HiveTree];
    // platform.reg:222 IF BSP_NODM9000 ! is taken: platform.reg:245.
    expect(valueOf(system, 'HKLM\\Comm\\DM9CE1\\Parms', 'IoAddress')).toBe(0x15000000);
    // platform.reg:80 IF BSP_OMAP_CAMERA is skipped: SampleGrabber.reg:11 is not included.
    expect(hasKey(system, 'HKCR\\Filter\\{AD5DB5B4-D1AB-4f37-A60D-215154B4ECC1}')).toBe(false);
    // An included file's key: omapbus.reg:4-13, reached as $(PLAT_DRIVERS_DIR)\BUS\OmapBus.reg
    // (SRC/DRIVERS/BUS/omapbus.reg on disk); its multi_sz list continues after a comma.
    expect(valueOf(system, 'HKLM\\Drivers\\BuiltIn', 'Dll')).toBe('omapbus.dll');
    expect(valueOf(system, 'HKLM\\Drivers\\BuiltIn', 'IClass')).toEqual(['{B3CC6EBA-5507-4196-8E41-2BF42E4A47C9}=%b', '{6F40791D-300E-44E4-BC38-E0E63CA8375C}=%b']);
    // omapbus.reg:2-14 is a boot section: in boot.hv and in default.hv.
    expect(valueOf(boot, 'HKLM\\Drivers\\BuiltIn', 'Dll')).toBe('omapbus.dll');
    // platform.reg:179 is outside every boot section: not in boot.hv.
    expect(hasKey(boot, 'HKLM\\Comm\\TELNETD')).toBe(false);
    // camera_digital.reg:58 IF IMGCAMERAOEM (not set) is skipped.
    expect(valueOf(system, 'HKLM\\System\\Camera\\OEM\\Scenes\\Photo\\Auto', 'IconPath')).toBeUndefined();
    // Set, an included .reg keeps the // of its values (camera_digital.reg:67, included at platform.reg:42).
    // Its {BEGIN MULTILANG} blocks (camera_digital.reg:71-76) are merged once for LOCALE, with
    // %LANGID% replaced: LOC_%LANGID%_CAMERA_AUTO is LOC_0409_CAMERA_AUTO of an en-US .str.
    const cameraStrings = join(scratch.path, 'camera.str');
    writeFileSync(cameraStrings, 'LOC_0409_CAMERA_AUTO "Auto"\nLOC_0407_CAMERA_AUTO "Automatisch"\n');
    const camera = compileSet('ti-omap35xx', ['-D', 'IMGCAMERAOEM', '-D', 'LOCALE=0409', '--strings', cameraStrings], 'ti-camera');
    expect(camera.stderr).toBe('');
    const cameraTree = readHive(camera.out, 'default');
    expect(valueOf(cameraTree, 'HKLM\\System\\Camera\\OEM\\Scenes\\Photo\\Auto', 'IconPath')).toBe('res://mscamres.dll/PNG/#14051');
    expect(valueOf(cameraTree, 'HKLM\\System\\Camera\\OEM\\Scenes\\Photo\\Auto\\0409', 'DisplayName')).toBe('Auto');
    const german = compileSet('ti-omap35xx', ['-D', 'IMGCAMERAOEM', '-D', 'LOCALE=0407', '--strings', cameraStrings], 'ti-camera-de');
    expect(german.stderr).toBe('');
    expect(valueOf(readHive(german.out, 'default'), 'HKLM\\System\\Camera\\OEM\\Scenes\\Photo\\Auto\\0407', 'DisplayName')).toBe('Automatisch');
    // project.reg wins over platform.reg:180.
    expect(valueOf(system, 'HKLM\\Comm\\TELNETD', 'IsEnabled')).toBe(0);
    // platform.reg:167-168 deletes then redefines DriverName.
    expect(valueOf(system, 'HKLM\\HARDWARE\\DEVICEMAP\\KEYBD', 'DriverName')).toBe('KbdNopUs.dll');
    // platform.reg:203-205 (HKCU) is in user.hv only.
    expect(valueOf(user, 'HKCU\\ControlPanel\\Desktop', 'wallpaper')).toBe('\\Windows\\wallpaper.jpg');
    expect(hasKey(system, 'HKCU\\ControlPanel\\Desktop')).toBe(false);
    expect(hasKey(boot, 'HKCU\\ControlPanel\\Desktop')).toBe(false);

    // --explain names the line that won and the one it overrode.
    const explain = runCli(['compile', ...SETS['ti-omap35xx'](), project, '--explain', 'HKLM\\Comm\\TELNETD']);
    expect(explain.status).toBe(0);
    expect(explain.stdout).toContain(`"IsEnabled": "IsEnabled"=dword:0  (${project}:2)`);
    expect(explain.stdout).toContain(`overrides ${source('ti-omap35xx/FILES/platform.reg')}:180: "IsEnabled"=dword:1`);
    const explainJson = runCli(['compile', ...SETS['ti-omap35xx'](), project, '--explain', 'HKLM\\Comm\\TELNETD', '--json']);
    const explained = JSON.parse(explainJson.stdout) as { values: Array<{ name: string; events: Array<{ file: string; line: number }> }> };
    expectSchema(explained);
    expect(explained.values.find((value) => value.name === 'IsEnabled')!.events.map((event) => `${event.file}:${event.line}`)).toEqual([`${source('ti-omap35xx/FILES/platform.reg')}:180`, `${project}:2`]);
  });

  test('ti-omap35xx: a set build variable skips its branch (platform.reg:259 IF BSP_NOWIFI !)', () => {
    const { out, status } = compileSet('ti-omap35xx', ['-D', 'BSP_NOWIFI'], 'ti-nowifi');
    expect(status).toBe(0);
    const withWifi = readHive(join(scratch.path, 'ti-facts'), 'default');
    const noWifi = readHive(out, 'default');
    // tiwlnapi.reg:1 is included only inside that IF.
    const firstKey = /^\[([^\]]+)\]/m.exec(readFileSync(source('ti-omap35xx/FILES/tiwlnapi.reg'), 'latin1'))![1]!;
    expect(hasKey(withWifi, firstKey)).toBe(true);
    expect(hasKey(noWifi, firstKey)).toBe(false);
  });

  test("ce6-emulator: Microsoft's common.reg and the emulator's platform.reg", () => {
    const { out, status, stdout, stderr } = compileSet('ce6-emulator', [], 'emulator-facts');
    expect(status).toBe(1);
    // The one warning the sources earn: an include whose target is not in the published tree.
    expect(stderr).toContain(`hivetool: ${source('ce6-emulator/platform.reg')}:1134: warning: #include "/nonexistent\\common\\oak\\drivers\\nleddrvr\\nleddrvr.reg": no such file; line skipped [MISSING_INCLUDE]`);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    // An ENDIF label is a comment to fMerge: listed only with --pedantic.
    const pedantic = compileSet('ce6-emulator', ['--pedantic'], 'emulator-pedantic');
    expect(pedantic.stderr).toContain(`hivetool: ${source('ce6-emulator/common.reg')}:872: warning: @CESYSGEN ENDIF CE_MODULES_UDFS closes @CESYSGEN IF CE_MODULES_CDFS (line 855) [ENDIF_LABEL_MISMATCH]`);
    // common.reg:17 ; OUTPUTHIVE (inside @CESYSGEN IF FILESYS_FSREGHIVE) was reached.
    expect(stdout).not.toContain('OUTPUTHIVE');
    const [boot, system, user] = HIVES.map((hive) => readHive(out, hive)) as [HiveTree, HiveTree, HiveTree];
    // common.reg:21-33 boot section, LOC_LCID from the .str file: both hives.
    expect(valueOf(boot, 'HKLM\\nls', 'DefaultLCID')).toBe(0x409);
    expect(valueOf(system, 'HKLM\\nls', 'DefaultLCID')).toBe(0x409);
    // common.reg:62-72 IF IMGCELOGENABLE is skipped: no Launch05 from it.
    expect(valueOf(system, 'HKLM\\init', 'Launch05')).toBeUndefined();
    // platform.reg:1104 overrides common.reg:640 in default.hv; boot.hv holds only the
    // boot-section definition (common.reg:590-641).
    expect(valueOf(system, 'HKLM\\System\\StorageManager', 'PNPUnloadDelay')).toBe(0);
    expect(valueOf(boot, 'HKLM\\System\\StorageManager', 'PNPUnloadDelay')).toBe(0x1000);
    // common.reg:3797 (HKCU, a multi_sz of LOC_ tokens continued by commas): user.hv only.
    expect(valueOf(user, 'HKCU\\ControlPanel\\Dial\\Locations', '0')).toEqual(['Work', 'G', '1FG', '011,EFG', '425', '0', '1', '0']);
    expect(hasKey(system, 'HKCU\\ControlPanel\\Dial')).toBe(false);
    // A key outside the boot sections is not in boot.hv.
    expect(hasKey(boot, 'HKCU\\ControlPanel\\Dial')).toBe(false);
    expect(hasKey(system, 'HKLM\\System\\StorageManager\\Profiles')).toBe(true);
  });

  test('tenbyten6410: Samsung board platform.reg (CRLF, no final newline)', () => {
    const { out, status, stderr } = compileSet('tenbyten6410', [], 'tenbyten-facts');
    expect(status).toBe(1);
    const codes = stderr.trim().split('\n').map((line) => /:(\d+): (\w+): .*\[([A-Z_]+)\]$/.exec(line)?.slice(1).join(' '));
    // Unquoted value names (:77-78), a key path ending in \ (:598, read as Platform Builder
    // reads it: a note), rasbook.reg absent from the published tree, a ruler line of text.
    expect(codes).toEqual(['77 warning LENIENT_SYNTAX', '78 warning LENIENT_SYNTAX', '598 note LENIENT_SYNTAX', '1023 warning MISSING_INCLUDE', '1205 warning UNRECOGNISED_LINE']);
    const [boot, system] = HIVES.map((hive) => readHive(out, hive)) as [HiveTree, HiveTree, HiveTree];
    // platform.reg:624 IF BSP_USBFNCLASS == SERIAL taken, :641 == MASS_STORAGE skipped.
    expect(valueOf(system, 'HKLM\\Drivers\\USB\\FunctionDrivers', 'DefaultClientDriver')).toBe('Serial_Class');
    expect(valueOf(system, 'HKLM\\Drivers\\USB\\FunctionDrivers\\Serial_Class', 'FriendlyName')).toBe('USB Serial');
    expect(hasKey(system, 'HKLM\\Drivers\\USB\\FunctionDrivers\\Mass_Storage_Class')).toBe(false);
    // platform.reg:77 (Default=dword:0 without quotes) is read.
    expect(valueOf(system, 'HKLM\\SYSTEM\\CurrentControlSet\\Control\\Power\\State\\Off', 'Default')).toBe(0);
    // platform.reg:142-169 boot section: in both; the USB function keys (outside) not in boot.hv.
    expect(valueOf(boot, 'HKLM\\Drivers\\Resources\\IRQ', 'Ranges')).toBe('1-0x20');
    expect(valueOf(system, 'HKLM\\Drivers\\Resources\\IRQ', 'Ranges')).toBe('1-0x20');
    expect(hasKey(boot, 'HKLM\\Drivers\\USB\\FunctionDrivers')).toBe(false);
  });
});

describe('compile: command behaviour', () => {
  const write = (name: string, text: string): string => {
    const path = join(scratch.path, name);
    writeFileSync(path, text);
    return path;
  };

  test('a file reached through #include is an input too: no output replaces it', () => {
    const dir = join(scratch.path, 'included-inputs');
    mkdirSync(dir, { recursive: true });
    const common = join(dir, 'common.reg');
    writeFileSync(common, '#if BSP_X\n[HKEY_LOCAL_MACHINE\\X]\n"x"=dword:1\n#endif\n[HKEY_LOCAL_MACHINE\\A]\n"a"=dword:1\n');
    const project = join(dir, 'project.reg');
    writeFileSync(project, '#include "common.reg"\n');
    const before = readFileSync(common);
    const merged = runCli(['compile', project, '--merge-only', '-o', common]);
    expect(merged.status).toBe(2);
    expect(merged.stderr).toMatch(/common\.reg: this output is the input/);
    expect(readFileSync(common)).toEqual(before);
    // The same for a reginit.ini that a source includes, with the four files written to its folder.
    const reginit = join(dir, 'reginit.ini');
    writeFileSync(reginit, '[HKEY_LOCAL_MACHINE\\B]\n');
    const p2 = join(dir, 'p2.reg');
    writeFileSync(p2, '#include "reginit.ini"\n');
    const compiled = runCli(['compile', p2, '-o', dir]);
    expect(compiled.status).toBe(2);
    expect(readFileSync(reginit, 'utf8')).toBe('[HKEY_LOCAL_MACHINE\\B]\n');
    expect(existsSync(join(dir, 'boot.hv'))).toBe(false);
  });

  test('standard input is named <stdin> in diagnostics, in --explain and in the closing error line', () => {
    const bad = runCli(['compile', '-', '-o', join(scratch.path, 'stdin-bad')], { input: 'IF (\n[HKEY_LOCAL_MACHINE\\X]\nENDIF\n' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('hivetool: <stdin>:1: error: cannot read the IF term "(" in "(" [BAD_CONDITION]');
    expect(bad.stderr).toContain('hivetool: <stdin>: 1 error; nothing written');
    const explained = runCli(['compile', '-', '--explain', 'HKLM\\X'], { input: '[HKEY_LOCAL_MACHINE\\X]\n"a"=dword:1\n' });
    expect(explained.status).toBe(0);
    expect(explained.stdout).toContain('"a": "a"=dword:1  (<stdin>:2)');
  });

  test('a long condition is quoted by its start and its length, not whole', () => {
    // IF takes no parentheses (registry sources guide §2): the term "(A" cannot be read.
    const condition = ['(A || B)', ...Array.from({ length: 60 }, (_, index) => `VARIABLE_${index}`)].join(' && ');
    const file = write('long-condition.reg', `IF ${condition}\n[HKEY_LOCAL_MACHINE\\X]\nENDIF\n`);
    const result = runCli(['compile', file, '-o', join(scratch.path, 'long-condition')]);
    expect(result.status).toBe(2);
    const line = result.stderr.split('\n').find((text) => text.includes('[BAD_CONDITION]'))!;
    expect(line).toContain(`cannot read the IF term "(A" in "${condition.slice(0, 199)}…" (${condition.length} characters) [BAD_CONDITION]`);
    expect(line.length).toBeLessThan(400);
    // A long word where an operator belongs: quoted by its start and length too.
    const word = 'B'.repeat(3000);
    const token = runCli(['compile', write('long-token.reg', `#if A ${word}\n[HKEY_LOCAL_MACHINE\\X]\n#endif\n`), '-o', join(scratch.path, 'long-token')]);
    expect(token.status).toBe(2);
    const tokenLine = token.stderr.split('\n').find((text) => text.includes('[BAD_CONDITION]'))!;
    expect(tokenLine).toContain(`unexpected "${word.slice(0, 199)}…" (3000 characters) in "A ${word.slice(0, 197)}…" (3002 characters)`);
    expect(tokenLine.length).toBeLessThan(600);
    // And an out-of-place directory where a hive file belongs in OUTDIR: named, no hint.
    const outdir = join(scratch.path, 'outdir-with-folder');
    mkdirSync(join(outdir, 'boot.hv'), { recursive: true });
    const folder = runCli(['compile', write('small.reg', '[HKEY_LOCAL_MACHINE\\A]\n'), '-o', outdir]);
    expect(folder.status).toBe(2);
    expect(folder.stderr).toBe(`hivetool: ${join(outdir, 'boot.hv')}: cannot write: a folder stands at this name in the output folder; move it away or choose another output folder\n`);
  });

  test('an error writes nothing and keeps what OUTDIR held; exit 2 and every diagnostic names file:line', () => {
    const good = write('good.reg', '[HKEY_LOCAL_MACHINE\\A]\n"x"=dword:1\n');
    const out = join(scratch.path, 'kept');
    expect(runCli(['compile', good, '-o', out]).status).toBe(0);
    const before = HIVES.map((hive) => sha256(readFileSync(join(out, `${hive}.hv`))));
    const bad = write('bad.reg', '[HKEY_LOCAL_MACHINE\\A]\n"x"=dword:2\nIF A\n"y"=dword:zz\n');
    const result = runCli(['compile', bad, '-o', out]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`hivetool: ${bad}:3: error: IF A has no matching end before the end of the file [UNBALANCED_CONDITIONAL]`);
    expect(result.stderr).toContain('nothing written');
    const failedJson = JSON.parse(runCli(['compile', bad, '-o', out, '--json']).stdout) as { ok: boolean; written: unknown[]; diagnostics: unknown[] };
    expectSchema(failedJson);
    expect([failedJson.ok, failedJson.written, failedJson.diagnostics.length]).toEqual([false, [], 1]);
    expect(HIVES.map((hive) => sha256(readFileSync(join(out, `${hive}.hv`))))).toEqual(before);
    expect(readdirSync(out).sort()).toEqual(['boot.hv', 'default.hv', 'reginit.ini', 'user.hv']);
    const fresh = join(scratch.path, 'never');
    expect(runCli(['compile', bad, '-o', fresh]).status).toBe(2);
    expect(existsSync(fresh)).toBe(false);
  });

  test('--merge-only writes reginit.ini alone; --json summarises; --signature overrides', () => {
    const input = write('json.reg', '; HIVE BOOT SECTION\n[HKEY_LOCAL_MACHINE\\init\\BootVars]\n"Flags"=dword:1\n; END HIVE BOOT SECTION\n[HKEY_CURRENT_USER\\U]\n"u"=dword:1\n');
    const merged = join(scratch.path, 'merged.ini');
    const mergeOnly = runCli(['compile', input, '--merge-only', '-o', merged]);
    expect(mergeOnly.status).toBe(0);
    expect(readFileSync(merged, 'latin1')).toBe('; HIVE BOOT SECTION\r\n[HKEY_LOCAL_MACHINE\\init\\BootVars]\r\n"Flags"=dword:1\r\n; END HIVE BOOT SECTION\r\n[HKEY_CURRENT_USER\\U]\r\n"u"=dword:1\r\n');
    const out = join(scratch.path, 'json-out');
    const result = runCli(['compile', input, '-o', out, '--json']);
    expect(result.status).toBe(0);
    expectSchema(JSON.parse(result.stdout));
    const summary = JSON.parse(result.stdout) as { files: number; hives: Record<string, { keys: number; values: number }>; signature: string; signatureSource: string; written: unknown[] };
    expect(summary.files).toBe(1);
    expect(summary.hives).toEqual({ boot: { keys: 2, values: 1 }, default: { keys: 2, values: 1 }, user: { keys: 1, values: 1 } });
    expect(summary.signature).toBe(md5(readFileSync(merged)));
    expect(summary.signatureSource).toBe('md5-of-reginit');
    expect(summary.written).toHaveLength(4);
    const given = '00112233445566778899aabbccddeeff';
    const signed = join(scratch.path, 'signed');
    expect(runCli(['compile', input, '-o', signed, '--signature', given]).status).toBe(0);
    for (const hive of HIVES) expect(hexBytes(openHive(new Uint8Array(readFileSync(join(signed, `${hive}.hv`)))).header.romSignature)).toBe(given);
  });

  test('include lookup ignores letter case and reads \\ as a separator; -D NAME[=VALUE]', () => {
    mkdirSync(join(scratch.path, 'tree/Src/Drivers'), { recursive: true });
    write('tree/Src/Drivers/Serial.REG', '[HKEY_LOCAL_MACHINE\\Drivers\\Serial]\n"Dll"="$(SERIAL_DLL)"\n');
    const platform = write('tree/platform.reg', 'IF BSP_NOSERIAL !\n#include "$(_TARGETPLATROOT)\\SRC\\DRIVERS\\serial.reg"\nENDIF\n');
    const out = join(scratch.path, 'include-out');
    const result = runCli(['compile', platform, '-o', out, '-D', `_TARGETPLATROOT=${join(scratch.path, 'tree')}`, '-D', 'SERIAL_DLL=com16550.dll']);
    expect(result.stderr).toBe('');
    expect(valueOf(readHive(out, 'default'), 'HKLM\\Drivers\\Serial', 'Dll')).toBe('com16550.dll');
    // A relative root given with -D is found from the working directory.
    const relative = runCli(['compile', platform, '-o', join(scratch.path, 'include-relative'), '-D', '_TARGETPLATROOT=tree', '-D', 'SERIAL_DLL=x.dll'], { cwd: scratch.path });
    expect([relative.status, relative.stderr]).toEqual([0, '']);
    const skipped = runCli(['compile', platform, '-o', join(scratch.path, 'include-skip'), '-D', 'BSP_NOSERIAL']);
    expect(skipped.status).toBe(0);
  });

  test('--encoding shift_jis reads a localised source; a UTF-16LE file with BOM is read whatever --encoding says', () => {
    const sjis = join(scratch.path, 'jpn.reg');
    // 日本語 in Shift-JIS: 93 FA 96 7B 8C EA.
    writeFileSync(sjis, Buffer.concat([Buffer.from('[HKEY_LOCAL_MACHINE\\nls]\r\n"Name"="'), Buffer.from([0x93, 0xfa, 0x96, 0x7b, 0x8c, 0xea]), Buffer.from('"\r\n')]));
    const utf16 = join(scratch.path, 'export.reg');
    writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\U]\r\n"Größe"=dword:00000002\r\n', 'utf16le')]));
    const out = join(scratch.path, 'encodings');
    const result = runCli(['compile', sjis, utf16, '-o', out, '--encoding', 'shift_jis']);
    expect([result.status, result.stderr]).toEqual([0, '']);
    expect(valueOf(readHive(out, 'default'), 'HKLM\\nls', 'Name')).toBe('日本語');
    expect(valueOf(readHive(out, 'user'), 'HKCU\\U', 'Größe')).toBe(2);
    // reginit.ini is UTF-8 whatever the sources were.
    expect(readFileSync(join(out, 'reginit.ini'), 'utf8')).toContain('"Name"="日本語"\r\n');
  });

  test('usage errors: unknown encoding, --sysgen with --no-sysgen-filter, no -o, a missing input', () => {
    const input = write('usage.reg', '[HKEY_LOCAL_MACHINE\\A]\n');
    expect(runCli(['compile', input, '-o', join(scratch.path, 'u1'), '--encoding', 'klingon']).stderr).toContain('--encoding klingon');
    expect(runCli(['compile', input, '-o', join(scratch.path, 'u2'), '--sysgen', 'A', '--no-sysgen-filter']).status).toBe(2);
    expect(runCli(['compile', input]).stderr).toContain('-o OUTDIR');
    const missing = runCli(['compile', join(scratch.path, 'nope.reg'), '-o', join(scratch.path, 'u3')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('nope.reg');
  });
});
