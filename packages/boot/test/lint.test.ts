import { describe, expect, test } from '@jest/globals';
import { encodeHive, openHive, type Hive } from '@hivetool/hive';
import { RegTreeBuilder } from '@hivetool/registry';
import { LINT_CHECKS, RegistryReader, emptyPersistentHive, lintBoot, readBootConfiguration, replayBoot, storedHives, type StorageFolder } from '@hivetool/boot';

/** A boot configuration filesys can use as it is: every check passes on it. */
const BASE = String.raw`
[HKEY_LOCAL_MACHINE\init\BootVars]
"SystemHive"="\\Documents and Settings\\system.hv"
"ProfileDir"="\\Documents and Settings"
"Flags"=dword:00000003

[HKEY_LOCAL_MACHINE\System\StorageManager]
"Dll"="fsdmgr.dll"

[HKEY_LOCAL_MACHINE\System\StorageManager\FATFS]
"Dll"="fatfsd.dll"

[HKEY_LOCAL_MACHINE\System\StorageManager\Profiles\FlashDisk]
"Folder"="Flash Disk"
"DefaultFileSystem"="FATFS"

[HKEY_LOCAL_MACHINE\System\StorageManager\Profiles\FlashDisk\FATFS]
"MountAsBootable"=dword:00000001
"MountAsRoot"=dword:00000001

[HKEY_LOCAL_MACHINE\Drivers]
"RootKey"="Drivers\\BuiltIn"

[HKEY_LOCAL_MACHINE\Drivers\BuiltIn]
"Dll"="BusEnum.dll"

[HKEY_LOCAL_MACHINE\Drivers\BuiltIn\FlashDisk]
"Dll"="flashdisk.dll"
"Prefix"="DSK"
"Profile"="FlashDisk"
"Flags"=dword:00001000
`;

const SIGNATURE = Uint8Array.from({ length: 16 }, (_, i) => 0x10 + i);
const OTHER_SIGNATURE = Uint8Array.from({ length: 16 }, (_, i) => 0x80 + i);

interface Fixture {
  /** .reg text applied to the boot section after BASE. */
  boot?: string;
  /** .reg text applied to default.hv after the boot section (default.hv holds it too). */
  system?: string;
  bootSignature?: Uint8Array;
  userSignature?: Uint8Array;
}

function hive(texts: string[], signature: Uint8Array): Hive {
  const builder = new RegTreeBuilder();
  for (const text of texts) builder.apply(text, 'fixture.reg');
  return openHive(encodeHive(builder.tree(), { layout: 'rom', romSignature: signature }));
}

/** A ROM set built from .reg text the way an image build does: default.hv holds the boot section. */
function romSet(fixture: Fixture): { boot: Hive; system: Hive; user: Hive } {
  const bootTexts = [BASE, fixture.boot ?? ''];
  return {
    boot: hive(bootTexts, fixture.bootSignature ?? SIGNATURE),
    system: hive([...bootTexts, '[HKEY_LOCAL_MACHINE\\Software\\Vendor]\n"Setting"=dword:00000001\n', fixture.system ?? ''], SIGNATURE),
    user: hive(['[HKEY_CURRENT_USER\\ControlPanel]\n"Theme"="Classic"\n'], fixture.userSignature ?? SIGNATURE),
  };
}

const codes = (fixture: Fixture): string[] => lintBoot(romSet(fixture)).map((finding) => finding.code);

const BOOT_VARS = '[HKEY_LOCAL_MACHINE\\init\\BootVars]\n';
const FATFS_PROFILE = '[HKEY_LOCAL_MACHINE\\System\\StorageManager\\Profiles\\FlashDisk\\FATFS]\n';
const DRIVER = '[HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\FlashDisk]\n';
/** CE 7 common.reg's AutoLoad\ObjectStore (the RAM file system), without its MountAsBootable. */
const OBJECT_STORE = '[HKEY_LOCAL_MACHINE\\System\\StorageManager\\AutoLoad\\ObjectStore]\n"Dll"="filesys.dll"\n"LoadFlags"=dword:00000001\n"BootPhase"=dword:00000000\n"MountPermanent"=dword:00000001\n"MountAsRoot"=dword:00000001\n';

