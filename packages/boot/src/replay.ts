/**
 * The replay of filesys's hive start-up (ce-registry-sources.md §5, steps 2–17), in order.
 * Just over 400 lines because the steps share the decisions made before them (the boot
 * volume, the clean flags, the system hive's fate) and read top to bottom as the device
 * runs them; the configuration, evidence, lint and path helpers are in their own modules.
 */
import { checkRom, hexBytes, isHiveFormatError, openHive, type Hive } from '@hivetool/hive';
import { BOOT_VARS, bootPhases, hiveStorage, readBootConfiguration, type BootConfiguration, type StorageProfile } from './config.js';
import { RegistryReader, renderEvidence, type Evidence } from './evidence.js';
import { lintBoot, type LintFinding } from './lint.js';
import { isInside, joinDevicePath, splitDevicePath } from './paths.js';

/** The three ROM hives of an OS image, opened, with the names reports give them. */
export interface RomSet {
  boot: Hive;
  system: Hive;
  user: Hive;
  /** File names in reports; default `boot.hv`, `default.hv`, `user.hv`. */
  names?: { boot: string; system: string; user: string };
}

/**
 * The device's persistent volume (the boot volume), given by the caller (a folder in the
 * CLI). Paths are from the volume's root (`\Documents and Settings\system.hv`; for a
 * volume mounted at `\Flash Disk`, the device path without that folder), to be matched
 * case-insensitively as the CE file systems do.
 */
export interface StorageFolder {
  /** The bytes of the file at `path`, or undefined when there is none. */
  find(path: string): Uint8Array | undefined;
  /** The names of the folders inside `path`, empty when it is not a folder. */
  folders(path: string): string[];
}

export interface BootOptions {
  /** The OAL's answers to `IOCTL_HAL_GET_HIVE_CLEAN_FLAG` (`HIVECLEANFLAG_SYSTEM`, `HIVECLEANFLAG_USERS`). */
  clean?: { system: boolean; users: boolean };
  /** A dump of the region `IOCTL_HAL_GET_HIVE_RAM_REGION` names (format guide §10). */
  ramRegion?: { name: string; bytes: Uint8Array };
  /** The user to load instead of `DefaultUser` (as `SetCurrentUser` would). */
  user?: string;
  /** False: leave out the lint of the ROM set (no decision depends on it; `storedHives` replays once per user). */
  lint?: boolean;
}

/**
 * What happens to one hive: `KEPT` (loaded, `RegPersisted` set), `CLEAN` (deleted and
 * recreated from ROM), `CREATED` (first boot: there was none), `NOT_LOADED` (no user
 * hive until `SetCurrentUser`).
 */
export type HiveOutcome = 'KEPT' | 'CLEAN' | 'CREATED' | 'NOT_LOADED';

export interface HiveDecision {
  role: 'system' | 'user' | 'combined';
  /** The user whose hive this is (role `user`). */
  user: string | null;
  /** Device path of the file; null for a hive in the object store or a RAM region. */
  path: string | null;
  /** Where the hive lives: the boot volume, a RAM region, or the object store (lost at cold boot). */
  storage: 'file-system' | 'ram-region' | 'object-store';
  outcome: HiveOutcome;
  /** Why, in one sentence. */
  reason: string;
  /** ROM signature stored in the persistent hive; null when there is none. */
  storedSignature: string | null;
  /** ROM signature of the ROM hive it must match. */
  romSignature: string;
  /** Whether `RegPersisted = dword:1` is set after this boot (under HKLM, or HKCU for a user hive). */
  regPersisted: boolean;
  /**
   * For a KEPT persistent hive, links into the ROM hive that do not resolve there to a
   * record of the expected type (the ROM check, `checkRom`); 0 otherwise.
   */
  linksBroken: number;
  /** The first of them: the link and its reference, and its offset in the hive; null when none. */
  firstBrokenLink: { link: string; offset: number; code: string } | null;
  /**
   * What the ROM check found wrong with a KEPT hive whose signature matches (links that do
   * not resolve, a ROM hive of the wrong role, key copies whose ROM original is still on
   * the chain: the marks of another build with the same signature); empty when none.
   */
  romProblems: string[];
  decidedBy: Evidence[];
}

/** One step of the start-up, in filesys's order (registry sources guide §5). */
export interface BootStep {
  /** Step number of the guide's §5 list. */
  step: number;
  title: string;
  /** What happens, in one line. */
  result: string;
  decidedBy: Evidence[];
  notes: string[];
}

