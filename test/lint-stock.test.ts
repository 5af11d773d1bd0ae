/**
 * `lint` (and `boot`'s step 8) on Microsoft's stock registry sources compiled as hive-registry
 * OS designs (registry sources guide §4): every finding of each set is listed, with the
 * reason it is true and the file that must supply what is missing (docs/boot.md, "Microsoft's
 * stock configurations"), so a check that is silenced, downgraded or newly fires fails here.
 */
import { describe, expect, test } from '@jest/globals';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { PLATFORM_REG_DIR, REPO_ROOT, runCli, stockFiles, stockReleaseFolder, type StockSet } from '@hivetool/test-support';
import { scratchDirectory } from '@hivetool/test-support/scratch';

const scratch = scratchDirectory('hivetool-lint-stock-');
const source = (path: string): string => join(PLATFORM_REG_DIR, path);
const available = ['ce5-microsoft/common.reg', 'ce6-emulator/common.reg', 'ce6-emulator/platform.reg', 'ce7-microsoft/common.reg', 'ce7-microsoft/timezones.reg'].every((file) => existsSync(source(file)));
const describeStock = available
  ? describe
  : (name: string, fn: () => void): void => {
      process.stderr.write(`\n[hivetool tests] Microsoft's registry sources not found under ${PLATFORM_REG_DIR}: "${name}" is SKIPPED\n`);
      describe.skip(`${name} (SKIPPED: registry sources not found)`, fn);
    };
const ajv = new Ajv({ allErrors: true, strict: false });
const validateLint = ajv.compile(JSON.parse(readFileSync(join(REPO_ROOT, 'docs/schemas/lint.schema.json'), 'utf8')) as object);

type SetName = StockSet;



/**
 * The ROM set of an OS design: `defines` are its build variables (the hive-registry ones
 * given by each test). The emulator's keyboard, PC Card and serial files are not published:
 * their IFs are turned off, as the compile tests do.
 */
function romSet(set: SetName, name: string, defines: string[]): string {
  const strings = join(scratch.path, 'en.str');
  writeFileSync(strings, 'LOC_LCID 409\nLOC_ACP 4e4\nLOC_STORE_DEFAULT_FOLDER "Mounted Volume"\nLOC_STORE_HD_FOLDER "Hard Disk"\n');
  const out = join(scratch.path, name);
  const variables = [
    ...defines,
    'LOCALE=0409',
    'DEFAULT_LOCALE=en-US',
    '_TARGETPLATROOT=/nonexistent/platform',
    '_PUBLICROOT=/nonexistent/public',
    `_FLATRELEASEDIR=${stockReleaseFolder(scratch.path)}`,
    ...(set === 'ce6-emulator' ? ['BSP_NOKEYBD', 'BSP_NOPCCARD', 'BSP_NOSERIAL'] : []),
  ];
  const result = runCli(['compile', ...stockFiles(set), ...variables.flatMap((variable) => ['-D', variable]), '--strings', strings, '--missing-include', 'warn', '-o', out]);
  // Warnings (missing includes of unpublished files, LOC_ tokens without strings) are the compile tests' business.
  expect(result.stderr).not.toMatch(/: error: /);
  expect(existsSync(join(out, 'boot.hv'))).toBe(true);
  return out;
}

interface LintJson {
  findings: Array<{ severity: string; code: string; key: string; message: string; fix: string }>;
  summary: { errors: number; warnings: number; notes: number };
}

function lint(romDir: string): { status: number | null; json: LintJson } {
  const run = runCli(['lint', '--json', romDir]);
  const json = JSON.parse(run.stdout) as LintJson;
  expect([validateLint(json), validateLint.errors]).toEqual([true, null]);
  return { status: run.status, json };
}

const listed = (json: LintJson): string[] => json.findings.map((finding) => `${finding.severity} ${finding.code} ${finding.key}`);
const HKLM_SM = 'HKEY_LOCAL_MACHINE\\System\\StorageManager';
const FSREGHIVE = 'PRJ_ENABLE_FSREGHIVE';