/** For every check: a configuration that fails it and the nearest one that passes. */
const CASES: Array<{ code: string; fail: Fixture; pass: Fixture }> = [
  { code: 'NO_SYSTEM_HIVE', fail: { boot: BOOT_VARS + '"SystemHive"=-\n' }, pass: { boot: BOOT_VARS + '"SystemHive"="\\\\Windows Profiles\\\\system.hv"\n' } },
  { code: 'NO_STORAGE_MANAGER', fail: { boot: '[HKEY_LOCAL_MACHINE\\System\\StorageManager]\n"Dll"=-\n' }, pass: { boot: '[HKEY_LOCAL_MACHINE\\System\\StorageManager]\n"Dll"="storemgr.dll"\n' } },
  {
    code: 'NO_BOOT_PROFILE',
    fail: { boot: FATFS_PROFILE + '"MountAsBootable"=dword:00000000\n' },
    pass: { boot: FATFS_PROFILE + '"MountAsBootable"=-\n"MountAsRoot"=-\n[HKEY_LOCAL_MACHINE\\System\\StorageManager\\Profiles\\FlashDisk]\n"MountAsBootable"=dword:00000001\n"MountAsRoot"=dword:00000001\n' },
  },
  {
    code: 'BOOT_FILE_SYSTEM_MISSING',
    fail: { boot: '[-HKEY_LOCAL_MACHINE\\System\\StorageManager\\FATFS]\n' },
    pass: { boot: '[-HKEY_LOCAL_MACHINE\\System\\StorageManager\\FATFS]\n[HKEY_LOCAL_MACHINE\\System\\StorageManager\\Profiles\\FlashDisk]\n"FileSystem"="fatfsd.dll"\n' },
  },
  { code: 'BOOT_BLOCK_DRIVER_MISSING', fail: { boot: DRIVER + '"Profile"="RamDisk"\n' }, pass: { boot: DRIVER + '"Profile"="flashdisk"\n' } },
  { code: 'DRIVER_LOADED_TWICE', fail: { boot: DRIVER + '"Flags"=dword:00000008\n' }, pass: { boot: DRIVER + '"Flags"=dword:00001008\n' } },
  { code: 'REGISTRY_FLAGS_EXCLUSIVE', fail: { boot: BOOT_VARS + '"RegistryFlags"=dword:00000003\n' }, pass: { boot: BOOT_VARS + '"RegistryFlags"=dword:00000001\n' } },
  { code: 'DEVICE_MANAGER_NOT_STARTED', fail: { boot: BOOT_VARS + '"Flags"=dword:00000001\n"Start DevMgr"=dword:00000000\n' }, pass: { boot: BOOT_VARS + '"Flags"=dword:00000001\n"Start DevMgr"=dword:00000001\n' } },
  {
    code: 'SYSTEM_HIVE_NOT_ON_BOOT_VOLUME',
    fail: { boot: BOOT_VARS + '"SystemHive"="..\\\\system.hv"\n' },
    // The volume mounted at \Flash Disk, SystemHive without the folder: Microsoft's own form.
    pass: { boot: FATFS_PROFILE + '"MountAsRoot"=-\n' },
  },
  {
    code: 'SYSTEM_HIVE_NAMES_MOUNT_FOLDER',
    fail: { boot: FATFS_PROFILE + '"MountAsRoot"=-\n' + BOOT_VARS + '"SystemHive"="\\\\Flash Disk\\\\system.hv"\n' },
    pass: { boot: FATFS_PROFILE + '"MountAsRoot"=-\n' + BOOT_VARS + '"SystemHive"="Documents and Settings\\\\system.hv"\n' },
  },
  {
    code: 'OBJECT_STORE_BOOT_VOLUME',
    fail: { boot: FATFS_PROFILE + '"MountAsBootable"=-\n' + OBJECT_STORE + '"MountAsBootable"=dword:00000001\n' },
    pass: { boot: OBJECT_STORE },
  },
  { code: 'NO_PROFILE_DIR', fail: { boot: BOOT_VARS + '"ProfileDir"=-\n' }, pass: { boot: BOOT_VARS + '"ProfileDir"="\\\\Profiles"\n' } },
  { code: 'PROFILE_DIR_NAMES_A_FILE', fail: { boot: BOOT_VARS + '"ProfileDir"="\\\\Documents and Settings\\\\user.hv"\n' }, pass: { boot: BOOT_VARS + '"ProfileDir"="\\\\Documents and Settings\\\\users"\n' } },
  { code: 'USER_HIVE_OUTSIDE_PROFILE_DIR', fail: { boot: BOOT_VARS + '"DefaultUser"="..\\\\..\\\\Windows"\n' }, pass: { boot: BOOT_VARS + '"DefaultUser"="operator"\n' } },
  { code: 'BOOT_SIGNATURE_MISMATCH', fail: { bootSignature: OTHER_SIGNATURE }, pass: { bootSignature: SIGNATURE } },
  { code: 'USER_SIGNATURE_MISMATCH', fail: { userSignature: OTHER_SIGNATURE }, pass: { userSignature: SIGNATURE } },
  { code: 'BOOT_KEY_NOT_IN_DEFAULT', fail: { system: '[-HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\FlashDisk]\n' }, pass: { system: DRIVER + '"Order"=dword:00000001\n' } },
  { code: 'BOOT_VALUE_DIFFERS', fail: { system: DRIVER + '"Flags"=dword:00000000\n' }, pass: { system: DRIVER + '"FriendlyName"="Flash disk"\n' } },
  { code: 'BOOT_VALUE_NOT_IN_DEFAULT', fail: { system: DRIVER + '"Flags"=-\n' }, pass: { system: DRIVER + '"Flags"=dword:00001000\n' } },
  {
    code: 'MULTIPLE_BOOT_PROFILES',
    fail: { boot: '[HKEY_LOCAL_MACHINE\\System\\StorageManager\\Profiles\\SDMemory\\FATFS]\n"MountAsBootable"=dword:00000001\n' },
    pass: { boot: '[HKEY_LOCAL_MACHINE\\System\\StorageManager\\Profiles\\SDMemory\\FATFS]\n"EnableCache"=dword:00000001\n' },
  },
  { code: 'LEGACY_BOOT_FLAG', fail: { boot: FATFS_PROFILE + '"MountAsBootable"=-\n"MountFlags"=dword:00000002\n' }, pass: { boot: FATFS_PROFILE + '"MountFlags"=dword:00000000\n' } },
];