/** What `--apply` does to the storage folder, in order; paths are from the volume's root. */
export type StorageAction =
  | { kind: 'remove-folder'; path: string; reason: string }
  | { kind: 'create-hive'; path: string; rom: 'system' | 'user'; reason: string };

export interface BootVolume {
  profile: string;
  keyPath: string;
  fileSystem: string | null;
  fileSystemDll: string | null;
  mountPoint: string;
  blockDrivers: Array<{ keyPath: string; dll: string; enumerated: boolean }>;
  decidedBy: Evidence[];
}

export interface BootReport {
  romSignatures: { boot: string; system: string; user: string };
  bootVolume: BootVolume | null;
  steps: BootStep[];
  hives: HiveDecision[];
  lint: LintFinding[];
  actions: StorageAction[];
  summary: { kept: number; clean: number; created: number; notLoaded: number; lintErrors: number; lintWarnings: number; lintNotes: number };
}

/** Default name of the user loaded at boot when `DefaultUser` is not set (§5 step 16). */
export const DEFAULT_USER = 'default';

/** File name of a user's hive inside the profile folder. */
export const USER_HIVE_FILE = 'user.hv';

const signatureOf = (hive: Hive): string => hexBytes(hive.header.romSignature);

/**
 * Replays what filesys does with the hives at the next boot, step by step (registry
 * sources guide §5; format guide §1 and §3), on the ROM set and the device's storage.
 * Every decision names the registry value, header field or OAL answer behind it.
 *
 * @throws {HiveFormatError} when a ROM hive is damaged (a damaged file on the storage
 * is what the device deletes: it is reported, not thrown).
 */
