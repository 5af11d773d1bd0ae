/**
 * What a layer found wrong in the bytes. A damaged image never makes the media codec
 * throw: each problem is a finding, with the layer it belongs to, where it is, and what
 * the reader did about it.
 */
export type MediaFindingCode =
  | 'IMAGE_CUT' // a partition or volume runs past the end of the image
  | 'PARTITION_OVERLAP' // two partitions claim the same sectors
  | 'PARTITION_BAD' // a partition entry that cannot describe a partition (starts past the image, zero length, a loop of extended tables)
  | 'BOOT_SECTOR_BAD' // a boot sector whose values cannot describe a FAT volume
  | 'FAT_COUNT_ZERO' // TFAT: the number-of-FATs field is 0, a commit was cut (FAT1 holds the newer state)
  | 'FATS_DIFFER' // FAT0 and FAT1 do not agree (TFAT: an open transaction; plain FAT: a damaged copy)
  | 'FAT_LOOP' // a cluster chain comes back to a cluster it already went through
  | 'CHAIN_PAST_VOLUME' // a cluster chain points at a cluster the volume does not have
  | 'CHAIN_SHORT' // a chain ends (or meets a free or bad cluster) before the file's size is read
  | 'DIRECTORY_LOOP' // a folder is reached twice (its cluster is already a folder walked)
  | 'LIMIT_REACHED' // a cap on entries, depth or file size stopped the walk
  | 'LFN_MISMATCH' // long-name entries whose checksum or order does not fit their short entry
  | 'CLUSTER_REUSED' // a deleted hive's first cluster belongs to a live file now: nothing of it is left to read
  | 'FAL_LAYOUT_UNDECIDED' // the spare-area layout could not be told from the data (no logical space was rebuilt)
  | 'FAL_DUPLICATE' // two completed pages claim one logical sector: the later physical page is mapped, as the FAL does
  | 'FAL_WRITE_INCOMPLETE' // a page whose write began and never completed (a power cut between the FAL's steps): not mapped
  | 'FAL_STATUS_UNKNOWN' // a page's data status is none the FAL writes: not mapped
  | 'FAL_SECTOR_OUT_OF_RANGE' // a page claims a logical sector past any the chip can hold: not mapped
  | 'FAL_LAYOUT_SECTOR_BAD'; // an MSFLSH50 flash layout sector whose entries do not fit (read as far as they do)

export interface MediaFinding {
  code: MediaFindingCode;
  /** Offset in the layer the finding is about (bytes). */
  offset: number;
  /** What was found, in the layer's own words. */
  message: string;
}

/** Collects findings with a cap per code, so a damaged volume cannot make the list unbounded. */
export class FindingList {
  readonly findings: MediaFinding[] = [];
  private readonly counts = new Map<MediaFindingCode, number>();
  /** Findings left out once a code reached its cap. */
  omitted = 0;

  constructor(private readonly perCode = 100) {}

  add(code: MediaFindingCode, offset: number, message: string): void {
    const count = this.counts.get(code) ?? 0;
    this.counts.set(code, count + 1);
    if (count >= this.perCode) this.omitted++;
    else this.findings.push({ code, offset, message });
  }
}
