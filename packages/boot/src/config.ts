import { HiveKey, walkTree, type Hive } from '@hivetool/hive';
import { foldName } from '@hivetool/registry';
import { RegistryReader, readValue, type Evidence, type RegistryValue } from './evidence.js';

/** Registry paths the start-up reads (registry sources guide §4 and §5). */
export const BOOT_VARS = 'HKEY_LOCAL_MACHINE\\init\\BootVars';
export const EVENTS = 'HKEY_LOCAL_MACHINE\\System\\Events';
export const STORAGE_MANAGER = 'HKEY_LOCAL_MACHINE\\System\\StorageManager';
export const PROFILES = `${STORAGE_MANAGER}\\Profiles`;
export const DRIVERS = 'HKEY_LOCAL_MACHINE\\Drivers';

/** Interface class of block devices (`BLOCK_DRIVER_GUID`), in a driver's `IClass`. */
export const BLOCK_DEVICE_CLASS = '{A4E7EDDA-E575-4252-9D6B-4195D48BB865}';

/** Driver `Flags` bit: loaded in boot phase 1 only, not again from the system hive (§5). */
export const LOAD_ONCE_FLAG = 0x1000;

/** `init\BootVars` values (registry sources guide §4), each undefined when not set. */
export interface BootVars {
  systemHive: RegistryValue | undefined;
  profileDir: RegistryValue | undefined;
  startDevMgr: RegistryValue | undefined;
  defaultUser: RegistryValue | undefined;
  noDefaultUser: RegistryValue | undefined;
  registryFlags: RegistryValue | undefined;
  flags: RegistryValue | undefined;
}

/** A key of the boot hive with its values, by folded value name. */
export interface KeySnapshot {
  path: string;
  name: string;
  /** Path of the parent key. */
  parent: string;
  values: Map<string, RegistryValue>;
}

export interface FileSystemChoice {
  /** The Storage Manager key of the file system (`FATFS`), or the DLL named directly. */
  name: string;
  /** The DLL that mounts the volume, when the boot hive names it. */
  dll: string | undefined;
  /** Whether the boot hive holds what loading it needs (a `Dll` under its key, or a DLL name). */
  found: boolean;
  decidedBy: Evidence[];
}

export interface BlockDriver {
  keyPath: string;
  dll: string;
  /** Under `Drivers\RootKey` (`Drivers\BuiltIn`): the bus enumerator loads it in the boot phase. */
  enumerated: boolean;
  /** How it names its profile: its `Profile` value, or the ATAPI default. */
  decidedBy: Evidence[];
}

export interface StorageProfile {
  name: string;
  keyPath: string;
  /** The value that marks it as the boot volume, undefined when it is not one. */
  bootable: RegistryValue | undefined;
  /** `MountFlags` bit 2 instead of `MountAsBootable` (before CE 5). */
  legacyBootFlag: boolean;
  fileSystem: FileSystemChoice | undefined;
  /** Where the volume appears: `\` when mounted as root, else `\Folder`. */
  mountPoint: string;
  mountedAsRoot: boolean;
  mountDecidedBy: Evidence[];
  blockDrivers: BlockDriver[];
}

export interface DriverKey {
  keyPath: string;
  dll: RegistryValue;
  flags: RegistryValue | undefined;
  /** A direct subkey of `Drivers\RootKey`: loaded by the bus enumerator at each enumeration. */
  rootChild: boolean;
}

/** What the boot hive says about reaching the persistent registry. */
export interface BootConfiguration {
  bootVars: BootVars;
  events: RegistryValue[];
  storageManager: RegistryValue | undefined;
  rootKey: RegistryValue | undefined;
  profiles: StorageProfile[];
  drivers: DriverKey[];
  /** The profile whose volume holds the hives: the first bootable one reached by a loaded block driver. */
  bootVolume: StorageProfile | undefined;
  keys: KeySnapshot[];
}

const bootVarNames: Record<keyof BootVars, string> = {
  systemHive: 'SystemHive',
  profileDir: 'ProfileDir',
  startDevMgr: 'Start DevMgr',
  defaultUser: 'DefaultUser',
  noDefaultUser: 'NoDefaultUser',
  registryFlags: 'RegistryFlags',
  flags: 'Flags',
};

/** Every key of a hive under `path` (itself included) with its values, in walk order. */
export function snapshot(reader: RegistryReader, path: string): KeySnapshot[] {
  const start = reader.key(path);
  if (!(start instanceof HiveKey)) return [];
  const keys: KeySnapshot[] = [];
  const startPath = reader.storedPath(path);
  const byPath = new Map<string, KeySnapshot>();
  walkTree(
    start,
    startPath,
    {
      key(key, keyPath) {
        const cut = keyPath.lastIndexOf('\\');
        const entry: KeySnapshot = { path: keyPath, name: key.name, parent: keyPath.slice(0, cut), values: new Map() };
        keys.push(entry);
        byPath.set(keyPath, entry);
      },
      value(value, _key, keyPath) {
        byPath.get(keyPath)?.values.set(foldName(value.name), readValue(keyPath, value.name, value.type, value.data, reader.file));
      },
    },
    { includeStart: true },
  );
  return keys;
}

