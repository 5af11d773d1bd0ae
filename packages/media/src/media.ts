import { carveImage } from '@hivetool/forensics';
import { isHiveFormatError, openHive, verifyHive } from '@hivetool/hive';
import { FindingList, type MediaFinding } from './errors.js';
import { openFatVolume, type FatType, type TfatState } from './fat.js';
import { findHiveFiles, type FindHiveOptions, type HiveFile } from './hives.js';
import { readPartitions, type Partition } from './mbr.js';
import { asByteSource, type MediaSource } from './source.js';

/** A finding with the layer it was found in (`image`, `partition 2`, `volume 1`). */
export interface LayerFinding extends MediaFinding {
  layer: string;
}

export interface VolumeReport {
  /** 1-based, in the order found. */
  index: number;
  /** The partition it fills, or null for a volume at the start of the image. */
  partition: number | null;
  /** Offset of its boot sector in the image. */
  offset: number;
  /** Bytes the boot sector gives it. */
  length: number;
  type: FatType;
  /** `BS_FilSysType` (e.g. `FAT16`, `TFAT`). */
  typeString: string;
  label: string;
  bytesPerSector: number;
  clusterSize: number;
  clusterCount: number;
  fatCount: number;
  /** TFAT's state (flash guide §5); null on a plain FAT volume. */
  tfat: TfatState | null;
  /** FAT0 and FAT1 differ: both states were read. */
  fatsDiffer: boolean;
  /** Live and deleted file entries seen. */
  files: number;
  deletedFiles: number;
  hives: HiveFile[];
}

/** A ROM hive found by its header in the image's bytes (not as a file). */
export interface RomHive {
  offset: number;
  length: number;
  romSignature: string;
  keys: number;
  values: number;
  bytes: Uint8Array;
}

/** Where a persistent hive's ROM hive was found: a file on a volume, or by signature in the image. */
export type RomMatch = { where: 'file'; volume: number; path: string } | { where: 'image'; offset: number };

export interface MediaReport {
  size: number;
  /** The MBR's partitions, or null when the image has no partition table. */
  partitions: Omit<Partition, 'source'>[] | null;
  volumes: VolumeReport[];
  romHives: RomHive[];
  /**
   * For each persistent hive (by volume index and position in its `hives`): the ROM hives
   * it reads with (its ROM signature, and every link into the ROM resolves there), and
   * those with its signature whose keys its links do not find (another ROM hive of the
   * same OS image: system.hv links into default.hv, not into user.hv).
   */
  pairs: { volume: number; hive: number; roms: RomMatch[]; rejected: RomMatch[] }[];
  findings: LayerFinding[];
}

export interface MediaOptions extends FindHiveOptions {
  /** Look for ROM hives by signature over the whole image (default true). */
  scanForRomHives?: boolean;
  /** Called as the signature scan goes, with bytes scanned and the image's size. */
  onProgress?: (scanned: number, total: number) => void;
}

const NO_SIGNATURE = '0'.repeat(32);

function withLayer(list: FindingList, layer: string, out: LayerFinding[]): void {
  for (const finding of list.findings) out.push({ ...finding, layer });
  if (list.omitted > 0) out.push({ code: 'LIMIT_REACHED', offset: 0, message: `${list.omitted} more findings of the same kinds left out`, layer });
}

function sameRuns(a: HiveFile, b: HiveFile): boolean {
  return a.size === b.size && a.runs.length === b.runs.length && a.runs.every((run, i) => run.offset === b.runs[i]!.offset && run.length === b.runs[i]!.length);
}

/** Whether every link of a persistent hive into the ROM resolves in this ROM hive (format guide §9). */
function readsWith(persistent: Uint8Array, romBytes: Uint8Array): boolean {
  try {
    const rom = openHive(romBytes, { source: 'rom' });
    return !verifyHive(persistent, { rom }).findings.some((finding) => finding.code.startsWith('ROM_LINK') || finding.code === 'SIGNATURE_DIFFERS');
  } catch (error) {
    // A ROM hive whose header cannot be opened reads nothing.
    if (isHiveFormatError(error)) return false;
    throw error;
  }
}

/**
 * What an image holds, layer by layer: its MBR partitions (or none), the FAT volumes in
 * them (or at its start), the hive files on each volume (deleted ones included; both
 * states of a TFAT volume with an open transaction), the ROM hives found by signature,
 * and which ROM hive each persistent hive links into. Never throws on damaged bytes:
 * what is wrong is in `findings`.
 */
