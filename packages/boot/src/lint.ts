import { hexBytes, type Hive } from '@hivetool/hive';
import { BOOT_VARS, LOAD_ONCE_FLAG, PROFILES, STORAGE_MANAGER, bootPhases, hiveStorage, readBootConfiguration, snapshotHive } from './config.js';
import { RegistryReader, renderData } from './evidence.js';
import { isInside, joinDevicePath, splitDevicePath } from './paths.js';

export type LintSeverity = 'error' | 'warning' | 'info';

/** One problem of the boot configuration: a stable code, the key, what is wrong, the fix. */
export interface LintFinding {
  severity: LintSeverity;
  /** Stable code (docs/boot.md lists them all). */
  code: string;
  /** The key (or `key\value`) the finding is about, as stored; a file name for signatures. */
  key: string;
  message: string;
  /** What to change, in one line. */
  fix: string;
}

/** Findings of one code listed one by one; past this they are counted in one more finding. */
export const MAX_LINT_FINDINGS_PER_CODE = 50;

/** The checks, by code, with their severity (docs/boot.md explains each). */
export const LINT_CHECKS: Record<string, LintSeverity> = {
  NO_SYSTEM_HIVE: 'error',
  NO_STORAGE_MANAGER: 'error',
  NO_BOOT_PROFILE: 'error',
  BOOT_FILE_SYSTEM_MISSING: 'error',
  BOOT_BLOCK_DRIVER_MISSING: 'error',
  DRIVER_LOADED_TWICE: 'warning',
  REGISTRY_FLAGS_EXCLUSIVE: 'error',
  DEVICE_MANAGER_NOT_STARTED: 'error',
  SYSTEM_HIVE_NOT_ON_BOOT_VOLUME: 'error',
  SYSTEM_HIVE_NAMES_MOUNT_FOLDER: 'info',
  OBJECT_STORE_BOOT_VOLUME: 'info',
  NO_PROFILE_DIR: 'warning',
  PROFILE_DIR_NAMES_A_FILE: 'warning',
  USER_HIVE_OUTSIDE_PROFILE_DIR: 'error',
  BOOT_SIGNATURE_MISMATCH: 'error',
  USER_SIGNATURE_MISMATCH: 'error',
  BOOT_KEY_NOT_IN_DEFAULT: 'warning',
  BOOT_VALUE_NOT_IN_DEFAULT: 'warning',
  BOOT_VALUE_DIFFERS: 'info',
  MULTIPLE_BOOT_PROFILES: 'info',
  LEGACY_BOOT_FLAG: 'info',
};

class FindingList {
  readonly list: LintFinding[] = [];
  private readonly perCode = new Map<string, number>();

  add(code: keyof typeof LINT_CHECKS, key: string, message: string, fix: string): void {
    const seen = (this.perCode.get(code) ?? 0) + 1;
    this.perCode.set(code, seen);
    const severity = LINT_CHECKS[code]!;
    if (seen <= MAX_LINT_FINDINGS_PER_CODE) {
      this.list.push({ severity, code, key, message, fix });
      return;
    }
    // A hostile boot hive can hold many thousands of keys: count the rest in one finding.
    const more = seen - MAX_LINT_FINDINGS_PER_CODE;
    const last = this.list[this.list.length - 1];
    const summary = `${more} more ${code} finding(s) like the ones above are not listed`;
    if (more > 1 && last?.code === code && last.message.endsWith('are not listed')) last.message = summary;
    else this.list.push({ severity, code, key, message: summary, fix });
  }
}

/**
 * Checks the boot configuration of a ROM set against what filesys needs at boot (registry
 * sources guide §4, §5; format guide §1, §3). Pure: reads the three ROM hives only.
 *
 * @throws {HiveFormatError} when a ROM hive is damaged.
 */