describe('boot configuration lint', () => {
  test('the base configuration passes every check', () => {
    expect(lintBoot(romSet({}))).toEqual([]);
  });

  test('every check has a failing and a passing fixture', () => {
    expect(CASES.map((entry) => entry.code).sort()).toEqual(Object.keys(LINT_CHECKS).sort());
    expect(CASES.length).toBeGreaterThanOrEqual(10);
  });

  test.each(CASES)('$code: the failing fixture is found, the passing one is clean', ({ code, fail, pass }) => {
    const failing = lintBoot(romSet(fail)).filter((finding) => finding.code === code);
    expect(failing.length).toBeGreaterThan(0);
    for (const finding of failing) {
      expect(finding.severity).toBe(LINT_CHECKS[code]);
      expect(finding.key).not.toBe('');
      expect(finding.fix.length).toBeGreaterThan(10);
      expect(finding.fix).not.toContain('\n');
    }
    expect(codes(pass)).toEqual([]);
  });

  test('a driver loaded twice is named by its key, with the Flags value that fixes it', () => {
    const [finding] = lintBoot(romSet({ boot: DRIVER + '"Flags"=dword:00000008\n' }));
    expect(finding).toMatchObject({ code: 'DRIVER_LOADED_TWICE', key: 'HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\FlashDisk' });
    expect(finding!.fix).toContain('"Flags"=dword:00001008');
  });

  test('many boot keys missing from default.hv are listed up to the cap, then counted', () => {
    const many = Array.from({ length: 120 }, (_, i) => `[HKEY_LOCAL_MACHINE\\Extra\\Key${i}]\n`).join('');
    const rom = romSet({ boot: many, system: '[-HKEY_LOCAL_MACHINE\\Extra]\n' });
    const found = lintBoot(rom).filter((finding) => finding.code === 'BOOT_KEY_NOT_IN_DEFAULT');
    expect(found).toHaveLength(51);
    expect(found[50]!.message).toBe('71 more BOOT_KEY_NOT_IN_DEFAULT finding(s) like the ones above are not listed');
  });
});

