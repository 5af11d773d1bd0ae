import type { FindingList } from './errors.js';
import { sliceSource, type MediaSource } from './source.js';

/** MBR sectors are 512 bytes on the disks and SD cards Windows CE boots from. */
export const MBR_SECTOR = 512;
const ENTRIES_AT = 0x1be;
/** Logical partitions followed in an extended partition's chain of tables. */
const MAX_LOGICAL = 128;

/** Partition types of the flash guide §1 (and the extended-partition containers). */
const TYPE_NAMES: Record<number, string> = {
  0x01: 'FAT12',
  0x04: 'FAT16 (< 32 MiB)',
  0x05: 'extended',
  0x06: 'FAT16',
  0x0b: 'FAT32',
  0x0c: 'FAT32 (LBA)',
  0x0e: 'FAT16 (LBA)',
  0x0f: 'extended (LBA)',
  0x21: 'BINFS',
  0x25: 'IMGFS',
};

const EXTENDED = new Set([0x05, 0x0f]);

export interface Partition {
  /** 1–4 for primary partitions, 5 and up for logical ones, as Windows and Linux number them. */
  index: number;
  /** The partition type byte. */
  type: number;
  /** What the type byte means, or `unknown`. */
  typeName: string;
  /** The boot indicator (0x80 active). */
  active: boolean;
  /** First byte in the layer the table was read from. */
  offset: number;
  /** Bytes the table gives it (it may run past the end of the layer: see `cut`). */
  length: number;
  /** It runs past the end of the layer. */
  cut: boolean;
  /** Its bytes, as a layer of their own. */
  source: MediaSource;
}

function u32(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}

interface RawEntry {
  status: number;
  type: number;
  lba: number;
  sectors: number;
}

/** The four entries of a partition table sector, or undefined when the sector is not one. */
function tableEntries(sector: Uint8Array): RawEntry[] | undefined {
  if (sector.length < MBR_SECTOR || sector[510] !== 0x55 || sector[511] !== 0xaa) return undefined;
  const entries: RawEntry[] = [];
  for (let i = 0; i < 4; i++) {
    const at = ENTRIES_AT + i * 16;
    const status = sector[at]!;
    // The boot indicator is 0x00 or 0x80: anything else is not a partition table.
    if (status !== 0 && status !== 0x80) return undefined;
    entries.push({ status, type: sector[at + 4]!, lba: u32(sector, at + 8), sectors: u32(sector, at + 12) });
  }
  return entries;
}

/**
 * The partitions of an MBR partition table at the start of `source` (a disk or SD-card
 * image, or a flash's logical sector space), logical partitions of an extended partition
 * included. Undefined when sector 0 holds no table (no 0x55AA mark, a boot indicator
 * other than 0x00/0x80, or no entry in use). A boot sector of a FAT volume also ends in
 * 0x55AA: the caller tries the volume first.
 */
export function readPartitions(source: MediaSource, findings: FindingList): Partition[] | undefined {
  const entries = tableEntries(source.read(0, MBR_SECTOR));
  if (entries === undefined) return undefined;
  const used = entries.map((entry, i) => ({ entry, index: i + 1 })).filter(({ entry }) => entry.type !== 0 && entry.sectors !== 0);
  if (used.length === 0) return undefined;
  // Every entry must lie after the table itself: a table of random bytes rarely does.
  if (used.some(({ entry }) => entry.lba === 0)) return undefined;
  const partitions: Partition[] = [];
  const add = (index: number, entry: RawEntry, base: number): void => {
    const offset = (base + entry.lba) * MBR_SECTOR;
    const length = entry.sectors * MBR_SECTOR;
    if (offset >= source.size) {
      findings.add('PARTITION_BAD', ENTRIES_AT, `partition ${index} starts at sector ${base + entry.lba}, past the end of the image (${Math.floor(source.size / MBR_SECTOR)} sectors)`);
      return;
    }
    const cut = offset + length > source.size;
    if (cut) findings.add('IMAGE_CUT', offset, `partition ${index} claims ${length} bytes from 0x${offset.toString(16)}, but the image ends after ${source.size - offset} of them`);
    partitions.push({ index, type: entry.type, typeName: TYPE_NAMES[entry.type] ?? 'unknown', active: entry.status === 0x80, offset, length, cut, source: sliceSource(source, offset, length) });
  };
  let logical = 5;
  for (const { entry, index } of used) {
    if (!EXTENDED.has(entry.type)) {
      add(index, entry, 0);
      continue;
    }
    // Extended partition: a chain of tables, each holding one logical partition and the
    // link to the next (relative to the extended partition's start).
    const seen = new Set<number>();
    let link = 0;
    while (logical < 5 + MAX_LOGICAL) {
      const tableSector = entry.lba + link;
      if (seen.has(tableSector)) {
        findings.add('PARTITION_BAD', tableSector * MBR_SECTOR, `the chain of extended partition tables loops back to sector ${tableSector}`);
        break;
      }
      seen.add(tableSector);
      const table = tableEntries(source.read(tableSector * MBR_SECTOR, MBR_SECTOR));
      if (table === undefined) {
        findings.add('PARTITION_BAD', tableSector * MBR_SECTOR, `extended partition table at sector ${tableSector} is not a partition table`);
        break;
      }
      const [first, next] = table as [RawEntry, RawEntry, RawEntry, RawEntry];
      if (first.type !== 0 && first.sectors !== 0) add(logical++, first, tableSector);
      if (next.type === 0 || next.sectors === 0) break;
      link = next.lba;
    }
    if (logical >= 5 + MAX_LOGICAL) findings.add('LIMIT_REACHED', entry.lba * MBR_SECTOR, `more than ${MAX_LOGICAL} logical partitions: the rest are not read`);
  }
  const sorted = [...partitions].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    const before = sorted[i - 1]!;
    const after = sorted[i]!;
    if (after.offset < before.offset + before.length) findings.add('PARTITION_OVERLAP', after.offset, `partitions ${before.index} and ${after.index} overlap`);
  }
  return partitions;
}
