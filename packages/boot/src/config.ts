import { HiveKey, walkTree, type Hive } from '@hivetool/hive';
import { foldName } from '@hivetool/registry';
import { RegistryReader, readValue, type Evidence, type RegistryValue } from './evidence.js';

/** Registry paths the start-up reads (registry sources guide §4 and §5). */
export const BOOT_VARS = 'HKEY_LOCAL_MACHINE\\init\\BootVars';
export const EVENTS = 'HKEY_LOCAL_MACHINE\\System\\Events';
export const STORAGE_MANAGER = 'HKEY_LOCAL_MACHINE\\System\\StorageManager';
export const PROFILES = `${STORAGE_MANAGER}\\Profiles`;
export const AUTOLOAD = `${STORAGE_MANAGER}\\AutoLoad`;
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
  /** Chosen through the partition driver's `PartitionTable` (the partition type decides on the device). */
  byPartitionTable: boolean;
  decidedBy: Evidence[];
}

export interface BlockDriver {
  keyPath: string;
  dll: string;
  /** Under `Drivers\RootKey` (`Drivers\BuiltIn`): the bus enumerator of device.exe loads it in the boot phase. */
  enumerated: boolean;
  /** The `StorageManager\AutoLoad` key whose `DriverPath` names it: the Storage Manager loads it itself, without device.exe. */
  autoLoad: string | undefined;
  /** How it names its profile: its `Profile` value, or the ATAPI default. */
  decidedBy: Evidence[];
}