/** A storage folder held in a map of device paths (upper-cased) to bytes. */
function memoryStorage(files: Record<string, Uint8Array>): StorageFolder {
  const byPath = new Map(Object.entries(files).map(([path, bytes]) => [path.toUpperCase(), bytes]));
  return {
    find: (path) => byPath.get(path.toUpperCase()),
    folders: (path) => {
      const prefix = path.toUpperCase() + '\\';
      return [...new Set([...byPath.keys()].filter((file) => file.startsWith(prefix) && file.slice(prefix.length).includes('\\')).map((file) => file.slice(prefix.length).split('\\')[0]!))];
    },
  };
}

describe('replay on fixtures', () => {
  test('no SystemHive: the hives live in the object store and are created at every cold boot', () => {
    const report = replayBoot(romSet({ boot: BOOT_VARS + '"SystemHive"=-\n' }), memoryStorage({}));
    expect(report.hives.map((hive) => [hive.role, hive.storage, hive.outcome])).toEqual([
      ['system', 'object-store', 'CREATED'],
      ['user', 'object-store', 'CREATED'],
    ]);
    expect(report.steps.find((step) => step.step === 8)!.result).toContain('object store');
  });

  test('boot keys default.hv lacks are noted where the registry switches to the system hive', () => {
    const report = replayBoot(romSet({ system: '[-HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\FlashDisk]\n' }), memoryStorage({}));
    expect(report.steps.find((step) => step.step === 13)!.notes).toEqual(['key(s) of boot.hv missing from default.hv vanish now (lint BOOT_KEY_NOT_IN_DEFAULT)']);
    expect(replayBoot(romSet({}), memoryStorage({})).steps.find((step) => step.step === 13)!.notes).toEqual([]);
  });

  test('NoDefaultUser: no user hive until SetCurrentUser; --user loads one', () => {
    const rom = romSet({ boot: BOOT_VARS + '"NoDefaultUser"=dword:00000001\n' });
    const none = replayBoot(rom, memoryStorage({}));
    expect(none.hives[1]).toMatchObject({ role: 'user', outcome: 'NOT_LOADED', user: null });
    expect(none.hives[1]!.decidedBy[0]).toEqual({ source: 'boot.hv', what: 'HKEY_LOCAL_MACHINE\\init\\BootVars\\NoDefaultUser', data: 'dword:00000001' });
    const operator = replayBoot(rom, memoryStorage({}), { user: 'operator' });
    expect(operator.hives[1]).toMatchObject({ role: 'user', user: 'operator', path: '\\Documents and Settings\\operator\\user.hv', outcome: 'CREATED' });
  });

  test('the boot volume mounted in a folder: its profile, file system, mount point and block driver', () => {
    const rom = romSet({ boot: FATFS_PROFILE + '"MountAsRoot"=-\n' + BOOT_VARS + '"SystemHive"="\\\\Flash Disk\\\\Registry\\\\system.hv"\n"ProfileDir"="\\\\Flash Disk\\\\Profiles"\n' });
    const first = replayBoot(rom, memoryStorage({}));
    expect(first.bootVolume).toMatchObject({ profile: 'FlashDisk', fileSystem: 'FATFS', fileSystemDll: 'fatfsd.dll', mountPoint: '\\Flash Disk', blockDrivers: [{ dll: 'flashdisk.dll', enumerated: true }] });
    expect(first.hives[0]!.path).toBe('\\Flash Disk\\Registry\\system.hv');
    // The storage folder is the volume: the mount folder is not part of the paths on it.
    expect(first.actions.map((action) => action.path)).toEqual(['\\Registry\\system.hv', '\\Profiles\\default\\user.hv']);
    const next = replayBoot(rom, memoryStorage({ '\\registry\\SYSTEM.hv': emptyPersistentHive(rom.system), '\\Profiles\\Default\\user.hv': emptyPersistentHive(rom.user) }));
    expect(next.hives.map((hive) => hive.outcome)).toEqual(['KEPT', 'KEPT']);
    expect(next.actions).toEqual([]);
  });
});

