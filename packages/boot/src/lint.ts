import { hexBytes, type Hive } from '@hivetool/hive';
import { BOOT_VARS, LOAD_ONCE_FLAG, PROFILES, STORAGE_MANAGER, bootPhases, readBootConfiguration, snapshotHive } from './config.js';
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
  NO_PROFILE_DIR: 'warning',
  PROFILE_DIR_NAMES_A_FILE: 'warning',
  USER_HIVE_OUTSIDE_PROFILE_DIR: 'error',
  BOOT_SIGNATURE_MISMATCH: 'error',
  USER_SIGNATURE_MISMATCH: 'error',
  BOOT_KEY_NOT_IN_DEFAULT: 'warning',
  BOOT_VALUE_DIFFERS: 'warning',
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
  const onFileSystem = systemHive !== undefined && systemHive !== '';
  if (!onFileSystem) {
    findings.add('NO_SYSTEM_HIVE', `${bootVarsPath}\\SystemHive`, 'no SystemHive: the system hive lives in the object store (or a RAM region) and every setting is lost at cold boot', `add "SystemHive"="\\\\Documents and Settings\\\\system.hv" under [${BOOT_VARS}] in the boot section`);
  }
  if (onFileSystem && !config.storageManager?.text) {
    findings.add('NO_STORAGE_MANAGER', `${STORAGE_MANAGER}\\Dll`, 'the boot hive names no Storage Manager DLL: no file system can be mounted for the system hive', `add "Dll"="fsdmgr.dll" under [${STORAGE_MANAGER}] in the boot section`);
  }
  const bootable = config.profiles.filter((profile) => profile.bootable !== undefined);
  if (onFileSystem && bootable.length === 0) {
    findings.add('NO_BOOT_PROFILE', PROFILES, 'no Storage Manager profile is marked as the boot volume: the file system holding the system hive never registers (SYSTEM/BootPhase2 waits)', 'add "MountAsBootable"=dword:1 to the profile (or its file system subkey) of the volume holding SystemHive, in the boot section');
  }
  const volume = config.bootVolume;
  if (volume !== undefined) {
    if (volume.fileSystem === undefined || !volume.fileSystem.found) {
      const name = volume.fileSystem?.name;
      findings.add(
        'BOOT_FILE_SYSTEM_MISSING',
        name === undefined ? volume.keyPath : `${STORAGE_MANAGER}\\${name}`,
        name === undefined ? `the boot volume's profile ${volume.name} names no file system` : `the boot volume's file system ${name} has no Dll in the boot hive: it cannot be loaded before the system hive`,
        name === undefined ? `add "DefaultFileSystem"="FATFS" to [${volume.keyPath}]` : `add [${STORAGE_MANAGER}\\${name}] with its "Dll" to the boot section`,
      );
    }
    if (volume.blockDrivers.length === 0) {
      findings.add('BOOT_BLOCK_DRIVER_MISSING', volume.keyPath, `no block driver in the boot hive exposes profile ${volume.name}: the boot volume never appears`, `add the block driver of the boot volume, with "Profile"="${volume.name}", to the boot section`);
    }
    if (volume.legacyBootFlag) {
      findings.add('LEGACY_BOOT_FLAG', volume.bootable!.evidence.what, `the boot volume is marked by MountFlags bit 2, which only versions before CE 5 read`, `use "MountAsBootable"=dword:1 for CE 5 and later`);
    }
    if (onFileSystem) {
      const path = splitDevicePath(systemHive);
      const mount = splitDevicePath(volume.mountPoint).names;
      if (path.escapes || (!volume.mountedAsRoot && !isInside(path.names, mount))) {
        findings.add('SYSTEM_HIVE_NOT_ON_BOOT_VOLUME', `${bootVarsPath}\\SystemHive`, `SystemHive ${joinDevicePath(path.names)} is not on the boot volume, mounted at ${volume.mountPoint} by profile ${volume.name}`, `put SystemHive under ${volume.mountPoint}, or mount the profile as root ("MountAsRoot"=dword:1)`);
      }
    }
  }
  if (bootable.length > 1) {
    findings.add('MULTIPLE_BOOT_PROFILES', PROFILES, `${bootable.length} profiles are marked bootable (${bootable.map((profile) => profile.name).join(', ')}): the first volume to register holds the hives`, 'keep MountAsBootable on the one profile whose volume holds SystemHive');
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
  if (onFileSystem && !bootPhases(vars).deviceManagerEarly) {
    findings.add('DEVICE_MANAGER_NOT_STARTED', `${bootVarsPath}\\Start DevMgr`, `the system hive is on a file system but device.exe does not start in the boot phase (Start DevMgr = ${vars.startDevMgr === undefined ? 'not set' : vars.startDevMgr.number ?? '?'}, Flags has neither 2 nor 8): no block driver can load`, `set "Start DevMgr"=dword:1 under [${BOOT_VARS}] (or Flags bit 2)`);
  }
  const profileDir = vars.profileDir?.text;
  if (onFileSystem && (profileDir === undefined || profileDir === '')) {
    findings.add('NO_PROFILE_DIR', `${bootVarsPath}\\ProfileDir`, 'no ProfileDir: user hives live in the object store and are lost at every cold boot', `add "ProfileDir"="\\\\Documents and Settings" under [${BOOT_VARS}]`);
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
      if (other === undefined || other.type !== value.type || !sameBytes(other.data, value.data)) {
        findings.add(
          'BOOT_VALUE_DIFFERS',
          `${key.path}\\${value.name}`,
          `${names.boot} has ${value.evidence.data}, ${names.system} ${other === undefined ? 'has no such value' : `has ${other.evidence.data}`}: the value changes when the system hive is mounted`,
          'build both hives from one merged registry source so the boot section is the same in both',
        );
      }
    }
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
