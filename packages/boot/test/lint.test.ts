import { describe, expect, test } from '@jest/globals';
import { encodeHive, openHive, type Hive } from '@hivetool/hive';
import { RegTreeBuilder } from '@hivetool/registry';
import { LINT_CHECKS, emptyPersistentHive, lintBoot, replayBoot, type StorageFolder } from '@hivetool/boot';

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
    fail: { boot: FATFS_PROFILE + '"MountAsRoot"=-\n' },
    pass: { boot: FATFS_PROFILE + '"MountAsRoot"=-\n' + BOOT_VARS + '"SystemHive"="\\\\Flash Disk\\\\system.hv"\n' },
  },
  { code: 'NO_PROFILE_DIR', fail: { boot: BOOT_VARS + '"ProfileDir"=-\n' }, pass: { boot: BOOT_VARS + '"ProfileDir"="\\\\Profiles"\n' } },
  { code: 'PROFILE_DIR_NAMES_A_FILE', fail: { boot: BOOT_VARS + '"ProfileDir"="\\\\Documents and Settings\\\\user.hv"\n' }, pass: { boot: BOOT_VARS + '"ProfileDir"="\\\\Documents and Settings\\\\users"\n' } },
  { code: 'USER_HIVE_OUTSIDE_PROFILE_DIR', fail: { boot: BOOT_VARS + '"DefaultUser"="..\\\\..\\\\Windows"\n' }, pass: { boot: BOOT_VARS + '"DefaultUser"="operator"\n' } },
  { code: 'BOOT_SIGNATURE_MISMATCH', fail: { bootSignature: OTHER_SIGNATURE }, pass: { bootSignature: SIGNATURE } },
  { code: 'USER_SIGNATURE_MISMATCH', fail: { userSignature: OTHER_SIGNATURE }, pass: { userSignature: SIGNATURE } },
  { code: 'BOOT_KEY_NOT_IN_DEFAULT', fail: { system: '[-HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\FlashDisk]\n' }, pass: { system: DRIVER + '"Order"=dword:00000001\n' } },
  { code: 'BOOT_VALUE_DIFFERS', fail: { system: DRIVER + '"Flags"=dword:00000000\n' }, pass: { system: DRIVER + '"FriendlyName"="Flash disk"\n' } },
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