/** Codes and keys of the findings, for exact comparisons. */
const found = (fixture: Fixture): string[] => lintBoot(romSet(fixture)).map((finding) => `${finding.code} ${finding.key}`);
const bootVolumeOf = (fixture: Fixture) => readBootConfiguration(new RegistryReader(romSet(fixture).boot, 'boot.hv')).bootVolume;
const UNMARK = FATFS_PROFILE + '"MountAsBootable"=-\n"MountAsRoot"=-\n';

describe("the boot marks where Microsoft's documentation reads them (registry sources guide §4)", () => {
  // A flash block driver the Storage Manager loads itself (AutoLoad DriverPath), as BSPs
  // do for PRJ_BOOTDEVICE_MSFLASH, where common.reg sets BootVars Flags = 1.
  const AUTOLOAD_FLASH = String.raw`
[-HKEY_LOCAL_MACHINE\Drivers\BuiltIn\FlashDisk]
[HKEY_LOCAL_MACHINE\System\StorageManager\AutoLoad\FlashDisk]
"DriverPath"="Drivers\\BlockDevice\\FlashDisk"
"LoadFlags"=dword:00000001
"BootPhase"=dword:00000000
"MountAsBootable"=dword:00000001
[HKEY_LOCAL_MACHINE\Drivers\BlockDevice\FlashDisk]
"Dll"="flashdisk.dll"
"Prefix"="DSK"
"Profile"="FlashDisk"
"Flags"=dword:00001000
[HKEY_LOCAL_MACHINE\init\BootVars]
"Flags"=dword:00000001
`;

  test('AutoLoad\\<name> MountAsBootable: the volume of its block driver is the boot volume, and Flags 1 needs no device.exe', () => {
    expect(found({ boot: UNMARK + AUTOLOAD_FLASH })).toEqual([]);
    const volume = bootVolumeOf({ boot: UNMARK + AUTOLOAD_FLASH })!;
    expect(volume).toMatchObject({ kind: 'profile', name: 'FlashDisk', objectStore: false, fileSystem: { name: 'FATFS', dll: 'fatfsd.dll', found: true } });
    expect(volume.bootable!.evidence.what).toBe('HKEY_LOCAL_MACHINE\\System\\StorageManager\\AutoLoad\\FlashDisk\\MountAsBootable');
    expect(volume.blockDrivers).toEqual([expect.objectContaining({ dll: 'flashdisk.dll', enumerated: false, autoLoad: 'HKEY_LOCAL_MACHINE\\System\\StorageManager\\AutoLoad\\FlashDisk' })]);
    // The same driver loaded by device.exe's bus enumerator, with Flags 1: the volume never appears.
    expect(found({ boot: BOOT_VARS + '"Flags"=dword:00000001\n' })).toEqual(['DEVICE_MANAGER_NOT_STARTED HKEY_LOCAL_MACHINE\\init\\BootVars\\Flags']);
    // Without its mark the AutoLoad volume is not bootable: no volume is.
    expect(found({ boot: UNMARK + AUTOLOAD_FLASH + '[HKEY_LOCAL_MACHINE\\System\\StorageManager\\AutoLoad\\FlashDisk]\n"MountAsBootable"=-\n' })).toEqual(['NO_BOOT_PROFILE HKEY_LOCAL_MACHINE\\System\\StorageManager\\Profiles']);
  });

  test('MountAsBootable and MountAsRoot at each of the four places, the most specific winning', () => {
    const PROFILES_KEY = '[HKEY_LOCAL_MACHINE\\System\\StorageManager\\Profiles]\n';
    const PROFILE_KEY = '[HKEY_LOCAL_MACHINE\\System\\StorageManager\\Profiles\\FlashDisk]\n';
    const mark = (fixture: Fixture): string | undefined => bootVolumeOf(fixture)?.bootable?.evidence.what.replace('HKEY_LOCAL_MACHINE\\System\\StorageManager\\', '');
    // Profiles: the defaults of every profile.
    expect(mark({ boot: UNMARK + PROFILES_KEY + '"MountAsBootable"=dword:00000001\n' })).toBe('Profiles\\MountAsBootable');
    // Profiles\<profile> (Microsoft's PRJ_ENABLE_FSREGHIVE section).
    expect(mark({ boot: UNMARK + PROFILE_KEY + '"MountAsBootable"=dword:00000001\n' })).toBe('Profiles\\FlashDisk\\MountAsBootable');
    // Profiles\<profile>\<file system> (the base fixture).
    expect(mark({})).toBe('Profiles\\FlashDisk\\FATFS\\MountAsBootable');
    // AutoLoad\<name>.
    expect(mark({ boot: UNMARK + AUTOLOAD_FLASH })).toBe('AutoLoad\\FlashDisk\\MountAsBootable');
    // The named profile overrides the defaults; the file system subkey overrides the profile.
    expect(found({ boot: UNMARK + PROFILES_KEY + '"MountAsBootable"=dword:00000001\n' + PROFILE_KEY + '"MountAsBootable"=dword:00000000\n' })).toEqual(['NO_BOOT_PROFILE HKEY_LOCAL_MACHINE\\System\\StorageManager\\Profiles']);
    expect(found({ boot: PROFILE_KEY + '"MountAsBootable"=dword:00000000\n' })).toEqual([]);
    // MountFlags (deprecated) of the defaults is overridden by the profile's MountAsBootable,
    // as in common.reg ("MountFlags"=dword:0 under Profiles).
    expect(found({ boot: UNMARK + PROFILES_KEY + '"MountFlags"=dword:00000000\n' + PROFILE_KEY + '"MountAsBootable"=dword:00000001\n"MountAsRoot"=dword:00000001\n' })).toEqual([]);
    // MountAsRoot of the file system subkey applies when the profile carries the boot mark
    // (common.reg: Profiles\MSFlash MountAsBootable, Profiles\MSFlash\FATFS MountAsRoot).
    const split = bootVolumeOf({ boot: FATFS_PROFILE + '"MountAsBootable"=-\n' + PROFILE_KEY + '"MountAsBootable"=dword:00000001\n' })!;
    expect([split.mountedAsRoot, split.mountPoint, split.mountDecidedBy[0]!.what]).toEqual([true, '\\', 'HKEY_LOCAL_MACHINE\\System\\StorageManager\\Profiles\\FlashDisk\\FATFS\\MountAsRoot']);
    // MountFlags bit 4 (root) and bit 2 (bootable) at the profile: the legacy mark, noted.
    expect(found({ boot: UNMARK + PROFILE_KEY + '"MountFlags"=dword:00000006\n' })).toEqual(['LEGACY_BOOT_FLAG HKEY_LOCAL_MACHINE\\System\\StorageManager\\Profiles\\FlashDisk\\MountFlags']);
  });

  test('SystemHive without the file system name: a path on the boot volume, found there by boot (KEPT)', () => {
    // CE 5 common.reg: "SystemHive"="Documents and Settings\\system.hv", the volume in a folder.
    const fixture = { boot: FATFS_PROFILE + '"MountAsRoot"=-\n' + BOOT_VARS + '"SystemHive"="Documents and Settings\\\\system.hv"\n"ProfileDir"="Documents and Settings"\n' };
    expect(found(fixture)).toEqual([]);
    const rom = romSet(fixture);
    const report = replayBoot(rom, memoryStorage({ '\\Documents and Settings\\system.hv': emptyPersistentHive(rom.system), '\\Documents and Settings\\default\\user.hv': emptyPersistentHive(rom.user) }));
    expect(report.hives.map((hive) => hive.outcome)).toEqual(['KEPT', 'KEPT']);
    expect(report.summary.lintErrors).toBe(0);
    // The mount folder written into SystemHive: a note, with the path on the volume as the fix.
    const named = lintBoot(romSet({ boot: FATFS_PROFILE + '"MountAsRoot"=-\n' + BOOT_VARS + '"SystemHive"="\\\\Flash Disk\\\\Registry\\\\system.hv"\n' }));
    expect(named.map((finding) => [finding.code, finding.severity])).toEqual([['SYSTEM_HIVE_NAMES_MOUNT_FOLDER', 'info']]);
    expect(named[0]!.fix).toBe('write the path on the volume only: "Registry\\\\system.hv"');
  });

  test('the object store as the boot volume (common.reg without PRJ_ENABLE_FSREGHIVE): a note, and boot agrees', () => {
    const fixture = { boot: UNMARK + OBJECT_STORE + '"MountAsBootable"=dword:00000001\n' + BOOT_VARS + '"Flags"=dword:00000000\n' };
    const findings = lintBoot(romSet(fixture));
    expect(findings.map((finding) => `${finding.severity} ${finding.code} ${finding.key}`)).toEqual(['info OBJECT_STORE_BOOT_VOLUME HKEY_LOCAL_MACHINE\\System\\StorageManager\\AutoLoad\\ObjectStore\\MountAsBootable']);
    expect(bootVolumeOf(fixture)).toMatchObject({ kind: 'autoload', name: 'ObjectStore', objectStore: true, mountPoint: '\\', blockDrivers: [] });
    const report = replayBoot(romSet(fixture), memoryStorage({}));
    expect(report.hives.map((hive) => [hive.storage, hive.outcome])).toEqual([
      ['object-store', 'CREATED'],
      ['object-store', 'CREATED'],
    ]);
    expect(report.steps.find((step) => step.step === 8)!.result).toContain('the boot volume is the object store');
  });

  test('no volume marked bootable: lint and boot both say the hives stay in the object store', () => {
    const report = replayBoot(romSet({ boot: UNMARK + BOOT_VARS + '"Flags"=dword:00000000\n' }), memoryStorage({}));
    // Only what is missing: no claim that the hive is on a file system (issue: the lint said so while step 8 said object store).
    expect(report.lint.map((finding) => finding.code)).toEqual(['NO_BOOT_PROFILE']);
    expect(report.lint[0]!.message).toContain('so they stay in the object store');
    expect(report.steps.find((step) => step.step === 8)!.result).toContain('the hives live in the object store');
    expect(report.hives[0]).toMatchObject({ storage: 'object-store', outcome: 'CREATED' });
  });

  test('the file system of a partitioned volume comes from the PartitionTable (through CE 7 MSIFS)', () => {
    const PARTITIONED = String.raw`
[HKEY_LOCAL_MACHINE\System\StorageManager\Profiles]
"DefaultFileSystem"=""
"PartitionDriverName"="MSPART"
[HKEY_LOCAL_MACHINE\System\StorageManager\Profiles\FlashDisk]
"DefaultFileSystem"=-
"MountAsBootable"=dword:00000001
[HKEY_LOCAL_MACHINE\System\StorageManager\Profiles\FlashDisk\FATFS]
"MountAsBootable"=-
[HKEY_LOCAL_MACHINE\System\StorageManager\PartitionTable]
"0B"="FATFS"
`;
    expect(found({ boot: PARTITIONED })).toEqual([]);
    expect(bootVolumeOf({ boot: PARTITIONED })!.fileSystem).toMatchObject({ name: 'FATFS', dll: 'fatfsd.dll', byPartitionTable: true });
    const MSIFS = PARTITIONED + '[HKEY_LOCAL_MACHINE\\System\\StorageManager\\PartitionTable]\n"0B"="MSIFS"\n[HKEY_LOCAL_MACHINE\\System\\StorageManager\\MSIFS]\n"DefaultFileSystem"="FATFS"\n';
    expect(found({ boot: MSIFS })).toEqual([]);
    expect(bootVolumeOf({ boot: MSIFS })!.fileSystem).toMatchObject({ name: 'FATFS', dll: 'fatfsd.dll' });
    // CE 7's common.reg alone: MSIFS falls back to FATFS, whose key holds no Dll.
    expect(found({ boot: MSIFS + '[-HKEY_LOCAL_MACHINE\\System\\StorageManager\\FATFS]\n' })).toEqual(['BOOT_FILE_SYSTEM_MISSING HKEY_LOCAL_MACHINE\\System\\StorageManager\\FATFS']);
  });

  test('a boot volume without its block driver names the BSP file that must supply it, loaded the way Flags allows', () => {
    const [viaDevice] = lintBoot(romSet({ boot: '[-HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\FlashDisk]\n' }));
    expect(viaDevice).toMatchObject({ code: 'BOOT_BLOCK_DRIVER_MISSING', key: 'HKEY_LOCAL_MACHINE\\System\\StorageManager\\Profiles\\FlashDisk' });
    expect(viaDevice!.fix).toContain("the BSP's platform.reg must add the block driver");
    expect(viaDevice!.fix).toContain('Drivers\\BuiltIn');
    const [viaStorage, ...rest] = lintBoot(romSet({ boot: '[-HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\FlashDisk]\n' + BOOT_VARS + '"Flags"=dword:00000001\n' }));
    expect(viaStorage!.fix).toContain('AutoLoad\\<name>] "DriverPath"');
    // No device-manager error on top: there is no driver whose loader could be wrong.
    expect(rest).toEqual([]);
  });
});