export function replayBoot(rom: RomSet, storage: StorageFolder, options: BootOptions = {}): BootReport {
  const names = rom.names ?? { boot: 'boot.hv', system: 'default.hv', user: 'user.hv' };
  const boot = new RegistryReader(rom.boot, names.boot);
  const config = readBootConfiguration(boot);
  const clean = options.clean ?? { system: false, users: false };
  const steps: BootStep[] = [];
  const hives: HiveDecision[] = [];
  const actions: StorageAction[] = [];
  const romSignatures = { boot: signatureOf(rom.boot), system: signatureOf(rom.system), user: signatureOf(rom.user) };
  const vars = config.bootVars;
  const lint = options.lint === false ? [] : lintBoot(rom);

  // §5 steps 2, 4, 5, 6: the boot hive and what it starts.
  steps.push({
    step: 2,
    title: 'mount the boot hive',
    result: `${names.boot} mounted from ROM, ROM signature ${romSignatures.boot}`,
    decidedBy: [{ source: names.boot, what: 'ROM signature', data: romSignatures.boot }],
    notes: [],
  });
  steps.push({
    step: 4,
    title: 'create the named events',
    result: config.events.length === 0 ? 'no events: HKLM\\System\\Events holds no names' : `${config.events.length} event(s): ${config.events.map((event) => event.name).join(', ')}`,
    decidedBy: config.events.map((event) => event.evidence),
    notes: [],
  });
  steps.push({
    step: 5,
    title: 'load the Storage Manager',
    result: config.storageManager?.text ? `loads ${config.storageManager.text}` : 'no Storage Manager DLL named: no file system can hold the hives',
    decidedBy: [config.storageManager?.evidence ?? boot.evidence('HKEY_LOCAL_MACHINE\\System\\StorageManager', 'Dll')],
    notes: [],
  });
  const phases = bootPhases(vars);
  steps.push({
    step: 6,
    title: 'boot phases and device.exe',
    result: `${phases.phases ? 'boot phase 0, then boot phase 1 once the locale is set' : 'no boot phases'}; device.exe ${phases.deviceManagerEarly ? 'starts now, loading the drivers of the boot hive' : 'does not start now'}`,
    decidedBy: [boot.evidence(BOOT_VARS, 'Flags'), boot.evidence(BOOT_VARS, 'Start DevMgr')],
    notes: [],
  });

  // §5 step 7: the boot volume.
  const volume = config.bootVolume;
  const bootVolume: BootVolume | null =
    volume === undefined
      ? null
      : {
          profile: volume.name,
          keyPath: volume.keyPath,
          fileSystem: volume.fileSystem?.name ?? null,
          fileSystemDll: volume.fileSystem?.dll ?? null,
          mountPoint: volume.mountPoint,
          blockDrivers: volume.blockDrivers.map(({ keyPath, dll, enumerated }) => ({ keyPath, dll, enumerated })),
          decidedBy: distinct([...(volume.bootable === undefined ? [] : [volume.bootable.evidence]), ...(volume.fileSystem?.decidedBy ?? []), ...volume.mountDecidedBy, ...volume.blockDrivers.flatMap((driver) => driver.decidedBy)]),
        };
  const otherBootable = config.profiles.filter((profile) => profile.bootable !== undefined && profile !== volume);
  steps.push({
    step: 7,
    title: 'the boot volume (SYSTEM/BootPhase2)',
    result:
      bootVolume === null
        ? 'no Storage Manager profile is marked bootable: no file system registers for the hives'
        : `${volume!.kind === 'autoload' ? 'AutoLoad' : 'profile'} ${bootVolume.profile} (${markOf(volume!)}), file system ${bootVolume.fileSystem ?? '(none named)'}${bootVolume.fileSystemDll ? ` (${bootVolume.fileSystemDll})` : ''}, mounted at ${bootVolume.mountPoint}, block driver(s): ${countDlls(bootVolume.blockDrivers) || 'none in the boot hive'}`,
    decidedBy: bootVolume?.decidedBy ?? [],
    notes: otherBootable.map((profile) => `profile ${profile.name} is marked bootable too (${profile.bootable!.evidence.what} = ${profile.bootable!.evidence.data}); ${profile.blockDrivers.some((driver) => driver.enumerated) ? 'the first volume to register wins' : `its block driver(s) ${profile.blockDrivers.length === 0 ? 'are not in the boot hive' : `are not under Drivers\\RootKey (${profile.blockDrivers.map((driver) => driver.keyPath).join(', ')}), so the bus enumerator does not load them`}`}`),
  });

  // STORAGEDIR is the boot volume: a device path under its mount folder maps to the
  // volume's root (a volume mounted as root maps as it is).
  const onVolume = (devicePath: string): string => volumePath(config, devicePath);
  const volumeFiles: StorageFolder = { find: (path) => storage.find(onVolume(path)), folders: (path) => storage.folders(onVolume(path)) };

  const systemHivePath = vars.systemHive?.text;
  const onFileSystem = hiveStorage(config) === 'file-system';
  const ramRegion = options.ramRegion;
  if (ramRegion !== undefined || !onFileSystem) {
    steps.push({
      step: 8,
      title: 'RAM region',
      result:
        ramRegion !== undefined
          ? `the hives are in the RAM region ${ramRegion.name} (IOCTL_HAL_GET_HIVE_RAM_REGION): system and user data in one hive, shared by all users${onFileSystem ? `; the boot hive names a boot volume (${bootVolume!.profile}): the region is used only when it fails to register` : ''}`
          : volume?.objectStore === true
            ? `the boot volume is the object store (${volume.keyPath}) and no RAM region was given: the hives live in the object store and are lost at every cold boot`
            : 'no file system registers for the hives and no RAM region was given: the hives live in the object store and are lost at every cold boot',
      decidedBy: [vars.systemHive?.evidence ?? boot.evidence(BOOT_VARS, 'SystemHive'), ...(ramRegion === undefined ? [] : [{ source: '--ram-region', what: 'IOCTL_HAL_GET_HIVE_RAM_REGION', data: ramRegion.name }])],
      notes: [],
    });
  }
  steps.push({ step: 9, title: 'mount the ROM system hive', result: `${names.system} mounted from ROM, ROM signature ${romSignatures.system}`, decidedBy: [{ source: names.system, what: 'ROM signature', data: romSignatures.system }], notes: [] });
  const cleanSystemEvidence: Evidence = { source: '--clean', what: 'IOCTL_HAL_GET_HIVE_CLEAN_FLAG(HIVECLEANFLAG_SYSTEM)', data: clean.system ? 'TRUE' : 'FALSE' };
  steps.push({ step: 10, title: 'system clean flag', result: clean.system ? 'the OAL asks for a clean system hive' : 'the OAL does not ask for a clean start', decidedBy: [cleanSystemEvidence], notes: [] });

  // §5 steps 11–14: the system hive (or the combined hive of a RAM region).
  let system: HiveDecision;
  if (ramRegion !== undefined) {
    system = decideHive({ role: 'combined', user: null, path: null, storage: 'ram-region', bytes: regionHive(ramRegion.bytes), rom: rom.system, romName: names.system, clean: clean.system, cleanEvidence: cleanSystemEvidence, where: ramRegion.name, pathEvidence: [{ source: '--ram-region', what: 'IOCTL_HAL_GET_HIVE_RAM_REGION', data: ramRegion.name }] });
  } else if (!onFileSystem) {
    system = {
      role: 'system',
      user: null,
      path: null,
      storage: 'object-store',
      outcome: 'CREATED',
      reason: 'the system hive lives in the object store (RAM) and is created from ROM at every cold boot',
      storedSignature: null, ...NO_ROM_PROBLEMS,
      romSignature: romSignatures.system,
      regPersisted: false,
      decidedBy: [vars.systemHive?.evidence ?? boot.evidence(BOOT_VARS, 'SystemHive')],
    };
  } else {
    const path = joinDevicePath(splitDevicePath(systemHivePath!).names);
    system = decideHive({ role: 'system', user: null, path, storage: 'file-system', bytes: volumeFiles.find(path), rom: rom.system, romName: names.system, clean: clean.system, cleanEvidence: cleanSystemEvidence, where: path, pathEvidence: [vars.systemHive!.evidence] });
    if (system.outcome !== 'KEPT') actions.push({ kind: 'create-hive', path: onVolume(path), rom: 'system', reason: system.reason });
  }
  hives.push(system);
  steps.push({ step: 11, title: system.role === 'combined' ? 'load the combined hive' : 'load the system hive', result: `${system.outcome}: ${system.reason}`, decidedBy: system.decidedBy, notes: [] });
  steps.push({
    step: 13,
    title: 'migrate the boot hive',
    result: `changes the boot phase made to the boot hive's registry are migrated into the system hive; from here on the registry is ${names.system} with the system hive`,
    decidedBy: [],
    notes: switchNotes(lint, names),
  });
  steps.push({
    step: 14,
    title: 'RegPersisted under HKLM',
    result: system.regPersisted ? 'set: RegPersisted = dword:1 under HKLM (the system hive was kept)' : 'not set: the system hive was created clean',
    decidedBy: [],
    notes: [],
  });

  // §5 steps 15–17: profiles and the user hive.
  const profileDir = vars.profileDir?.text;
  const profileNames = profileDir === undefined || profileDir === '' ? undefined : splitDevicePath(profileDir).names;
  const cleanUsersEvidence: Evidence = { source: '--clean', what: 'IOCTL_HAL_GET_HIVE_CLEAN_FLAG(HIVECLEANFLAG_USERS)', data: clean.users ? 'TRUE' : 'FALSE' };
  const removed: string[] = [];
  if (profileNames !== undefined && clean.users && onFileSystem && ramRegion === undefined) {
    for (const folder of volumeFiles.folders(joinDevicePath(profileNames))) removed.push(joinDevicePath([...profileNames, folder]));
    // Removals come first: a hive created afterwards may be inside a removed folder.
    actions.splice(0, 0, ...removed.map((path): StorageAction => ({ kind: 'remove-folder', path: onVolume(path), reason: 'HIVECLEANFLAG_USERS: every user profile folder is removed' })));
  }
  steps.push({
    step: 15,
    title: 'profiles and the users clean flag',
    result:
      profileNames === undefined
        ? 'no ProfileDir: user profiles live in the object store'
        : `profiles in ${joinDevicePath(profileNames)}${clean.users ? `; the OAL asks for clean users: ${removed.length === 0 ? 'no profile folder to remove' : `removes ${removed.join(', ')}`}` : ''}`,
    decidedBy: [vars.profileDir?.evidence ?? boot.evidence(BOOT_VARS, 'ProfileDir'), cleanUsersEvidence],
    notes: [],
  });

  const noDefaultUser = vars.noDefaultUser?.number === 1;
  const userName = options.user ?? (noDefaultUser ? undefined : (vars.defaultUser?.text ?? DEFAULT_USER));
  const userEvidence: Evidence[] = [boot.evidence(BOOT_VARS, 'NoDefaultUser'), boot.evidence(BOOT_VARS, 'DefaultUser'), ...(options.user === undefined ? [] : [{ source: '--user', what: 'SetCurrentUser', data: options.user }])];
  if (userName === undefined) {
    steps.push({ step: 16, title: 'the user', result: 'NoDefaultUser = 1: no user hive is loaded until SetCurrentUser', decidedBy: userEvidence, notes: [] });
    hives.push({ role: 'user', user: null, path: null, storage: 'object-store', outcome: 'NOT_LOADED', reason: 'NoDefaultUser = 1: no user hive until SetCurrentUser', storedSignature: null, ...NO_ROM_PROBLEMS, romSignature: romSignatures.user, regPersisted: false, decidedBy: userEvidence });
  } else if (system.role === 'combined') {
    steps.push({ step: 16, title: 'the user', result: `user ${userName}: the combined hive of the RAM region holds every user's data; the profile folder goes in the object store`, decidedBy: userEvidence, notes: [] });
  } else {
    const userPath = profileNames === undefined || !onFileSystem ? undefined : splitDevicePath(joinDevicePath([...profileNames, userName, USER_HIVE_FILE]));
    steps.push({
      step: 16,
      title: 'the user',
      result: `user ${userName}${userPath === undefined ? ', profile in the object store' : `, hive ${joinDevicePath(userPath.names)}`}${userPath !== undefined && (userPath.escapes || !isInside(userPath.names, profileNames!)) ? ' (outside ProfileDir)' : ''}`,
      decidedBy: userEvidence,
      notes: [],
    });
    let user: HiveDecision;
    if (userPath === undefined) {
      user = { role: 'user', user: userName, path: null, storage: 'object-store', outcome: 'CREATED', reason: "the user's hive lives in the object store and is created from ROM at every cold boot", storedSignature: null, ...NO_ROM_PROBLEMS, romSignature: romSignatures.user, regPersisted: false, decidedBy: [vars.profileDir?.evidence ?? boot.evidence(BOOT_VARS, 'ProfileDir')] };
    } else {
      const path = joinDevicePath(userPath.names);
      const wiped = removed.some((folder) => isInside(userPath.names, splitDevicePath(folder).names));
      user = decideHive({ role: 'user', user: userName, path, storage: 'file-system', bytes: wiped ? undefined : volumeFiles.find(path), rom: rom.user, romName: names.user, clean: false, cleanEvidence: cleanUsersEvidence, where: path, pathEvidence: [vars.profileDir!.evidence, ...userEvidence.filter((evidence) => evidence.data !== null || !evidence.what.endsWith('NoDefaultUser'))] });
      if (wiped) user = { ...user, outcome: 'CLEAN', reason: 'HIVECLEANFLAG_USERS: the profile folder was removed and the hive is recreated from ROM', decidedBy: [cleanUsersEvidence, ...user.decidedBy] };
      if (user.outcome !== 'KEPT') actions.push({ kind: 'create-hive', path: onVolume(path), rom: 'user', reason: user.reason });
    }
    hives.push(user);
    steps.push({ step: 17, title: 'load the user hive', result: `${user.outcome}: ${user.reason}${user.outcome === 'KEPT' ? '; RegPersisted = dword:1 under HKCU' : ''}`, decidedBy: user.decidedBy, notes: [] });
  }

  const count = (outcome: HiveOutcome): number => hives.filter((hive) => hive.outcome === outcome).length;
  return {
    romSignatures,
    bootVolume,
    steps,
    hives,
    lint,
    actions,
    summary: {
      kept: count('KEPT'),
      clean: count('CLEAN'),
      created: count('CREATED'),
      notLoaded: count('NOT_LOADED'),
      lintErrors: lint.filter((finding) => finding.severity === 'error').length,
      lintWarnings: lint.filter((finding) => finding.severity === 'warning').length,
      lintNotes: lint.filter((finding) => finding.severity === 'info').length,
    },
  };
}