export function examineMedia(source: MediaSource, options: MediaOptions = {}): MediaReport {
  const findings: LayerFinding[] = [];
  const imageFindings = new FindingList();
  const report: MediaReport = { size: source.size, partitions: null, volumes: [], romHives: [], pairs: [], findings };
  // A FAT boot sector also ends in 0x55AA: a volume at the start wins over a partition table.
  const places: { partition: number | null; offset: number; source: MediaSource }[] = [];
  const probe = new FindingList();
  if (openFatVolume(source, probe) !== undefined || probe.findings.length > 0) places.push({ partition: null, offset: 0, source });
  else {
    const partitions = readPartitions(source, imageFindings);
    if (partitions !== undefined) {
      report.partitions = partitions.map(({ source: _source, ...facts }) => facts);
      for (const partition of partitions) places.push({ partition: partition.index, offset: partition.offset, source: partition.source });
    }
  }
  withLayer(imageFindings, 'image', findings);
  for (const place of places) {
    const list = new FindingList();
    const volume = openFatVolume(place.source, list);
    const index = report.volumes.length + 1;
    if (volume !== undefined) {
      const differ = volume.fatsDiffer();
      if (differ) list.add('FATS_DIFFER', volume.boot.reservedSectors * volume.boot.bytesPerSector, volume.tfat === undefined ? 'FAT0 and FAT1 differ: files are read through each' : 'TFAT: FAT1 (active) differs from FAT0 (last known good): files are read through each, FAT1 giving the uncommitted state');
      const committed = findHiveFiles(volume, 0, list, options);
      const hives = committed.hives;
      if (differ || volume.tfat?.open === true) {
        for (const other of findHiveFiles(volume, 1, list, options).hives) {
          const same = hives.find((hive) => hive.entryOffset === other.entryOffset && hive.path === other.path && sameRuns(hive, other));
          if (same !== undefined) same.fats.push(1);
          else hives.push(other);
        }
      }
      report.volumes.push({
        index,
        partition: place.partition,
        offset: place.offset,
        length: volume.length,
        type: volume.type,
        typeString: volume.boot.typeString,
        label: volume.boot.label,
        bytesPerSector: volume.boot.bytesPerSector,
        clusterSize: volume.clusterSize,
        clusterCount: volume.clusterCount,
        fatCount: volume.fatCount,
        tfat: volume.tfat ?? null,
        fatsDiffer: differ,
        files: committed.files,
        deletedFiles: committed.deleted,
        hives,
      });
    }
    withLayer(list, volume === undefined ? (place.partition === null ? 'image' : `partition ${place.partition}`) : `volume ${index}`, findings);
  }
  if (options.scanForRomHives !== false) {
    // Hives that are files (contiguous ones are also found by their header) are not listed twice.
    const fileStarts = new Set<number>();
    for (const volume of report.volumes) for (const hive of volume.hives) if (hive.runs[0] !== undefined) fileStarts.add(volume.offset + hive.runs[0].offset);
    const carveOptions = options.onProgress === undefined ? { damagedBytes: false } : { damagedBytes: false, onProgress: options.onProgress };
    for (const found of carveImage(asByteSource(source), carveOptions)) {
      if (found.status !== 'hive' || found.kind !== 'rom' || found.bytes === undefined || fileStarts.has(found.offset)) continue;
      report.romHives.push({ offset: found.offset, length: found.length, romSignature: found.romSignature, keys: found.keys, values: found.values, bytes: found.bytes });
    }
  }
  for (const volume of report.volumes) {
    volume.hives.forEach((hive, position) => {
      if (hive.kind !== 'persistent' || hive.romSignature === '' || hive.romSignature === NO_SIGNATURE) return;
      const candidates: { match: RomMatch; bytes: Uint8Array }[] = [];
      for (const other of report.volumes) for (const rom of other.hives) if (rom.kind === 'rom' && rom.status === 'hive' && !rom.deleted && rom.romSignature === hive.romSignature) candidates.push({ match: { where: 'file', volume: other.index, path: rom.path }, bytes: rom.bytes });
      for (const rom of report.romHives) if (rom.romSignature === hive.romSignature) candidates.push({ match: { where: 'image', offset: rom.offset }, bytes: rom.bytes });
      const pair = { volume: volume.index, hive: position, roms: [] as RomMatch[], rejected: [] as RomMatch[] };
      for (const candidate of candidates) (readsWith(hive.bytes, candidate.bytes) ? pair.roms : pair.rejected).push(candidate.match);
      report.pairs.push(pair);
    });
  }
  return report;
}
