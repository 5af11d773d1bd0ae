/**
 * FAT12/16/32 images made by Debian's real tools (`mkfs.fat` from dosfstools, `mcopy`,
 * `mdel`, `mmd` from mtools), holding real hives where a Windows CE device keeps them:
 * `\Documents and Settings\system.hv` (a persistent hive linked into the corpus ROM,
 * overwritten with an edited version) and a user profile's `user.hv`, both fragmented on
 * purpose (the volume filled with small files, every other one deleted, the hives copied
 * into the holes); a contiguous hive and a fragmented one deleted. Then what the tools
 * cannot make: TFAT states (flash guide §5) and an MBR partition table, written here.
 * Each image comes with what was placed, so a test checks that exactly that is found.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { accessSync, constants, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeLinkedHive, openHive, readTree } from '@hivetool/hive';
import { RegTreeBuilder } from '@hivetool/registry';
import { corpusBytes } from './corpus.js';
import { REPO_ROOT } from './corpus.js';
import { prng } from './random.js';

export type FatBits = 12 | 16 | 32;

export interface PlacedFile {
  /** Path on the volume, as `media` reports it. */
  path: string;
  sha256: string;
  deleted: boolean;
  /** Copied into the holes left by deleted small files. */
  fragmented: boolean;
}

export interface FatImage {
  path: string;
  bits: FatBits;
  /** Files placed that are still there, and deleted ones. */
  files: PlacedFile[];
  /** Bytes of every file still there, by path (to check TFAT states against). */
  live: Map<string, Uint8Array>;
}

const TOOLS = ['mkfs.fat', 'mcopy', 'mdel', 'mmd'];