/** Every key of a whole hive with its values. */
export function snapshotHive(hive: Hive, file: string): KeySnapshot[] {
  const reader = new RegistryReader(hive, file);
  const keys: KeySnapshot[] = [];
  for (const root of hive.roots()) {
    for (const top of root.subkeys()) {
      if (top.kind === 'key') keys.push(...snapshot(reader, `${root.name}\\${top.name}`));
    }
  }
  return keys;
}

const get = (key: KeySnapshot | undefined, name: string): RegistryValue | undefined => key?.values.get(foldName(name));
const dword = (value: RegistryValue | undefined): number | undefined => value?.number;

/**
 * Reads the boot configuration from the boot hive: BootVars, events, the Storage Manager,
 * its profiles (which one is the boot volume, with which file system and block driver) and
 * the drivers of the boot phase.
 *
 * @throws {HiveFormatError} when the boot hive is damaged.
 */
export function readBootConfiguration(boot: RegistryReader): BootConfiguration {
  const bootVars = {} as BootVars;
  for (const [field, name] of Object.entries(bootVarNames) as Array<[keyof BootVars, string]>) bootVars[field] = boot.value(BOOT_VARS, name);
  const events = snapshot(boot, EVENTS)[0];
  const storage = snapshot(boot, STORAGE_MANAGER);
  const drivers = snapshot(boot, DRIVERS);
  const byPath = new Map<string, KeySnapshot>([...storage, ...drivers].map((key) => [foldName(key.path), key]));
  const rootKey = get(drivers[0], 'RootKey');
  const rootPath = rootKey?.text === undefined ? undefined : foldName(`HKEY_LOCAL_MACHINE\\${rootKey.text}`);
  const underRoot = (path: string): boolean => rootPath !== undefined && foldName(path).startsWith(rootPath + '\\');

  const driverKeys: DriverKey[] = [];
  for (const key of drivers) {
    const dll = get(key, 'Dll');
    if (dll === undefined) continue;
    driverKeys.push({ keyPath: key.path, dll, flags: get(key, 'Flags'), rootChild: rootPath !== undefined && foldName(key.parent) === rootPath });
  }

  const profilesKey = byPath.get(foldName(PROFILES));
  const profiles: StorageProfile[] = [];
  for (const key of storage) {
    if (foldName(key.parent) !== foldName(PROFILES)) continue;
    profiles.push(readProfile(key, storage, byPath, profilesKey, drivers, underRoot));
  }
  const bootable = profiles.filter((profile) => profile.bootable !== undefined);
  const bootVolume =
    bootable.find((profile) => profile.blockDrivers.some((driver) => driver.enumerated)) ?? bootable.find((profile) => profile.blockDrivers.length > 0) ?? bootable[0];
  return {
    bootVars,
    events: events === undefined ? [] : [...events.values.values()],
    storageManager: get(storage[0], 'Dll'),
    rootKey,
    profiles,
    drivers: driverKeys,
    bootVolume,
    keys: [...storage, ...drivers],
  };
}

function readProfile(
  key: KeySnapshot,
  storage: KeySnapshot[],
  byPath: Map<string, KeySnapshot>,
  profilesKey: KeySnapshot | undefined,
  drivers: KeySnapshot[],
  underRoot: (path: string) => boolean,
): StorageProfile {
  const children = storage.filter((child) => foldName(child.parent) === foldName(key.path));
  // CE 5 and later: `MountAsBootable=1` on the profile or on its file system's subkey;
  // before CE 5: `MountFlags` bit 2 (registry sources guide §4).
  let bootable: RegistryValue | undefined;
  let legacyBootFlag = false;
  let fileSystemKey: KeySnapshot | undefined;
  for (const candidate of [key, ...children]) {
    const mark = get(candidate, 'MountAsBootable');
    if (mark !== undefined && dword(mark) === 1) {
      bootable = mark;
      fileSystemKey = candidate === key ? undefined : candidate;
      break;
    }
  }
  if (bootable === undefined) {
    for (const candidate of [key, ...children]) {
      const flags = get(candidate, 'MountFlags');
      if (flags !== undefined && ((dword(flags) ?? 0) & 2) !== 0) {
        bootable = flags;
        legacyBootFlag = true;
        fileSystemKey = candidate === key ? undefined : candidate;
        break;
      }
    }
  }
  const fileSystem = chooseFileSystem(key, fileSystemKey, byPath);
  const mountKeys = fileSystemKey === undefined ? [key] : [fileSystemKey, key];
  const asRoot = mountKeys.map((candidate) => get(candidate, 'MountAsRoot')).find((value) => value !== undefined);
  const folder = mountKeys.map((candidate) => get(candidate, 'Folder')).find((value) => value !== undefined) ?? get(profilesKey, 'Folder');
  const mountedAsRoot = dword(asRoot) === 1;
  const mountPoint = mountedAsRoot ? '\\' : `\\${folder?.text ?? 'Mounted Volume'}`;
  const mountDecidedBy = [...(asRoot === undefined ? [] : [asRoot.evidence]), ...(mountedAsRoot || folder === undefined ? [] : [folder.evidence])];
  return {
    name: key.name,
    keyPath: key.path,
    bootable,
    legacyBootFlag,
    fileSystem,
    mountPoint,
    mountedAsRoot,
    mountDecidedBy,
    blockDrivers: blockDriversFor(key.name, drivers, underRoot),
  };
}