describeStock("lint on Microsoft's stock configurations (hive-registry designs)", () => {
  // What common.reg configures is never an error: MountAsBootable on Profiles\MSFlash or
  // Profiles\HDProfile, BootVars Flags 1 (MSFLASH) or 3 (ATAPI), SystemHive
  // "Documents and Settings\system.hv" (CE 5) or "Windows\Registry\system.hv" (CE 7) without
  // the mount folder, the file system through MSPART's PartitionTable. What is left is what
  // the published files do not hold.
  test('CE 5, PRJ_BOOTDEVICE_MSFLASH: only the flash block driver, which a BSP platform.reg supplies', () => {
    const { status, json } = lint(romSet('ce5-microsoft', 'ce5-msflash', [FSREGHIVE, 'PRJ_BOOTDEVICE_MSFLASH']));
    expect(listed(json)).toEqual([`error BOOT_BLOCK_DRIVER_MISSING ${HKLM_SM}\\Profiles\\MSFlash`]);
    // Flags = 1 (common.reg): device.exe does not start, so the BSP must load it through AutoLoad.
    expect(json.findings[0]!.fix).toContain("the BSP's platform.reg must add the block driver");
    expect(json.findings[0]!.fix).toContain('AutoLoad\\<name>] "DriverPath"');
    expect(status).toBe(1);
  });

  test('CE 5, PRJ_BOOTDEVICE_ATAPI: only the disk driver, which a BSP platform.reg supplies', () => {
    const { json } = lint(romSet('ce5-microsoft', 'ce5-atapi', [FSREGHIVE, 'PRJ_BOOTDEVICE_ATAPI']));
    expect(listed(json)).toEqual([`error BOOT_BLOCK_DRIVER_MISSING ${HKLM_SM}\\Profiles\\HDProfile`]);
    // Flags = 3: device.exe starts in the boot phase, the driver goes under Drivers\BuiltIn.
    expect(json.findings[0]!.fix).toContain('under [HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn]');
  });

  test('CE 6 with the Device Emulator BSP, PRJ_BOOTDEVICE_MSFLASH: the NOR driver needs device.exe, which Flags 1 does not start', () => {
    const { json } = lint(romSet('ce6-emulator', 'ce6-msflash', [FSREGHIVE, 'PRJ_BOOTDEVICE_MSFLASH']));
    expect(listed(json)).toEqual([
      // platform.reg:40-50 puts AmdNorFMD ("Profile"="MSFlash") under Drivers\BuiltIn; common.reg sets Flags = 1.
      'error DEVICE_MANAGER_NOT_STARTED HKEY_LOCAL_MACHINE\\init\\BootVars\\Flags',
      // Its Flags 0x10000 lacks 0x1000.
      'warning DRIVER_LOADED_TWICE HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\AmdNorFMD',
      // platform.reg sets PNPUnloadDelay = 0 outside a boot section, common.reg's boot section 0x1000:
      // the full registry's value, meant to change at the switch, so a note.
      `info BOOT_VALUE_DIFFERS ${HKLM_SM}\\PNPUnloadDelay`,
    ]);
    expect(json.findings[0]!.message).toContain('amdnord.dll (HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\AmdNorFMD) is loaded by device.exe');
  });

  test('CE 6 with the Device Emulator BSP, PRJ_BOOTDEVICE_ATAPI: the emulator publishes no HDProfile disk driver', () => {
    const { json } = lint(romSet('ce6-emulator', 'ce6-atapi', [FSREGHIVE, 'PRJ_BOOTDEVICE_ATAPI']));
    expect(listed(json)).toEqual([
      `error BOOT_BLOCK_DRIVER_MISSING ${HKLM_SM}\\Profiles\\HDProfile`,
      'warning DRIVER_LOADED_TWICE HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\AmdNorFMD',
      `info BOOT_VALUE_DIFFERS ${HKLM_SM}\\PNPUnloadDelay`,
    ]);
  });

  test.each(['MSFLASH', 'ATAPI'])('CE 7, PRJ_BOOTDEVICE_%s: the FAT file system and the block driver, which common.reg does not hold', (device) => {
    const { json } = lint(romSet('ce7-microsoft', `ce7-${device}`, [FSREGHIVE, `PRJ_BOOTDEVICE_${device}`]));
    const profile = device === 'MSFLASH' ? 'MSFlash' : 'HDProfile';
    expect(listed(json)).toEqual([
      // PartitionTable "0B"="MSIFS", MSIFS "DefaultFileSystem"="FATFS": no [StorageManager\FATFS] "Dll" in the CE 7 files.
      `error BOOT_FILE_SYSTEM_MISSING ${HKLM_SM}\\FATFS`,
      // The key is spelled as stored: HKLM\SYSTEM is first written so (common.reg:29), before common.reg:5093 writes System.
      `error BOOT_BLOCK_DRIVER_MISSING HKEY_LOCAL_MACHINE\\SYSTEM\\StorageManager\\Profiles\\${profile}`,
    ]);
    // No NO_BOOT_PROFILE, no DEVICE_MANAGER_NOT_STARTED, no SYSTEM_HIVE_NOT_ON_BOOT_VOLUME.
    expect(json.findings[0]!.fix).toContain("CE 7's common.reg does not: the .reg file of the FAT file system component must");
  });

  test('CE 7 without PRJ_ENABLE_FSREGHIVE: the object store is the boot volume (AutoLoad\\ObjectStore), a note; boot says the same', () => {
    const romDir = romSet('ce7-microsoft', 'ce7-objectstore', []);
    const { status, json } = lint(romDir);
    expect(listed(json)).toEqual([`info OBJECT_STORE_BOOT_VOLUME HKEY_LOCAL_MACHINE\\SYSTEM\\StorageManager\\AutoLoad\\ObjectStore\\MountAsBootable`]);
    expect(status).toBe(0);
    const storage = join(scratch.path, 'empty-storage');
    mkdirSync(storage, { recursive: true });
    const boot = runCli(['boot', '--json', romDir, storage]);
    const report = JSON.parse(boot.stdout) as { steps: Array<{ step: number; result: string }>; hives: Array<{ storage: string }> };
    expect(report.steps.find((step) => step.step === 8)!.result).toContain('the boot volume is the object store');
    expect(report.hives.map((hive) => hive.storage)).toEqual(['object-store', 'object-store']);
  });
});