/**
 * A device path as a path from the boot volume's root: a path under the volume's mount
 * folder loses that folder (a volume mounted as root keeps the path as it is).
 */
export function volumePath(config: BootConfiguration, devicePath: string): string {
  const volume = config.bootVolume;
  const mount = volume !== undefined && !volume.mountedAsRoot ? splitDevicePath(volume.mountPoint).names : [];
  const names = splitDevicePath(devicePath).names;
  return joinDevicePath(isInside(names, mount) ? names.slice(mount.length) : names);
}

/** One hive file of the boot volume, as the replay finds it. */
export interface StoredHive {
  role: 'system' | 'user';
  /** The user whose hive this is (role `user`). */
  user: string | null;
  /** The device path the boot configuration names (SystemHive; ProfileDir, the user, `user.hv`). */
  path: string;
  /** The same path from the boot volume's root: where it is in a storage folder. */
  volumePath: string;
  /** What the next boot on this ROM set does with it. */
  decision: HiveDecision;
}

/**
 * The hive files the next boot on `rom` looks for on `storage`: the system hive at
 * `SystemHive`, and the user hive of every folder under `ProfileDir` (each as the replay
 * finds it when that user is loaded), plus the default user's where no folder holds it
 * yet. Each comes with the replay's decision; `CREATED` means the file is not there.
 * Hives that do not live on a file system (the object store, no `SystemHive`) are not listed.
 */