/**
 * The file system a profile mounts its volume with: the subkey that carries the boot mark
 * (`Profiles\HDProfile\FATFS`) names the Storage Manager key of the file system; otherwise
 * `DefaultFileSystem`, then `FileSystem` (a key name or a DLL name).
 */
function chooseFileSystem(profile: KeySnapshot, fileSystemKey: KeySnapshot | undefined, byPath: Map<string, KeySnapshot>): FileSystemChoice | undefined {
  const decidedBy: Evidence[] = [];
  let name: string | undefined;
  if (fileSystemKey !== undefined) {
    name = fileSystemKey.name;
    const mark = get(fileSystemKey, 'MountAsBootable') ?? get(fileSystemKey, 'MountFlags');
    if (mark !== undefined) decidedBy.push(mark.evidence);
  } else {
    const named = [get(profile, 'DefaultFileSystem'), get(profile, 'FileSystem')].find((value) => value?.text !== undefined && value.text !== '');
    if (named === undefined) return undefined;
    name = named.text!;
    decidedBy.push(named.evidence);
  }
  const fsKey = byPath.get(foldName(`${STORAGE_MANAGER}\\${name}`));
  const dll = get(fsKey, 'Dll');
  if (dll !== undefined) {
    decidedBy.push(dll.evidence);
    return { name, dll: dll.text, found: dll.text !== undefined && dll.text !== '', decidedBy };
  }
  if (/\.dll$/i.test(name)) return { name, dll: name, found: true, decidedBy };
  // The profile may name the DLL directly beside the key name (`FileSystem="fatfsd.dll"`).
  const direct = get(profile, 'FileSystem');
  if (direct?.text !== undefined && /\.dll$/i.test(direct.text)) {
    decidedBy.push(direct.evidence);
    return { name, dll: direct.text, found: true, decidedBy };
  }
  decidedBy.push({ source: profile.values.values().next().value?.evidence.source ?? 'boot.hv', what: `${STORAGE_MANAGER}\\${name}\\Dll`, data: null });
  return { name, dll: undefined, found: false, decidedBy };
}

/**
 * Block drivers that expose a volume of `profile`: drivers whose `Profile` value names it,
 * and, for `HDProfile`, disk drivers under an IDE controller template (`Prefix` `DSK`
 * under a key with `Prefix` `IDE`) without a `Profile` value, which Microsoft's ATAPI
 * driver reports as `HDProfile`.
 */
function blockDriversFor(profile: string, drivers: KeySnapshot[], underRoot: (path: string) => boolean): BlockDriver[] {
  const found: BlockDriver[] = [];
  const byPath = new Map(drivers.map((key) => [foldName(key.path), key]));
  for (const key of drivers) {
    const dll = get(key, 'Dll');
    if (dll?.text === undefined) continue;
    const named = get(key, 'Profile');
    if (named !== undefined) {
      if (named.text !== undefined && foldName(named.text) === foldName(profile)) found.push({ keyPath: key.path, dll: dll.text, enumerated: underRoot(key.path), decidedBy: [named.evidence, dll.evidence] });
      continue;
    }
    const prefix = get(key, 'Prefix');
    const parentPrefix = get(byPath.get(foldName(key.parent)), 'Prefix');
    if (foldName(profile) === 'HDPROFILE' && prefix?.text !== undefined && foldName(prefix.text) === 'DSK' && parentPrefix?.text !== undefined && foldName(parentPrefix.text) === 'IDE') {
      found.push({ keyPath: key.path, dll: dll.text, enumerated: underRoot(key.path), decidedBy: [prefix.evidence, parentPrefix.evidence, dll.evidence] });
    }
  }
  return found;
}

/** Boot phases and whether device.exe starts in the boot phase (`Flags` 1/4, 2/8; `Start DevMgr`). */
export function bootPhases(vars: BootVars): { phases: boolean; deviceManagerEarly: boolean } {
  const flags = vars.flags?.number ?? 0;
  return { phases: (flags & 0x5) !== 0, deviceManagerEarly: (flags & 0xa) !== 0 || vars.startDevMgr?.number === 1 };
}