export function lintBoot(rom: { boot: Hive; system: Hive; user: Hive; names?: { boot: string; system: string; user: string } }): LintFinding[] {
  const names = rom.names ?? { boot: 'boot.hv', system: 'default.hv', user: 'user.hv' };
  const boot = new RegistryReader(rom.boot, names.boot);
  const config = readBootConfiguration(boot);
  const vars = config.bootVars;
  const findings = new FindingList();
  const bootVarsPath = boot.storedPath(BOOT_VARS);

  const systemHive = vars.systemHive?.text;
  const hasSystemHive = systemHive !== undefined && systemHive !== '';
  // The same decision as `boot`'s steps 7 and 8: lint and replay never disagree on where the hives are.
  const onFileSystem = hiveStorage(config) === 'file-system';
  if (!hasSystemHive) {
    findings.add('NO_SYSTEM_HIVE', `${bootVarsPath}\\SystemHive`, 'no SystemHive: the system hive lives in the object store (or a RAM region) and every setting is lost at cold boot', `add "SystemHive"="Documents and Settings\\\\system.hv" under [${BOOT_VARS}] in the boot section (common.reg does it when the hive-based registry component is in the OS design)`);
  }
  if (hasSystemHive && !config.storageManager?.text) {
    findings.add('NO_STORAGE_MANAGER', `${STORAGE_MANAGER}\\Dll`, 'the boot hive names no Storage Manager DLL: no file system can be mounted for the system hive', `add "Dll"="fsdmgr.dll" under [${STORAGE_MANAGER}] in the boot section (common.reg holds it)`);
  }
  const bootable = config.profiles.filter((profile) => profile.bootable !== undefined);
  if (hasSystemHive && bootable.length === 0) {
    findings.add(
      'NO_BOOT_PROFILE',
      PROFILES,
      'SystemHive is set but no volume is marked bootable (MountAsBootable under StorageManager\\Profiles, a profile, its file system subkey or AutoLoad\\<name>): no file system registers for the hives (SYSTEM/BootPhase2), so they stay in the object store',
      'add "MountAsBootable"=dword:1 to the profile of the volume that holds the hives, in the boot section (common.reg does it for PRJ_BOOTDEVICE_MSFLASH or PRJ_BOOTDEVICE_ATAPI when PRJ_ENABLE_FSREGHIVE is set)',
    );
  }
  const volume = config.bootVolume;
  if (volume !== undefined && volume.kind === 'profile') {
    if (volume.fileSystem === undefined || !volume.fileSystem.found) {
      const name = volume.fileSystem?.name;
      findings.add(
        'BOOT_FILE_SYSTEM_MISSING',
        name === undefined ? volume.keyPath : `${STORAGE_MANAGER}\\${name}`,
        name === undefined
          ? `the boot volume's profile ${volume.name} names no file system (no DefaultFileSystem, and no partition driver whose PartitionTable names one)`
          : `the boot volume's file system ${name}${volume.fileSystem!.byPartitionTable ? ' (from StorageManager\\PartitionTable)' : ''} has no Dll in the boot hive: it cannot be loaded before the system hive`,
        name === undefined ? `add "DefaultFileSystem"="FATFS" to [${volume.keyPath}] in the boot section` : `add [${STORAGE_MANAGER}\\${name}] with its "Dll" to the boot section (${/^FATFS$/i.test(name) ? "the CE 5 and CE 6 common.reg hold it; CE 7's common.reg does not: the .reg file of the FAT file system component must" : 'the .reg file of the file system component supplies it'})`,
      );
    }
    if (volume.blockDrivers.length === 0) {
      findings.add(
        'BOOT_BLOCK_DRIVER_MISSING',
        volume.keyPath,
        `no block driver in the boot hive exposes profile ${volume.name}: the boot volume never appears (Microsoft's common.reg marks the profile bootable and leaves its block driver to the BSP)`,
        bootPhases(vars).deviceManagerEarly
          ? `the BSP's platform.reg must add the block driver of the boot volume, with "Profile"="${volume.name}", under [HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn] inside a boot section`
          : `the BSP's platform.reg must add the block driver of the boot volume, with "Profile"="${volume.name}", inside a boot section and loaded by the Storage Manager ([${STORAGE_MANAGER}\\AutoLoad\\<name>] "DriverPath"): Flags lacks bit 2, so device.exe does not start in the boot phase`,
      );
    }
  }
  if (volume?.legacyBootFlag === true) {
    findings.add('LEGACY_BOOT_FLAG', volume.bootable!.evidence.what, `the boot volume is marked by MountFlags bit 2, the deprecated form (versions before CE 5 read only it; from CE 5 on, MountAsBootable overrides it)`, `use "MountAsBootable"=dword:1 for CE 5 and later`);
  }
  if (hasSystemHive && volume?.objectStore === true) {
    findings.add(
      'OBJECT_STORE_BOOT_VOLUME',
      volume.bootable!.evidence.what,
      `the boot volume is the object store (${volume.keyPath}): SystemHive ${systemHive} is a file in RAM, kept across warm resets and lost at cold boot; common.reg marks it bootable when PRJ_ENABLE_FSREGHIVE is not set`,
      'for hives on persistent storage, set PRJ_ENABLE_FSREGHIVE and PRJ_BOOTDEVICE_MSFLASH or PRJ_BOOTDEVICE_ATAPI (common.reg then marks that profile bootable instead)',
    );
  }
  if (onFileSystem && volume !== undefined) {
    // SystemHive is a path on the boot volume, whatever folder it is mounted at
    // (Microsoft: "do not include the name of the file system ... the system will decide").
    const path = splitDevicePath(systemHive!);
    const mount = splitDevicePath(volume.mountPoint).names;
    if (path.escapes) {
      findings.add('SYSTEM_HIVE_NOT_ON_BOOT_VOLUME', `${bootVarsPath}\\SystemHive`, `SystemHive ${systemHive} climbs above the root of the boot volume with ..`, `name the hive by its path on the boot volume, without .. (e.g. "Documents and Settings\\\\system.hv")`);
    } else if (!volume.mountedAsRoot && mount.length > 0 && path.names.length > mount.length && isInside(path.names, mount)) {
      findings.add(
        'SYSTEM_HIVE_NAMES_MOUNT_FOLDER',
        `${bootVarsPath}\\SystemHive`,
        `SystemHive ${systemHive} starts with ${volume.mountPoint}, the folder the boot volume (profile ${volume.name}) is mounted at; SystemHive is a path on the boot volume, and Microsoft's documentation says not to name the file system in it`,
        `write the path on the volume only: "${path.names.slice(mount.length).join('\\\\')}"`,
      );
    }
    const loaders = volume.blockDrivers.filter((driver) => driver.enumerated || driver.autoLoad !== undefined);
    if (loaders.length > 0 && loaders.every((driver) => driver.autoLoad === undefined) && !bootPhases(vars).deviceManagerEarly) {
      findings.add(
        'DEVICE_MANAGER_NOT_STARTED',
        `${bootVarsPath}\\Flags`,
        `the boot volume's block driver ${loaders.map((driver) => `${driver.dll} (${driver.keyPath})`).join(', ')} is loaded by device.exe, which does not start in the boot phase (Flags = ${vars.flags === undefined ? 'not set' : renderData(vars.flags.type, vars.flags.data)} has neither 2 nor 8, Start DevMgr = ${vars.startDevMgr === undefined ? 'not set' : renderData(vars.startDevMgr.type, vars.startDevMgr.data)}): the volume never appears`,
        `set "Flags"=dword:3 under [${BOOT_VARS}] (Microsoft's choice for a boot device reached through device.exe, as PRJ_BOOTDEVICE_ATAPI), or load the driver through [${STORAGE_MANAGER}\\AutoLoad\\<name>] "DriverPath" in the BSP's platform.reg`,
      );
    }
  }
  if (bootable.length > 1) {
    findings.add('MULTIPLE_BOOT_PROFILES', PROFILES, `${bootable.length} volumes are marked bootable (${bootable.map((profile) => profile.name).join(', ')}): the first volume to register holds the hives`, 'keep MountAsBootable on the one profile whose volume holds SystemHive');
  }
  for (const driver of config.drivers) {
    if (!driver.rootChild) continue;
    const flags = driver.flags?.number ?? 0;
    if ((flags & LOAD_ONCE_FLAG) === 0) {
      findings.add('DRIVER_LOADED_TWICE', driver.keyPath, `${driver.dll.text ?? 'the driver'} is loaded in the boot phase and again from the system hive (Flags = ${driver.flags === undefined ? 'not set' : renderData(driver.flags.type, driver.flags.data)} lacks 0x1000)`, `set "Flags"=dword:${(flags | LOAD_ONCE_FLAG).toString(16).padStart(8, '0')} (add 0x1000, load once)`);
    }
  }
  const registryFlags = vars.registryFlags?.number;
  if (registryFlags !== undefined && (registryFlags & 3) === 3) {
    findings.add('REGISTRY_FLAGS_EXCLUSIVE', `${bootVarsPath}\\RegistryFlags`, `RegistryFlags = ${registryFlags}: 1 (flush on every RegCloseKey) and 2 (no background flush) are exclusive`, 'keep one of the two bits: "RegistryFlags"=dword:1 or dword:2');
  }
  const profileDir = vars.profileDir?.text;
  if (onFileSystem && (profileDir === undefined || profileDir === '')) {
    findings.add('NO_PROFILE_DIR', `${bootVarsPath}\\ProfileDir`, 'no ProfileDir: user hives live in the object store and are lost at every cold boot', `add "ProfileDir"="Documents and Settings" under [${BOOT_VARS}] (a path on the boot volume, as common.reg writes it)`);
  }
  if (profileDir !== undefined && profileDir !== '') {
    const folder = splitDevicePath(profileDir);
    const last = folder.names[folder.names.length - 1];
    if (last !== undefined && /\.hv$/i.test(last)) {
      findings.add('PROFILE_DIR_NAMES_A_FILE', `${bootVarsPath}\\ProfileDir`, `ProfileDir ${profileDir} ends in a hive file name, but it is the folder holding one folder per user: the default user's hive goes to ${joinDevicePath([...folder.names, vars.defaultUser?.text ?? 'default', 'user.hv'])}`, `set "ProfileDir" to the folder only, e.g. "${joinDevicePath(folder.names.slice(0, -1)).replace(/\\/g, '\\\\')}"`);
    }
    const user = vars.defaultUser?.text ?? 'default';
    const userHive = splitDevicePath(`${profileDir}\\${user}\\user.hv`);
    if (userHive.escapes || !isInside(userHive.names, folder.names) || userHive.names.length !== folder.names.length + 2) {
      findings.add('USER_HIVE_OUTSIDE_PROFILE_DIR', `${bootVarsPath}\\DefaultUser`, `DefaultUser "${user}" puts the user hive at ${joinDevicePath(userHive.names)}, outside ProfileDir ${joinDevicePath(folder.names)}`, 'use a plain user name (no \\, no ..) for DefaultUser');
    }
  }
  const signature = (hive: Hive): string => hexBytes(hive.header.romSignature);
  if (signature(rom.boot) !== signature(rom.system)) {
    findings.add('BOOT_SIGNATURE_MISMATCH', names.boot, `${names.boot} carries ROM signature ${signature(rom.boot)}, ${names.system} ${signature(rom.system)}: the hives come from different builds`, 'use the boot.hv, default.hv and user.hv of one image build');
  }
  if (signature(rom.user) !== signature(rom.system)) {
    findings.add('USER_SIGNATURE_MISMATCH', names.user, `${names.user} carries ROM signature ${signature(rom.user)}, ${names.system} ${signature(rom.system)}: the hives come from different builds`, 'use the boot.hv, default.hv and user.hv of one image build');
  }
  compareWithDefault(rom.boot, names, new RegistryReader(rom.system, names.system), findings);
  return findings.list;
}

