import type { FindingList } from './errors.js';
import type { MediaSource } from './source.js';

export type FatType = 'FAT12' | 'FAT16' | 'FAT32';

/** A file's data as the volume stores it: runs of contiguous bytes, in file order. */
export interface Run {
  /** Offset in the volume. */
  offset: number;
  /** Bytes in the run. */
  length: number;
}

/**
 * TFAT (flash guide §5): FAT0 is the last known good FAT, FAT1 the active one. A commit
 * updates FAT1, sets the number-of-FATs field to 0, copies FAT1 to FAT0, restores the field.
 */
export interface TfatState {
  /** The number-of-FATs field is 0: a commit was cut while FAT1 was copied to FAT0. */
  fatCountZero: boolean;
  /** The cluster-1 entry of FAT1 (the active FAT), raw. */
  statusRaw: number;
  /**
   * What the cluster-1 entry says, where its values are known (FAT16: 0xFFFE pending,
   * 0xFFFD in progress, 0xFFFC completed); `raw` on FAT12 and FAT32, whose values the
   * guide does not give, and for any other value.
   */
  status: 'pending' | 'in-progress' | 'completed' | 'raw';
  /** A transaction is open: FAT1 holds a newer, uncommitted state (read both). */
  open: boolean;
}

/** The boot sector's values (Microsoft's FAT specification; flash guide §5). */
export interface BootSector {
  bytesPerSector: number;
  sectorsPerCluster: number;
  reservedSectors: number;
  /** The number-of-FATs field as stored (0 in a cut TFAT commit). */
  fatCountField: number;
  rootEntries: number;
  totalSectors: number;
  sectorsPerFat: number;
  /** FAT32: the root folder's first cluster. */
  rootCluster: number;
  /** `BS_FilSysType`, trimmed (at 0x36, or 0x52 on FAT32). */
  typeString: string;
  /** Volume label of the boot sector, trimmed. */
  label: string;
}

const END_OF_CHAIN: Record<FatType, number> = { FAT12: 0xff8, FAT16: 0xfff8, FAT32: 0x0ffffff8 };
const BAD_CLUSTER: Record<FatType, number> = { FAT12: 0xff7, FAT16: 0xfff7, FAT32: 0x0ffffff7 };
/** Bytes of the FAT read at a time, and the most kept. */
const FAT_CHUNK = 4096;
const FAT_CACHE_CHUNKS = 1024;

function u16(bytes: Uint8Array, at: number): number {
  return bytes[at]! | (bytes[at + 1]! << 8);
}
function u32(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}
function text(bytes: Uint8Array, at: number, length: number): string {
  let out = '';
  for (const byte of bytes.subarray(at, at + length)) out += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '.';
  return out.trim();
}
const isPowerOfTwo = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;

/** How a chain was followed: its runs, the clusters in it, and why it ended. */
export interface Chain {
  runs: Run[];
  clusters: number;
  /** `end`: an end-of-chain mark; `limit`: the clusters asked for were read; otherwise the damage that stopped it. */
  ended: 'end' | 'limit' | 'loop' | 'past-volume' | 'free' | 'bad';
}

/**
 * A FAT12, FAT16 or FAT32 volume (TFAT included) opened on the bytes of its layer. Use
 * `openFatVolume`; it never throws on damaged bytes.
 */
export class FatVolume {
  readonly type: FatType;
  readonly tfat: TfatState | undefined;
  /** FATs present (the field, or 2 when a TFAT commit left it 0). */
  readonly fatCount: number;
  readonly clusterSize: number;
  /** Clusters 2 … clusterCount + 1 hold data. */
  readonly clusterCount: number;
  readonly dataOffset: number;
  readonly rootOffset: number;
  /** Bytes the boot sector gives the volume. */
  readonly length: number;
  private readonly cache = new Map<number, Uint8Array>();