export function storedHives(rom: RomSet, storage: StorageFolder): StoredHive[] {
  const names = rom.names ?? { boot: 'boot.hv', system: 'default.hv', user: 'user.hv' };
  const config = readBootConfiguration(new RegistryReader(rom.boot, names.boot));
  const found: StoredHive[] = [];
  const add = (decision: HiveDecision | undefined): void => {
    if (decision === undefined || decision.storage !== 'file-system' || decision.path === null || decision.role === 'combined') return;
    if (found.some((hive) => hive.path === decision.path)) return;
    found.push({ role: decision.role, user: decision.user, path: decision.path, volumePath: volumePath(config, decision.path), decision });
  };
  const first = replayBoot(rom, storage, { lint: false });
  for (const decision of first.hives) add(decision);
  const profileDir = config.bootVars.profileDir?.text;
  if (profileDir !== undefined && profileDir !== '' && hiveStorage(config) === 'file-system') {
    for (const user of storage.folders(volumePath(config, profileDir))) {
      if (user === '.' || user === '..' || /[\\/]/.test(user)) continue;
      add(replayBoot(rom, storage, { user, lint: false }).hives.find((hive) => hive.role === 'user'));
    }
  }
  return found;
}

/** The value that marks a volume bootable, relative to its key when it is one of its own. */
function markOf(volume: StorageProfile): string {
  const what = volume.bootable!.evidence.what;
  return what.toUpperCase().startsWith(volume.keyPath.toUpperCase() + '\\') ? what.slice(volume.keyPath.length + 1) : what;
}