/** A volume the Storage Manager may mount: a profile (`Profiles\<name>`) or a file system it loads itself (`AutoLoad\<name>` with a `Dll`). */
export interface StorageProfile {
  /** `profile`: a block device's profile; `autoload`: `StorageManager\AutoLoad\<name>` naming a file system DLL (the object store, relfsd). */
  kind: 'profile' | 'autoload';
  name: string;
  /** The profile's key (present or not: a profile named only by a driver has the defaults of `Profiles`), or the AutoLoad key. */
  keyPath: string;
  /** The value that marks it as the boot volume, undefined when it is not one. */
  bootable: RegistryValue | undefined;
  /** `MountFlags` bit 2 instead of `MountAsBootable` (before CE 5). */
  legacyBootFlag: boolean;
  /** `AutoLoad\ObjectStore` (`filesys.dll`): the RAM file system of the object store. */
  objectStore: boolean;
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
  const autoLoads = storage.filter((key) => foldName(key.parent) === foldName(AUTOLOAD));
  // AutoLoad entries with a DriverPath: block drivers the Storage Manager loads itself
  // (no device.exe needed), by the key their DriverPath names.
  const autoLoadedDrivers = new Map<string, KeySnapshot>();
  for (const entry of autoLoads) {
    const driverPath = get(entry, 'DriverPath')?.text;
    if (driverPath !== undefined && driverPath !== '') autoLoadedDrivers.set(foldName(`HKEY_LOCAL_MACHINE\\${driverPath.replace(/^\\+/, '')}`), entry);
  }
  const blockDrivers = findBlockDrivers(drivers, underRoot, autoLoadedDrivers);
  const profiles: StorageProfile[] = [];
  const seen = new Set<string>();
  for (const key of storage) {
    if (foldName(key.parent) !== foldName(PROFILES)) continue;
    seen.add(foldName(key.name));
    profiles.push(readProfile(key, storage, byPath, profilesKey, blockDrivers, autoLoads));
  }
  // A profile named only by an AutoLoad block driver takes the defaults of `Profiles`.
  for (const driver of blockDrivers) {
    if (driver.autoLoad === undefined || seen.has(foldName(driver.profile))) continue;
    seen.add(foldName(driver.profile));
    const key: KeySnapshot = { path: `${PROFILES}\\${driver.profile}`, name: driver.profile, parent: PROFILES, values: new Map() };
    profiles.push(readProfile(key, storage, byPath, profilesKey, blockDrivers, autoLoads));
  }
  for (const entry of autoLoads) {
    const dll = get(entry, 'Dll');
    if (dll?.text !== undefined && dll.text !== '') profiles.push(readAutoLoadVolume(entry, dll));
  }
  const bootable = profiles.filter((profile) => profile.bootable !== undefined);
  const loaded = (profile: StorageProfile): boolean => profile.blockDrivers.some((driver) => driver.enumerated || driver.autoLoad !== undefined);
  const bootVolume =
    bootable.find(loaded) ?? bootable.find((profile) => profile.kind === 'autoload') ?? bootable.find((profile) => profile.blockDrivers.length > 0) ?? bootable[0];
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

/** `MountFlags` bits and the values that override them (Microsoft's common.reg, CE 7 comment of `StorageManager\Profiles`). */
export const MOUNT_FLAG_BITS = {
  MountHidden: 0x1,
  MountAsBootable: 0x2,
  MountAsRoot: 0x4,
  MountAsROM: 0x10,
  MountSystem: 0x20,
  MountPermanent: 0x40,
  MountAsNetwork: 0x80,
} as const;

/**
 * A mount flag of a volume, read from `levels`, the most specific first
 * (`Profiles\<profile>\<file system>`, `Profiles\<profile>`, `AutoLoad\<name>`,
 * `Profiles`): the first level that sets the named value or `MountFlags` decides; at one
 * level the named value overrides `MountFlags`. Undefined when no level sets either.
 */
export function mountFlag(levels: ReadonlyArray<KeySnapshot | undefined>, name: keyof typeof MOUNT_FLAG_BITS): { on: boolean; value: RegistryValue; legacy: boolean } | undefined {
  for (const level of levels) {
    const named = get(level, name);
    if (named !== undefined) return { on: (dword(named) ?? 0) !== 0, value: named, legacy: false };
    const flags = get(level, 'MountFlags');
    if (flags !== undefined) return { on: ((dword(flags) ?? 0) & MOUNT_FLAG_BITS[name]) !== 0, value: flags, legacy: true };
  }
  return undefined;
}

function readProfile(
  key: KeySnapshot,
  storage: KeySnapshot[],
  byPath: Map<string, KeySnapshot>,
  profilesKey: KeySnapshot | undefined,
  blockDrivers: Array<BlockDriver & { profile: string }>,
  autoLoads: KeySnapshot[],
): StorageProfile {
  const children = storage.filter((child) => foldName(child.parent) === foldName(key.path));
  // A subkey that marks the volume bootable names its file system (`Profiles\HDProfile\FATFS`).
  const marked = children.find((child) => mountFlag([child], 'MountAsBootable')?.on === true);
  const fileSystem = chooseFileSystem(key, marked, profilesKey, byPath);
  const fileSystemKey = marked ?? (fileSystem === undefined ? undefined : children.find((child) => foldName(child.name) === foldName(fileSystem.name)));
  const drivers = blockDrivers.filter((driver) => foldName(driver.profile) === foldName(key.name));
  const autoLoadKeys = autoLoads.filter((entry) => drivers.some((driver) => driver.autoLoad !== undefined && foldName(driver.autoLoad) === foldName(entry.path)));
  const levels = [fileSystemKey, key, ...autoLoadKeys, profilesKey];
  const bootFlag = mountFlag(levels, 'MountAsBootable');
  const asRoot = mountFlag(levels, 'MountAsRoot');
  const folder = [fileSystemKey, key, profilesKey].map((candidate) => get(candidate, 'Folder')).find((value) => value !== undefined);
  const mountedAsRoot = asRoot?.on === true;
  const mountPoint = mountedAsRoot ? '\\' : `\\${folder?.text ?? 'Mounted Volume'}`;
  const mountDecidedBy = [...(asRoot === undefined ? [] : [asRoot.value.evidence]), ...(mountedAsRoot || folder === undefined ? [] : [folder.evidence])];
  return {
    kind: 'profile',
    name: key.name,
    keyPath: key.path,
    bootable: bootFlag?.on === true ? bootFlag.value : undefined,
    legacyBootFlag: bootFlag?.on === true && bootFlag.legacy,
    objectStore: false,
    fileSystem,
    mountPoint,
    mountedAsRoot,
    mountDecidedBy,
    blockDrivers: drivers.map(({ profile: _profile, ...driver }) => driver),
  };
}

/** A file system the Storage Manager loads itself (`AutoLoad\<name>` with a `Dll`): the object store, relfsd. */
function readAutoLoadVolume(entry: KeySnapshot, dll: RegistryValue): StorageProfile {
  const bootFlag = mountFlag([entry], 'MountAsBootable');
  const asRoot = mountFlag([entry], 'MountAsRoot');
  const folder = get(entry, 'mount') ?? get(entry, 'Folder');
  const mountedAsRoot = asRoot?.on === true;
  return {
    kind: 'autoload',
    name: entry.name,
    keyPath: entry.path,
    bootable: bootFlag?.on === true ? bootFlag.value : undefined,
    legacyBootFlag: bootFlag?.on === true && bootFlag.legacy,
    objectStore: foldName(entry.name) === 'OBJECTSTORE' || foldName(dll.text ?? '') === 'FILESYS.DLL',
    fileSystem: { name: entry.name, dll: dll.text, found: true, byPartitionTable: false, decidedBy: [dll.evidence] },
    mountPoint: mountedAsRoot ? '\\' : `\\${folder?.text ?? entry.name}`,
    mountedAsRoot,
    mountDecidedBy: [...(asRoot === undefined ? [] : [asRoot.value.evidence]), ...(mountedAsRoot || folder === undefined ? [] : [folder.evidence])],
    blockDrivers: [],
  };
}

/**
 * The file system a profile mounts its volume with: the subkey that carries the boot mark
 * (`Profiles\HDProfile\FATFS`) names the Storage Manager key of the file system; otherwise
 * `DefaultFileSystem`, then `FileSystem` (a key name or a DLL name), of the profile, then
 * of `Profiles`; otherwise, with a partition driver, the partition type decides on the
 * device: the first file system of `StorageManager\PartitionTable` the boot hive can load.
 */
function chooseFileSystem(profile: KeySnapshot, markedKey: KeySnapshot | undefined, profilesKey: KeySnapshot | undefined, byPath: Map<string, KeySnapshot>): FileSystemChoice | undefined {
  const decidedBy: Evidence[] = [];
  let name: string | undefined;
  if (markedKey !== undefined) {
    name = markedKey.name;
    const mark = mountFlag([markedKey], 'MountAsBootable');
    if (mark !== undefined) decidedBy.push(mark.value.evidence);
  } else {
    const nonEmpty = (value: RegistryValue | undefined): boolean => value?.text !== undefined && value.text !== '';
    const named = [get(profile, 'DefaultFileSystem'), get(profile, 'FileSystem'), get(profilesKey, 'DefaultFileSystem'), get(profilesKey, 'FileSystem')].find(nonEmpty);
    if (named === undefined) return partitionTableFileSystem(profile, profilesKey, byPath);
    name = named.text!;
    decidedBy.push(named.evidence);
  }
  const loadable = fileSystemDll(name, byPath);
  if (loadable.dll !== undefined) {
    decidedBy.push(...loadable.decidedBy);
    return { name: loadable.name, dll: loadable.dll.text, found: loadable.dll.text !== undefined && loadable.dll.text !== '', byPartitionTable: false, decidedBy };
  }
  if (/\.dll$/i.test(name)) return { name, dll: name, found: true, byPartitionTable: false, decidedBy };
  // The profile may name the DLL directly beside the key name (`FileSystem="fatfsd.dll"`).
  const direct = get(profile, 'FileSystem');
  if (direct?.text !== undefined && /\.dll$/i.test(direct.text)) {
    decidedBy.push(direct.evidence);
    return { name, dll: direct.text, found: true, byPartitionTable: false, decidedBy };
  }
  decidedBy.push({ source: profile.values.values().next().value?.evidence.source ?? 'boot.hv', what: `${STORAGE_MANAGER}\\${name}\\Dll`, data: null });
  return { name, dll: undefined, found: false, byPartitionTable: false, decidedBy };
}

/** The file system of a partitioned volume: the partition driver maps the partition type through `PartitionTable`. */
function partitionTableFileSystem(profile: KeySnapshot, profilesKey: KeySnapshot | undefined, byPath: Map<string, KeySnapshot>): FileSystemChoice | undefined {
  const partitionDriver = [get(profile, 'PartitionDriverName'), get(profile, 'PartitionDriver'), get(profilesKey, 'PartitionDriverName'), get(profilesKey, 'PartitionDriver')].find((value) => value?.text !== undefined);
  if (partitionDriver?.text === undefined || partitionDriver.text === '') return undefined;
  const table = byPath.get(foldName(`${STORAGE_MANAGER}\\PartitionTable`));
  const names = [...(table?.values.values() ?? [])].filter((value) => value.text !== undefined && value.text !== '');
  for (const entry of names) {
    const loadable = fileSystemDll(entry.text!, byPath);
    if (loadable.dll?.text !== undefined && loadable.dll.text !== '') return { name: loadable.name, dll: loadable.dll.text, found: true, byPartitionTable: true, decidedBy: [partitionDriver.evidence, entry.evidence, ...loadable.decidedBy] };
  }
  const first = names[0];
  if (first === undefined) return undefined;
  const missing = fileSystemDll(first.text!, byPath);
  return { name: missing.name, dll: undefined, found: false, byPartitionTable: true, decidedBy: [partitionDriver.evidence, first.evidence, ...missing.decidedBy, { source: first.evidence.source, what: `${STORAGE_MANAGER}\\${missing.name}\\Dll`, data: null }] };
}

/**
 * The DLL of a Storage Manager file system key. A key without `Dll` but with
 * `DefaultFileSystem` is an installable file system (CE 7's `MSIFS`: its detectors pick the
 * file system of a volume, `DefaultFileSystem` when none claims it): followed one step.
 */
function fileSystemDll(name: string, byPath: Map<string, KeySnapshot>): { name: string; dll: RegistryValue | undefined; decidedBy: Evidence[] } {
  const key = byPath.get(foldName(`${STORAGE_MANAGER}\\${name}`));
  const dll = get(key, 'Dll');
  if (dll !== undefined) return { name, dll, decidedBy: [dll.evidence] };
  const fallback = get(key, 'DefaultFileSystem');
  if (fallback?.text === undefined || fallback.text === '' || foldName(fallback.text) === foldName(name)) return { name, dll: undefined, decidedBy: [] };
  const target = get(byPath.get(foldName(`${STORAGE_MANAGER}\\${fallback.text}`)), 'Dll');
  return { name: fallback.text, dll: target, decidedBy: [fallback.evidence, ...(target === undefined ? [] : [target.evidence])] };
}

/**
 * Block drivers of the boot hive and the profile each exposes: drivers with a `Profile`
 * value, and disk drivers under an IDE controller template (`Prefix` `DSK` under a key with
 * `Prefix` `IDE`) without one, which Microsoft's ATAPI driver reports as `HDProfile`.
 * Each is loaded by device.exe's bus enumerator (under `Drivers\RootKey`), by the Storage
 * Manager (named by an `AutoLoad` `DriverPath`), or not at boot.
 */
function findBlockDrivers(drivers: KeySnapshot[], underRoot: (path: string) => boolean, autoLoaded: Map<string, KeySnapshot>): Array<BlockDriver & { profile: string }> {
  const found: Array<BlockDriver & { profile: string }> = [];
  const byPath = new Map(drivers.map((key) => [foldName(key.path), key]));
  for (const key of drivers) {
    const dll = get(key, 'Dll');
    if (dll?.text === undefined) continue;
    const loader = autoLoaded.get(foldName(key.path));
    const base = { keyPath: key.path, dll: dll.text, enumerated: underRoot(key.path), autoLoad: loader?.path };
    const how = loader === undefined ? [] : [get(loader, 'DriverPath')!.evidence];
    const named = get(key, 'Profile');
    if (named !== undefined) {
      if (named.text !== undefined && named.text !== '') found.push({ ...base, profile: named.text, decidedBy: [named.evidence, dll.evidence, ...how] });
      continue;
    }
    const prefix = get(key, 'Prefix');
    const parentPrefix = get(byPath.get(foldName(key.parent)), 'Prefix');
    if (prefix?.text !== undefined && foldName(prefix.text) === 'DSK' && parentPrefix?.text !== undefined && foldName(parentPrefix.text) === 'IDE') {
      found.push({ ...base, profile: 'HDProfile', decidedBy: [prefix.evidence, parentPrefix.evidence, dll.evidence, ...how] });
    } else if (loader !== undefined) {
      // An AutoLoad block driver without a Profile value: its profile is the AutoLoad key's name.
      found.push({ ...base, profile: loader.name, decidedBy: [dll.evidence, ...how] });
    }
  }
  return found;
}

/** Boot phases and whether device.exe starts in the boot phase (`Flags` 1/4, 2/8; `Start DevMgr`). */
export function bootPhases(vars: BootVars): { phases: boolean; deviceManagerEarly: boolean } {
  const flags = vars.flags?.number ?? 0;
  return { phases: (flags & 0x5) !== 0, deviceManagerEarly: (flags & 0xa) !== 0 || vars.startDevMgr?.number === 1 };
}

/**
 * Where the system hive lives (registry sources guide §4, §5 steps 7–8): on the boot
 * volume's file system when `SystemHive` is set and a volume other than the object store
 * is marked bootable; otherwise in the object store (with no bootable volume, no file
 * system registers for the hives; `AutoLoad\ObjectStore` marked bootable is Microsoft's
 * choice without `PRJ_ENABLE_FSREGHIVE`). `lint` and `boot` both decide by this.
 */
export function hiveStorage(config: BootConfiguration): 'file-system' | 'object-store' {
  const systemHive = config.bootVars.systemHive?.text;
  if (systemHive === undefined || systemHive === '') return 'object-store';
  return config.bootVolume !== undefined && !config.bootVolume.objectStore ? 'file-system' : 'object-store';
}