/**
 * Boot-hive keys and values default.hv lacks or holds differently: after the switch to
 * the system hive they vanish or change (registry sources guide §1: the boot section is
 * compiled into both).
 */
function compareWithDefault(boot: Hive, names: { boot: string; system: string }, system: RegistryReader, findings: FindingList): void {
  for (const key of snapshotHive(boot, names.boot)) {
    const target = system.key(key.path);
    if (target === undefined) {
      findings.add('BOOT_KEY_NOT_IN_DEFAULT', key.path, `[${key.path}] is in ${names.boot} but not in ${names.system}: it vanishes when the system hive is mounted`, 'put the key inside the ; HIVE BOOT SECTION markers of a .reg file that is merged into the image (boot data goes into both hives)');
      continue;
    }
    for (const value of key.values.values()) {
      const other = system.valueOf(target, key.path, value.name);
      if (other === undefined) {
        findings.add(
          'BOOT_VALUE_NOT_IN_DEFAULT',
          `${key.path}\\${value.name}`,
          `${names.boot} has ${value.evidence.data}, ${names.system} has no such value: it vanishes when the system hive is mounted`,
          'build both hives from one merged registry source so the boot section is in both',
        );
      } else if (other.type !== value.type || !sameBytes(other.data, value.data)) {
        // A later file setting the value outside a boot section: the full registry's value,
        // which drivers re-read once the system hive is in place (Microsoft's design).
        findings.add(
          'BOOT_VALUE_DIFFERS',
          `${key.path}\\${value.name}`,
          `${names.boot} has ${value.evidence.data}, ${names.system} has ${other.evidence.data}: the boot phase runs with the first, the value changes when the system hive is mounted (a file merged later sets it outside a boot section)`,
          'nothing when the change is meant; otherwise set the value inside the boot section of the file merged last',
        );
      }
    }
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