/** What the switch from the boot hive to the system hive loses, from the lint. */
function switchNotes(lint: LintFinding[], names: { boot: string; system: string }): string[] {
  const lost = lint.filter((finding) => finding.code === 'BOOT_KEY_NOT_IN_DEFAULT').length;
  const changed = lint.filter((finding) => finding.code === 'BOOT_VALUE_DIFFERS' || finding.code === 'BOOT_VALUE_NOT_IN_DEFAULT').length;
  return [
    ...(lost === 0 ? [] : [`key(s) of ${names.boot} missing from ${names.system} vanish now (lint BOOT_KEY_NOT_IN_DEFAULT)`]),
    ...(changed === 0 ? [] : [`value(s) of ${names.boot} that ${names.system} lacks or holds differently change now (lint BOOT_VALUE_NOT_IN_DEFAULT, BOOT_VALUE_DIFFERS)`]),
  ];
}

/** `atapi.dll (4 keys), bcmatapi.dll`: the DLLs of a list of drivers. */
function countDlls(drivers: Array<{ dll: string }>): string {
  const counts = new Map<string, number>();
  for (const driver of drivers) counts.set(driver.dll, (counts.get(driver.dll) ?? 0) + 1);
  return [...counts].map(([dll, count]) => (count === 1 ? dll : `${dll} (${count} keys)`)).join(', ');
}

/** Evidence listed once each, in first-seen order. */
function distinct(list: Evidence[]): Evidence[] {
  const seen = new Set<string>();
  return list.filter((evidence) => {
    const text = renderEvidence(evidence);
    if (seen.has(text)) return false;
    seen.add(text);
    return true;
  });
}

/** A RAM region that holds no hive yet (all zero, or no hive magic) counts as none. */
function regionHive(bytes: Uint8Array): Uint8Array | undefined {
  return bytes.length >= 12 && bytes[8] === 0x45 && bytes[9] === 0x4b && bytes[10] === 0x49 && bytes[11] === 0x4d ? bytes : undefined;
}