describe('storedHives', () => {
  test('the system hive and every user folder\'s hive, as the replay finds them; on a volume mounted at a folder, paths from its root', () => {
    // The volume mounted at \Flash Disk; SystemHive and ProfileDir name paths inside it.
    const rom = romSet({ boot: FATFS_PROFILE + '"MountAsRoot"=-\n' + BOOT_VARS + '"SystemHive"="\\\\Flash Disk\\\\Registry\\\\system.hv"\n"ProfileDir"="\\\\Flash Disk\\\\Profiles"\n' });
    const storage = memoryStorage({
      '\\Registry\\system.hv': emptyPersistentHive(rom.system),
      '\\Profiles\\Anna\\user.hv': emptyPersistentHive(rom.user),
      // A user folder with no hive yet, and a stray file: the folder is listed (CREATED), the file is not.
      '\\Profiles\\Ben\\notes.txt': new Uint8Array(1),
    });
    const found = storedHives(rom, storage);
    expect(found.map((hive) => [hive.role, hive.user, hive.path, hive.volumePath, hive.decision.outcome])).toEqual([
      ['system', null, '\\Flash Disk\\Registry\\system.hv', '\\Registry\\system.hv', 'KEPT'],
      ['user', 'default', '\\Flash Disk\\Profiles\\default\\user.hv', '\\Profiles\\default\\user.hv', 'CREATED'],
      ['user', 'ANNA', '\\Flash Disk\\Profiles\\ANNA\\user.hv', '\\Profiles\\ANNA\\user.hv', 'KEPT'],
      ['user', 'BEN', '\\Flash Disk\\Profiles\\BEN\\user.hv', '\\Profiles\\BEN\\user.hv', 'CREATED'],
    ]);
    // No file system for the hives: nothing to list.
    expect(storedHives(romSet({ boot: BOOT_VARS + '"SystemHive"=-\n' }), storage)).toEqual([]);
  });
});