/** The executable `name` on the PATH, resolved (looked up without starting a shell), or undefined. */
function toolPath(name: string): string | undefined {
  for (const folder of (process.env['PATH'] ?? '').split(delimiter)) {
    if (folder === '') continue;
    try {
      const path = join(folder, name);
      accessSync(path, constants.X_OK);
      if (statSync(path).isFile()) return realpathSync(path);
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/** mkfs.fat, mcopy, mdel and mmd are all there. */
export const fatToolsAvailable: boolean = TOOLS.every((name) => toolPath(name) !== undefined);

let warned = false;

/** `describe` when the FAT tools are installed, otherwise `describe.skip` with a message saying so. */
export function describeFatTools(describe: { (name: string, fn: () => void): void; skip(name: string, fn: () => void): void }): (name: string, fn: () => void) => void {
  if (fatToolsAvailable) return describe;
  return (name, fn) => {
    if (!warned) {
      process.stderr.write('\n[hivetool tests] mkfs.fat or mtools not found (Debian packages dosfstools, mtools): tests on generated FAT images are SKIPPED\n');
      warned = true;
    }
    describe.skip(`${name} (SKIPPED: mkfs.fat/mtools not installed)`, fn);
  };
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Two versions of a persistent system.hv linked into the corpus's default.hv: a value changed, then a key added. */
export function persistentVersions(): [Uint8Array, Uint8Array] {
  const rom = openHive(corpusBytes('default.hv'), { source: 'rom' });
  const edit = (reg: string): Uint8Array => encodeLinkedHive(rom, RegTreeBuilder.fromTree(readTree(rom), { newEntriesFirst: true }).apply(reg).tree());
  const first = edit('[HKEY_LOCAL_MACHINE\\init\\BootVars]\n"SystemHive"="Documents and Settings\\\\system.hv"\n"Start DevMgr"=dword:1\n');
  const second = edit('[HKEY_LOCAL_MACHINE\\init\\BootVars]\n"SystemHive"="Documents and Settings\\\\system.hv"\n"Start DevMgr"=dword:2\n[HKEY_LOCAL_MACHINE\\Comm\\hivetool]\n"Edited"=dword:1\n');
  return [first, second];
}

const MKFS: Record<FatBits, string[]> = {
  // 1 KiB clusters on FAT12 (≤ 4084 clusters), 512-byte ones on FAT16 and FAT32 (≥ 65525 clusters).
  12: ['-F', '12', '-s', '2'],
  16: ['-F', '16', '-s', '1'],
  32: ['-F', '32', '-s', '1'],
};
const KIB: Record<FatBits, number> = { 12: 3072, 16: 12288, 32: 40960 };

/**
 * Images are made once and kept in a cache folder under the OS's temporary folder, one
 * entry per key: a hash of what decides the image (this module's and the generator's
 * code, the hives placed, the tools' files, the FAT type and the seed). Each test file
 * gets its own copy; an entry is written to a temporary folder and renamed into place, so
 * test files running at the same time never see half an entry. Entries unused for a week
 * are removed.
 */
const CACHE = join(tmpdir(), 'hivetool-test-cache');
const WEEK_MS = 7 * 24 * 3600 * 1000;
/** The steps of larger images (FAT32, test:long only) are not kept: nine copies of 40 MiB. */
const MAX_CACHED_STEPS_BYTES = 16 * 1024 * 1024;

interface CachedImage {
  bits: FatBits;
  files: PlacedFile[];
  /** Paths of the live files, and the names of their bytes' files in the entry. */
  live: Array<[string, string]>;
  /** Labels of the steps, and the names of their bytes' files (none when not kept). */
  steps: Array<[string, string]>;
}

function sourceOf(url: string): string {
  return readFileSync(fileURLToPath(new URL(url, import.meta.url)), 'utf8');
}

/** The cache key of an image (see CACHE). */
function cacheKey(bits: FatBits, seed: number, withSteps: boolean): string {
  const hash = createHash('sha256');
  for (const text of [sourceOf(import.meta.url), sourceOf('./random.js'), String(bits), String(seed), String(withSteps)]) hash.update(text).update('\0');
  for (const bytes of [readFileSync(join(REPO_ROOT, 'samples/device.hv')), corpusBytes('boot.hv'), corpusBytes('user.hv'), ...persistentVersions()]) hash.update(bytes);
  for (const name of TOOLS) {
    const path = toolPath(name) ?? name;
    const stat = existsSync(path) ? statSync(path) : undefined;
    hash.update(`${path}:${stat?.size ?? 0}:${stat?.mtimeMs ?? 0}\0`);
  }
  return hash.digest('hex').slice(0, 32);
}

/** Removes entries (and leftover temporary folders) unused for a week. */
function pruneCache(): void {
  for (const name of readdirSync(CACHE)) {
    try {
      if (Date.now() - statSync(join(CACHE, name)).mtimeMs > WEEK_MS) rmSync(join(CACHE, name), { recursive: true, force: true });
    } catch {
      // removed by another test file meanwhile
    }
  }
}

/** The cache entry of an image, made first when there is none; its folder. */
function cachedImage(bits: FatBits, seed: number, withSteps: boolean): string {
  const entry = join(CACHE, cacheKey(bits, seed, withSteps));
  if (existsSync(join(entry, 'image.json'))) {
    // Used now: kept another week.
    const now = new Date();
    utimesSync(entry, now, now);
    return entry;
  }
  mkdirSync(CACHE, { recursive: true });
  pruneCache();
  const work = `${entry}.tmp-${process.pid}-${Math.floor(Math.random() * 1e9)}`;
  const build = join(work, 'build');
  mkdirSync(build, { recursive: true });
  try {
    const steps: Array<[string, string]> = [];
    const made = buildFatImage(build, bits, seed, withSteps ? (label, bytes) => {
      const name = `step-${steps.length}.bin`;
      writeFileSync(join(work, name), bytes);
      steps.push([label, name]);
    } : undefined);
    renameSync(made.path, join(work, 'image.bin'));
    const live: Array<[string, string]> = [...made.live].map(([path, bytes], i) => {
      writeFileSync(join(work, `live-${i}.bin`), bytes);
      return [path, `live-${i}.bin`];
    });
    rmSync(build, { recursive: true, force: true });
    const cached: CachedImage = { bits, files: made.files, live, steps };
    writeFileSync(join(work, 'image.json'), JSON.stringify(cached));
    try {
      renameSync(work, entry);
    } catch (error) {
      // Another test file made it first: theirs is the same image.
      if (!existsSync(join(entry, 'image.json'))) throw error;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return entry;
}

/**
 * Makes `image.fat<bits>` in `dir` with the real tools, step by step as a device would
 * leave it (see the file comment); `onStep` is given each step's bytes. Seeded: the same
 * seed gives the same filler bytes. The image is a copy of the one in the cache (CACHE).
 */
export function makeFatImage(dir: string, bits: FatBits, seed = bits, onStep?: (label: string, bytes: Uint8Array) => void): FatImage {
  if (onStep !== undefined && KIB[bits] * 1024 > MAX_CACHED_STEPS_BYTES) return buildFatImage(dir, bits, seed, onStep);
  const entry = cachedImage(bits, seed, onStep !== undefined);
  const cached = JSON.parse(readFileSync(join(entry, 'image.json'), 'utf8')) as CachedImage;
  const path = join(dir, `image.fat${bits}`);
  copyFileSync(join(entry, 'image.bin'), path);
  for (const [label, name] of cached.steps) onStep?.(label, new Uint8Array(readFileSync(join(entry, name))));
  return { path, bits, files: cached.files, live: new Map(cached.live.map(([file, name]) => [file, new Uint8Array(readFileSync(join(entry, name)))])) };
}

/** makeFatImage without the cache. */
function buildFatImage(dir: string, bits: FatBits, seed: number, onStep?: (label: string, bytes: Uint8Array) => void): FatImage {
  const image = join(dir, `image.fat${bits}`);
  const env = { ...process.env, MTOOLS_SKIP_CHECK: '1', MTOOLS_NO_VFAT: '' };
  const run = (tool: string, args: string[]): void => void execFileSync(tool, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const put = (bytes: Uint8Array, target: string, overwrite = false): void => {
    const temporary = join(dir, 'put.tmp');
    writeFileSync(temporary, bytes);
    run('mcopy', ['-i', image, ...(overwrite ? ['-o'] : []), temporary, `::${target}`]);
  };
  const random = prng(seed);
  rmSync(image, { force: true });
  run('mkfs.fat', ['-C', image, ...MKFS[bits], String(KIB[bits])]);
  run('mmd', ['-i', image, '::Documents and Settings', '::Documents and Settings/default', '::Windows', '::fill']);
  // Each step's bytes, for a caller that lays the volume's history on a simulated flash.
  const step = (label: string): void => onStep?.(label, new Uint8Array(readFileSync(image)));
  step('formatted');
  const device = new Uint8Array(readFileSync(join(REPO_ROOT, 'samples/device.hv')));
  const boot = corpusBytes('boot.hv');
  const user = corpusBytes('user.hv');
  const [systemFirst, systemSecond] = persistentVersions();
  // Written on the empty volume: contiguous; deleted at the very end, nothing overwrites it.
  put(device, 'Windows/device (previous).hv');
  step('device.hv copied');
  // Small files of two clusters, every other one deleted: holes the hives are copied into.
  const clusterBytes = bits === 12 ? 1024 : 512;
  const fillers: string[] = [];
  for (let i = 0; i < 400; i++) {
    const name = join(dir, `f${i}`);
    const bytes = new Uint8Array(2 * clusterBytes);
    for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(random() * 256);
    writeFileSync(name, bytes);
    fillers.push(name);
  }
  run('mcopy', ['-i', image, ...fillers, '::fill/']);
  step('filled');
  run('mdel', ['-i', image, ...fillers.filter((_, i) => i % 2 === 0).map((name) => `::fill/${name.slice(dir.length + 1)}`)]);
  if (bits === 32) {
    // FAT32 keeps a next-free hint in its FSInfo sector, which mtools follows past the
    // holes; a hint of "unknown" (0xFFFFFFFF) makes it search from the first cluster.
    const bytes = readFileSync(image);
    const fsInfo = bytes.readUInt16LE(0x30) * bytes.readUInt16LE(0x0b);
    bytes.writeUInt32LE(0xffffffff, fsInfo + 492);
    writeFileSync(image, bytes);
  }
  step('every other filler deleted');
  put(boot, 'Documents and Settings/boot (old copy).hv');
  step('boot (old copy).hv copied');
  put(systemFirst, 'Documents and Settings/system.hv');
  step('system.hv copied');
  put(user, 'Documents and Settings/default/user.hv');
  step('user.hv copied');
  put(systemSecond, 'Documents and Settings/system.hv', true);
  step('system.hv overwritten');
  run('mdel', ['-i', image, '::Documents and Settings/boot (old copy).hv', '::Windows/device (previous).hv']);
  step('two hives deleted');
  const files: PlacedFile[] = [
    { path: '\\Documents and Settings\\system.hv', sha256: sha256(systemSecond), deleted: false, fragmented: true },
    { path: '\\Documents and Settings\\default\\user.hv', sha256: sha256(user), deleted: false, fragmented: true },
    { path: '\\Windows\\device (previous).hv', sha256: sha256(device), deleted: true, fragmented: false },
    { path: '\\Documents and Settings\\boot (old copy).hv', sha256: sha256(boot), deleted: true, fragmented: true },
  ];
  const live = new Map<string, Uint8Array>([
    ['\\Documents and Settings\\system.hv', systemSecond],
    ['\\Documents and Settings\\default\\user.hv', user],
  ]);
  return { path: image, bits, files, live };
}

/** Which TFAT state to write (flash guide §5). */
export type TfatCase = 'committed' | 'pending' | 'fat-count-zero';

/**
 * Turns a FAT volume image into TFAT (type string `TFAT`) and, for `pending` and
 * `fat-count-zero`, leaves a transaction open on `path`: its last cluster is rewritten into
 * a free cluster in FAT1 only (TFAT gives changed data new clusters; FAT0 keeps the old
 * chain), with the cluster-1 entry of FAT1 pending (0xFFFE, in progress 0xFFFD for a
 * cut commit) and, for `fat-count-zero`, the number-of-FATs field 0. Returns the file's
 * bytes in the uncommitted state (FAT1), or undefined for `committed`.
 */
export function makeTfat(bytes: Uint8Array, state: TfatCase, firstCluster: number, size: number): Uint8Array | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bytesPerSector = view.getUint16(0x0b, true);
  const sectorsPerCluster = bytes[0x0d]!;
  const reserved = view.getUint16(0x0e, true);
  const fats = bytes[0x10]!;
  const rootEntries = view.getUint16(0x11, true);
  const sectorsPerFat = view.getUint16(0x16, true) || view.getUint32(0x24, true);
  const fat32 = rootEntries === 0;
  const totalSectors = view.getUint16(0x13, true) || view.getUint32(0x20, true);
  const dataStart = (reserved + fats * sectorsPerFat + Math.ceil((rootEntries * 32) / bytesPerSector)) * bytesPerSector;
  const clusters = Math.floor((totalSectors * bytesPerSector - dataStart) / (bytesPerSector * sectorsPerCluster));
  const bits: FatBits = fat32 ? 32 : clusters < 4085 ? 12 : 16;
  bytes.set(new TextEncoder().encode('TFAT    '), fat32 ? 0x52 : 0x36);
  if (state === 'committed') return undefined;
  const fatAt = (fat: number): number => (reserved + fat * sectorsPerFat) * bytesPerSector;
  const get = (fat: number, cluster: number): number => {
    if (bits === 32) return view.getUint32(fatAt(fat) + cluster * 4, true) & 0x0fffffff;
    if (bits === 16) return view.getUint16(fatAt(fat) + cluster * 2, true);
    const pair = view.getUint16(fatAt(fat) + cluster + (cluster >>> 1), true);
    return cluster & 1 ? pair >>> 4 : pair & 0xfff;
  };
  const set = (fat: number, cluster: number, value: number): void => {
    if (bits === 32) view.setUint32(fatAt(fat) + cluster * 4, value, true);
    else if (bits === 16) view.setUint16(fatAt(fat) + cluster * 2, value, true);
    else {
      const at = fatAt(fat) + cluster + (cluster >>> 1);
      const pair = view.getUint16(at, true);
      view.setUint16(at, cluster & 1 ? (pair & 0x000f) | (value << 4) : (pair & 0xf000) | value, true);
    }
  };
  const end = bits === 32 ? 0x0fffffff : bits === 16 ? 0xffff : 0xfff;
  const clusterSize = bytesPerSector * sectorsPerCluster;
  const chain = [firstCluster];
  while (chain.length < Math.ceil(size / clusterSize)) chain.push(get(0, chain[chain.length - 1]!));
  let free = clusters + 1;
  while (get(0, free) !== 0 || get(1, free) !== 0) free--;
  const last = chain[chain.length - 1]!;
  const offsetOf = (cluster: number): number => dataStart + (cluster - 2) * clusterSize;
  // The new data of the last cluster: the old one with its last byte inverted.
  const data = bytes.slice(offsetOf(last), offsetOf(last) + clusterSize);
  const tail = size - (chain.length - 1) * clusterSize - 1;
  data[tail] = data[tail]! ^ 0xff;
  bytes.set(data, offsetOf(free));
  if (chain.length > 1) set(1, chain[chain.length - 2]!, free);
  set(1, free, end);
  set(1, last, 0);
  set(1, 1, bits === 16 ? (state === 'pending' ? 0xfffe : 0xfffd) : state === 'pending' ? 0xffe : 0xffd);
  if (state === 'fat-count-zero') bytes[0x10] = 0;
  const file = new Uint8Array(size);
  chain.forEach((cluster, i) => file.set(bytes.subarray(offsetOf(cluster), offsetOf(cluster) + Math.min(clusterSize, size - i * clusterSize)), i * clusterSize));
  file.set(data.subarray(0, size - (chain.length - 1) * clusterSize), (chain.length - 1) * clusterSize);
  return file;
}

/**
 * A disk image with an MBR (one FAT partition at sector 2048, type `partitionType`) and,
 * between the table and the partition, a ROM hive as an OS image region holds it (found
 * by signature, not as a file).
 */
export function makePartitionedImage(volume: Uint8Array, partitionType: number, romHive: Uint8Array): Uint8Array {
  const start = 2048;
  const disk = new Uint8Array(start * 512 + volume.length);
  const view = new DataView(disk.buffer);
  disk[0x1be] = 0x80;
  disk[0x1be + 4] = partitionType;
  view.setUint32(0x1be + 8, start, true);
  view.setUint32(0x1be + 12, volume.length / 512, true);
  disk[510] = 0x55;
  disk[511] = 0xaa;
  disk.set(romHive, 64 * 1024);
  disk.set(volume, start * 512);
  return disk;
}


/**
 * Sets a cluster's 12-bit entry in both FATs of the checked-in FAT12 fixture
 * (packages/media/test/fixtures: 512-byte sectors, one reserved sector, FATs of one sector).
 */
export function setFixtureFat12Entry(image: Uint8Array, cluster: number, value: number): void {
  for (const fat of [0, 1]) {
    const at = 512 + fat * 512 + cluster + (cluster >>> 1);
    const pair = image[at]! | (image[at + 1]! << 8);
    const next = cluster & 1 ? (pair & 0x000f) | (value << 4) : (pair & 0xf000) | value;
    image[at] = next & 0xff;
    image[at + 1] = next >>> 8;
  }
}