  constructor(
    readonly source: MediaSource,
    readonly boot: BootSector,
    findings: FindingList,
  ) {
    const { bytesPerSector, sectorsPerCluster, reservedSectors, rootEntries, sectorsPerFat, totalSectors } = boot;
    this.fatCount = boot.fatCountField === 0 ? 2 : boot.fatCountField;
    const rootSectors = Math.ceil((rootEntries * 32) / bytesPerSector);
    const dataSector = reservedSectors + this.fatCount * sectorsPerFat + rootSectors;
    this.clusterSize = bytesPerSector * sectorsPerCluster;
    this.rootOffset = (reservedSectors + this.fatCount * sectorsPerFat) * bytesPerSector;
    this.dataOffset = dataSector * bytesPerSector;
    let clusters = Math.floor((totalSectors - dataSector) / sectorsPerCluster);
    // FAT32 is the layout without a fixed root folder; FAT12 and FAT16 follow from the
    // number of clusters (Microsoft's FAT specification; Linux reads small FAT32 volumes so too).
    this.type = rootEntries === 0 ? 'FAT32' : clusters < 4085 ? 'FAT12' : 'FAT16';
    const entryBits = this.type === 'FAT12' ? 12 : this.type === 'FAT16' ? 16 : 32;
    const entriesInFat = Math.floor((sectorsPerFat * bytesPerSector * 8) / entryBits);
    if (clusters + 2 > entriesInFat) {
      findings.add('BOOT_SECTOR_BAD', 0x16, `the FAT (${sectorsPerFat} sectors) holds ${entriesInFat} entries, fewer than the ${clusters + 2} the volume's clusters need: clusters past it are not read`);
      clusters = Math.max(0, entriesInFat - 2);
    }
    this.clusterCount = clusters;
    this.length = totalSectors * bytesPerSector;
    if (this.length > source.size) findings.add('IMAGE_CUT', source.size, `the volume claims ${this.length} bytes, but the image holds ${source.size} of them: what lies past the end reads as missing`);
    if (/^TFAT/i.test(boot.typeString)) {
      const statusRaw = this.fatEntry(1, 1);
      const status = this.type !== 'FAT16' ? 'raw' : statusRaw === 0xfffe ? 'pending' : statusRaw === 0xfffd ? 'in-progress' : statusRaw === 0xfffc ? 'completed' : 'raw';
      const fatCountZero = boot.fatCountField === 0;
      this.tfat = { fatCountZero, statusRaw, status, open: fatCountZero || status === 'pending' || status === 'in-progress' };
      if (fatCountZero) findings.add('FAT_COUNT_ZERO', 0x10, 'TFAT: the number-of-FATs field is 0, so a commit was cut while FAT1 was copied to FAT0; FAT1 holds the newer state, FAT0 the last known good one');
    } else {
      this.tfat = undefined;
      if (boot.fatCountField === 0) findings.add('BOOT_SECTOR_BAD', 0x10, 'the number-of-FATs field is 0 on a volume that is not TFAT: read as 2');
    }
  }

  /** Byte offset of a cluster's data in the volume. */
  clusterOffset(cluster: number): number {
    return this.dataOffset + (cluster - 2) * this.clusterSize;
  }

  /** Whether a cluster number names a data cluster of this volume. */
  isCluster(cluster: number): boolean {
    return cluster >= 2 && cluster < this.clusterCount + 2;
  }

  /** The entry of `cluster` in FAT number `fat` (0 = FAT0); 0 where the image is cut. */
  fatEntry(fat: number, cluster: number): number {
    const fatStart = (this.boot.reservedSectors + fat * this.boot.sectorsPerFat) * this.boot.bytesPerSector;
    const within = this.type === 'FAT12' ? cluster + (cluster >>> 1) : this.type === 'FAT16' ? cluster * 2 : cluster * 4;
    const at = fatStart + within;
    const chunkStart = at - (at % FAT_CHUNK);
    let chunk = this.cache.get(chunkStart);
    if (chunk === undefined) {
      if (this.cache.size >= FAT_CACHE_CHUNKS) this.cache.clear();
      // Four bytes of overlap: an entry across a chunk boundary is read from one chunk.
      chunk = this.source.read(chunkStart, FAT_CHUNK + 4);
      this.cache.set(chunkStart, chunk);
    }
    const i = at - chunkStart;
    if (i + (this.type === 'FAT32' ? 4 : 2) > chunk.length) return 0;
    if (this.type === 'FAT12') {
      const pair = u16(chunk, i);
      return cluster & 1 ? pair >>> 4 : pair & 0xfff;
    }
    return this.type === 'FAT16' ? u16(chunk, i) : u32(chunk, i) & 0x0fffffff;
  }

  /** Whether FAT0 and FAT1 differ on any cluster (read in chunks; the FATs are a small part of a volume). */
  fatsDiffer(): boolean {
    if (this.fatCount < 2) return false;
    const bytes = this.boot.sectorsPerFat * this.boot.bytesPerSector;
    const first = this.boot.reservedSectors * this.boot.bytesPerSector;
    const step = 1024 * 1024;
    for (let at = 0; at < bytes; at += step) {
      const take = Math.min(step, bytes - at);
      const a = this.source.read(first + at, take);
      const b = this.source.read(first + bytes + at, take);
      if (a.length !== b.length) return true;
      // The cluster-1 entry holds TFAT's transaction status, which differs between the copies by design.
      const skip = at === 0 ? (this.type === 'FAT12' ? 3 : this.type === 'FAT16' ? 4 : 8) : 0;
      for (let i = skip; i < a.length; i++) if (a[i] !== b[i]) return true;
    }
    return false;
  }