interface HiveQuestion {
  role: HiveDecision['role'];
  user: string | null;
  path: string | null;
  storage: HiveDecision['storage'];
  bytes: Uint8Array | undefined;
  rom: Hive;
  romName: string;
  clean: boolean;
  cleanEvidence: Evidence;
  /** How the file is named in reports: its device path, or the region dump's name. */
  where: string;
  /** The values that name the file (SystemHive; ProfileDir and the user). */
  pathEvidence: Evidence[];
}

const NO_ROM_PROBLEMS = { linksBroken: 0, firstBrokenLink: null, romProblems: [] as string[] };

/**
 * §5 steps 10–12 and 17 for one hive: clean flag, then the file, then its ROM signature
 * against the ROM hive's (format guide §1, §3).
 */
function decideHive(question: HiveQuestion): HiveDecision {
  const romSignature = signatureOf(question.rom);
  const where = question.where;
  const base = { role: question.role, user: question.user, path: question.path, storage: question.storage, romSignature, ...NO_ROM_PROBLEMS };
  const romEvidence: Evidence = { source: question.romName, what: 'ROM signature', data: romSignature };
  if (question.bytes === undefined) {
    return { ...base, outcome: 'CREATED', reason: `${where} does not exist (first boot): created empty, linked to ${question.romName}`, storedSignature: null, regPersisted: false, decidedBy: [...question.pathEvidence, { source: question.storage === 'ram-region' ? '--ram-region' : 'STORAGEDIR', what: question.storage === 'ram-region' ? 'hive magic in the region' : where, data: null }] };
  }
  let hive: Hive | undefined;
  let damage: string | undefined;
  try {
    hive = openHive(question.bytes, { rom: question.rom, source: question.role });
  } catch (error) {
    if (!isHiveFormatError(error)) throw error;
    damage = error.message;
  }
  const storedSignature = question.bytes.length >= 0x38 ? hexBytes(question.bytes.subarray(0x28, 0x38)) : null;
  const fileEvidence: Evidence = { source: where, what: 'ROM signature', data: storedSignature };
  if (question.clean) {
    return { ...base, outcome: 'CLEAN', reason: `the clean flag is set: ${where} is deleted and recreated from ${question.romName}, whatever its signature`, storedSignature, regPersisted: false, decidedBy: [...question.pathEvidence, question.cleanEvidence, fileEvidence, romEvidence] };
  }
  if (hive === undefined) {
    return { ...base, outcome: 'CLEAN', reason: `${where} cannot be mounted (${damage}): deleted and recreated from ${question.romName}`, storedSignature, regPersisted: false, decidedBy: [...question.pathEvidence, fileEvidence] };
  }
  if (storedSignature !== romSignature) {
    return {
      ...base,
      outcome: 'CLEAN',
      reason: `its ROM signature ${storedSignature} differs from ${question.romName}'s ${romSignature}: deleted and recreated from ROM`,
      storedSignature,
      regPersisted: false,
      decidedBy: [...question.pathEvidence, fileEvidence, romEvidence],
    };
  }
  const kindNote = hive.kind === 'rom' ? ' (its references are those of a ROM hive: nothing in it links to ROM)' : '';
  const kept = { ...base, outcome: 'KEPT' as const, reason: `its ROM signature matches ${question.romName}'s: loaded and kept${kindNote}`, storedSignature, regPersisted: true, decidedBy: [...question.pathEvidence, fileEvidence, romEvidence] };
  // The device keeps it, but reads through its links into the ROM: the ROM check says
  // whether they lead where the hive was built to (a patched signature, or two builds
  // with one reginit.ini, pass the signature test).
  const check = checkRom(hive, question.rom);
  if (!check.applies || check.ok) return kept;
  const first = check.links.first[0];
  return {
    ...kept,
    reason: `its ROM signature matches ${question.romName}'s: loaded and kept, but it does not belong over this ROM hive: the device reads garbage through its links`,
    linksBroken: check.links.broken,
    firstBrokenLink: first === undefined ? null : { link: first.link, offset: first.offset, code: first.code },
    romProblems: check.problems,
  };
}

/** One line per step and hive, for text reports. */
export function renderStep(step: BootStep): string[] {
  return [`${step.step}. ${step.title}: ${step.result}`, ...step.notes.map((note) => `   note: ${note}`), ...step.decidedBy.map((evidence) => `   ${renderEvidence(evidence)}`)];
}