  /**
   * Follows the chain from `first` in FAT `fat` for at most `maxClusters` clusters,
   * merging contiguous clusters into runs. Loops (a cluster met twice) and clusters the
   * volume does not have end the chain, reported in `ended`; it never runs longer than
   * the volume has clusters.
   */
  chain(first: number, fat: number, maxClusters: number): Chain {
    const runs: Run[] = [];
    const seen = new Set<number>();
    let cluster = first;
    let clusters = 0;
    const limit = Math.min(maxClusters, this.clusterCount);
    const endMark = END_OF_CHAIN[this.type];
    const bad = BAD_CLUSTER[this.type];
    for (;;) {
      if (!this.isCluster(cluster)) return { runs, clusters, ended: 'past-volume' };
      if (seen.has(cluster)) return { runs, clusters, ended: 'loop' };
      seen.add(cluster);
      const offset = this.clusterOffset(cluster);
      const last = runs[runs.length - 1];
      if (last !== undefined && last.offset + last.length === offset) last.length += this.clusterSize;
      else runs.push({ offset, length: this.clusterSize });
      clusters++;
      if (clusters >= limit) return { runs, clusters, ended: 'limit' };
      const next = this.fatEntry(fat, cluster);
      if (next >= endMark) return { runs, clusters, ended: 'end' };
      if (next === bad) return { runs, clusters, ended: 'bad' };
      if (next === 0) return { runs, clusters, ended: 'free' };
      cluster = next;
    }
  }

  /** The bytes of runs, cut to `length` (shorter where the image ends). */
  readRuns(runs: readonly Run[], length: number): Uint8Array {
    // Never more than the runs hold: a directory entry's size alone allocates nothing.
    const out = new Uint8Array(Math.min(length, runs.reduce((sum, run) => sum + run.length, 0)));
    let at = 0;
    for (const run of runs) {
      if (at >= out.length) break;
      const take = Math.min(run.length, out.length - at);
      const bytes = this.source.read(run.offset, take);
      out.set(bytes, at);
      if (bytes.length < take) return out.subarray(0, at + bytes.length);
      at += take;
    }
    return out.subarray(0, at);
  }
}

/**
 * Reads the boot sector at the start of `source`; undefined when it is not one of a FAT
 * volume (no jump instruction, or values no FAT volume has), so that a caller can probe
 * any partition or image. Values that are possible but damage the volume give findings.
 */
export function readBootSector(source: MediaSource): BootSector | undefined {
  const sector = source.read(0, 512);
  if (sector.length < 512) return undefined;
  // BS_jmpBoot: EB ?? 90 or E9 ?? ??.
  if (!(sector[0] === 0xeb && sector[2] === 0x90) && sector[0] !== 0xe9) return undefined;
  const bytesPerSector = u16(sector, 0x0b);
  const sectorsPerCluster = sector[0x0d]!;
  const reservedSectors = u16(sector, 0x0e);
  const fatCountField = sector[0x10]!;
  const rootEntries = u16(sector, 0x11);
  const totalSectors = u16(sector, 0x13) || u32(sector, 0x20);
  const sectorsPerFat16 = u16(sector, 0x16);
  const sectorsPerFat = sectorsPerFat16 || u32(sector, 0x24);
  const fat32Layout = sectorsPerFat16 === 0;
  if (![512, 1024, 2048, 4096].includes(bytesPerSector) || !isPowerOfTwo(sectorsPerCluster) || sectorsPerCluster > 128) return undefined;
  if (reservedSectors === 0 || fatCountField > 4 || sectorsPerFat === 0 || totalSectors === 0) return undefined;
  // FAT32 has no fixed root folder; FAT12/16 need one.
  if (fat32Layout !== (rootEntries === 0)) return undefined;
  return {
    bytesPerSector,
    sectorsPerCluster,
    reservedSectors,
    fatCountField,
    rootEntries,
    totalSectors,
    sectorsPerFat,
    rootCluster: fat32Layout ? u32(sector, 0x2c) : 0,
    typeString: text(sector, fat32Layout ? 0x52 : 0x36, 8),
    label: text(sector, fat32Layout ? 0x47 : 0x2b, 11),
  };
}

/**
 * Opens the FAT volume at the start of `source`, or undefined when there is none there.
 * A boot sector whose values leave no data area gives a finding and no volume.
 */
export function openFatVolume(source: MediaSource, findings: FindingList): FatVolume | undefined {
  const boot = readBootSector(source);
  if (boot === undefined) return undefined;
  const fats = boot.fatCountField === 0 ? 2 : boot.fatCountField;
  const dataSector = boot.reservedSectors + fats * boot.sectorsPerFat + Math.ceil((boot.rootEntries * 32) / boot.bytesPerSector);
  if (dataSector >= boot.totalSectors || (boot.totalSectors - dataSector) / boot.sectorsPerCluster < 1) {
    findings.add('BOOT_SECTOR_BAD', 0x13, `the boot sector gives ${boot.totalSectors} sectors, but its reserved sectors, FATs and root folder take ${dataSector}: no room for data`);
    return undefined;
  }
  return new FatVolume(source, boot, findings);
}
