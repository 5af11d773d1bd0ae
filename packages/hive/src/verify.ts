import { toHex } from '@hivetool/registry';
import { HEADER_SIZE, HIVE_MAGIC, HIVE_VERSION, HeaderOffset, LOG_ENTRY_SLOTS, RestoreFlags } from './header.js';
import { BLOCK_HEADER_SIZE, BlockType, DIRECTORY_OFFSET, HEAP_OFFSET, PAGE_SIZE, SECTION_TABLE_PAYLOAD, SLOTS_PER_SECTION, blockTypeName } from './layout.js';
import { DEFAULT_LIMITS } from './limits.js';
import { KeyFlags } from './records.js';
import { KNOWN_KEY_FLAGS, KeyField, ROOT_COUNT, ROOTS_PAYLOAD, ValueField, keyRecordNeeds, keyRecordProblem, valueRecordNeeds, valueRecordProblem } from './recordFields.js';
import { blockSize, isFreeBlock, stepBlocks } from './heap.js';
import { directoryLength, sectionTableEnd } from './directory.js';
import { freeSlotUnknownBits, isSectionTable, isSlotUsed, nextFreeSlot, sectionOfId, slotBlockFileOffset, slotUnknownBits } from './sections.js';
import { Store } from './references.js';
import { Hive, detectKind, type HiveKind, type RecoveryView } from './reader.js';
import { isHiveFormatError, type FindingCode } from './errors.js';
import { REGISTRY_ROOTS, depthAllowed, isRegistryRoot } from './rules.js';
import { measureRestoreArea, mountedView, restoreProblem, restoreRecord, type RecoveryAction } from './restore.js';

export type Severity = 'error' | 'warning' | 'info';

/** One thing `verifyHive` noticed: what, where, what it means and what to do. */
export interface Finding {
  severity: Severity;
  /** Stable code, e.g. `SIGNATURE_MISMATCH` (docs/verify.md lists them all). */
  code: FindingCode;
  /** File offset the finding is about (of the hive verified, or of the ROM for ROM links). */
  offset: number;
  message: string;
  /** How many records share this finding when it is reported once for many (1 otherwise). */
  count: number;
}

export type BootOutcome = 'kept' | 'clean-boot' | 'unknown' | 'rom';

export interface BootPrediction {
  outcome: BootOutcome;
  /** Whether `RegPersisted = dword:1` is set after boot (only after a non-clean boot); null when not known. */
  regPersisted: boolean | null;
  /** Sentences saying why. */
  reasons: string[];
}

/** The restore area (format guide §3a) and what the kernel does with it at the next mount. */
export interface RestoreReport {
  flags: number;
  restoreStart: number;
  restoreSize: number;
  pageSize: number;
  /** restoreSize's high 16 bits. */
  dirtyPages: number;
  /** Bytes after restoreStart, and the whole restore records they hold. */
  tailLength: number;
  recordCount: number;
  /** Bytes after the last whole record. */
  trailingBytes: number;
  /** At the next mount: nothing, discard the appended records, or copy the live pages into the hive. */
  action: RecoveryAction;
  /** Pages discarded or copied (0 for none). */
  pages: number;
  /** Which hive the other checks looked at. */
  view: RecoveryView;
  /** The first records of the tail (at most MAX_RESTORE_RECORDS_LISTED). */
  records: Array<{ index: number; offset: number; targetOffset: number; insideHive: boolean; live: boolean }>;
}

/** Restore records listed one by one in a report; the rest are counted in `recordCount`. */
export const MAX_RESTORE_RECORDS_LISTED = 256;

export interface VerifyReport {
  kind: HiveKind | 'unknown';
  /** Length of the file, restore records included. */
  fileLength: number;
  /** Length of the hive checked (restoreStart when usable, else the file length). */
  hiveLength: number;
  /** The restore area; null when the file is too short or not a hive. */
  restore: RestoreReport | null;
  romSignature: string | null;
  findings: Finding[];
  summary: { errors: number; warnings: number; infos: number };
  counts: { sections: number; keys: number; values: number; freeBlocks: number; freeBytes: number; reachableKeys: number; reachableValues: number };
  /** Links into the ROM hive (store nibble 2 in a persistent hive). */
  romLinks: { total: number; checked: boolean; broken: number };
  signature: { hive: string; rom: string; match: boolean } | null;
  boot: BootPrediction;
}

export interface VerifyOptions {
  kind?: HiveKind | 'auto';
  /** The ROM hive a persistent hive links into; its links are then checked and its signature compared. */
  rom?: Hive;
  maxDepth?: number;
  /** With a copy pending (restoreFlags 2): check the hive as mounted (default) or as stored. */
  recovery?: RecoveryView;
}

// Per-id record kinds in the verifier's table.
const NONE = 0;
const KEY = 1;
const VALUE = 2;
const ROOTS = 3;
const OTHER = 4;
const BROKEN = 5;

// Marks in the verifier's per-heap-word table (see Heap.blockAt).
const ALLOCATED = 1;
const FREE_BLOCK = 2;
const CLAIMED = 4;

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function wordsOf(bytes: Uint8Array): Uint32Array {
  const count = bytes.length >>> 2;
  if (LITTLE_ENDIAN) {
    const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
    return new Uint32Array(aligned.buffer, aligned.byteOffset, count);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Uint32Array.from({ length: count }, (_, i) => view.getUint32(4 * i, true));
}

/** Findings listed one by one per code; past this, they are counted in one more finding. */
export const MAX_FINDINGS_PER_CODE = 100;

class Findings {
  readonly list: Finding[] = [];
  private readonly grouped = new Map<FindingCode, Finding>();
  private readonly perCode = new Map<FindingCode, number>();
  private readonly overflow = new Map<FindingCode, Finding>();

  /**
   * Adds a finding; a hostile file can have millions of the same kind, so past
   * MAX_FINDINGS_PER_CODE of one code they are counted in one closing finding instead.
   */
  add(severity: Severity, code: FindingCode, offset: number, message: string): void {
    const seen = (this.perCode.get(code) ?? 0) + 1;
    this.perCode.set(code, seen);
    if (seen <= MAX_FINDINGS_PER_CODE) {
      this.list.push({ severity, code, offset, message, count: 1 });
      return;
    }
    const more = this.overflow.get(code);
    if (more !== undefined) {
      more.count++;
      more.message = `${more.count} more ${code} finding(s) like the ones above are not listed (first at 0x${more.offset.toString(16).padStart(8, '0')})`;
      return;
    }
    const finding = { severity, code, offset, message: `1 more ${code} finding like the ones above is not listed (at 0x${offset.toString(16).padStart(8, '0')})`, count: 1 };
    this.overflow.set(code, finding);
    this.list.push(finding);
  }

  /** Reports a finding once per code however often it occurs, counting occurrences. */
  addGrouped(severity: Severity, code: FindingCode, offset: number, message: (count: number) => string): void {
    const existing = this.grouped.get(code);
    if (existing !== undefined) {
      existing.count++;
      existing.message = message(existing.count);
      return;
    }
    const finding = { severity, code, offset, message: message(1), count: 1 };
    this.grouped.set(code, finding);
    this.list.push(finding);
  }

  has(severity: Severity): boolean {
    return this.list.some((finding) => finding.severity === severity);
  }
}

const hex = (value: number): string => '0x' + (value >>> 0).toString(16).padStart(8, '0');

/**
 * Checks a hive file and reports every finding instead of stopping at the first: header
 * and recovery state, the section directory, heap tiling, slots and free-slot chains,
 * record bounds, links and their targets' types, cycles, depth, reachability, links into
 * the ROM hive, the ROM signature, and what Windows CE will do with the file at boot.
 * Names are never decoded. It does not throw on any input.
 *
 * Takes the file's bytes, or an open `Hive`: its bytes are checked, with its kind, its
 * ROM hive and its `maxDepth` unless `options` say otherwise.
 */
export function verifyHive(source: Uint8Array | Hive, options: VerifyOptions = {}): VerifyReport {
  if (source instanceof Hive) {
    source.loadAll();
    const rom = options.rom ?? source.rom;
    return verifyHive(source.file, { kind: options.kind ?? source.kind, maxDepth: options.maxDepth ?? source.limits.maxDepth, recovery: options.recovery ?? source.recovery, ...(rom === undefined ? {} : { rom }) });
  }
  const bytes = source;
  const findings = new Findings();
  const report: VerifyReport = {
    kind: 'unknown',
    fileLength: bytes.length,
    hiveLength: bytes.length,
    restore: null,
    romSignature: null,
    findings: findings.list,
    summary: { errors: 0, warnings: 0, infos: 0 },
    counts: { sections: 0, keys: 0, values: 0, freeBlocks: 0, freeBytes: 0, reachableKeys: 0, reachableValues: 0 },
    romLinks: { total: 0, checked: options.rom !== undefined, broken: 0 },
    signature: null,
    boot: { outcome: 'unknown', regPersisted: null, reasons: [] },
  };
  try {
    checkFile(bytes, options, findings, report);
  } catch (error) {
    // A bug in a check must not hide the findings already made.
    findings.add('error', 'VERIFY_INTERNAL', 0, `the verifier stopped unexpectedly (${error instanceof Error ? error.message : String(error)}); the findings above stand, later checks did not run`);
  }
  report.boot = predictBoot(report, findings, options);
  for (const finding of findings.list) {
    if (finding.severity === 'error') report.summary.errors++;
    else if (finding.severity === 'warning') report.summary.warnings++;
    else report.summary.infos++;
  }
  return report;
}

interface Context {
  bytes: Uint8Array;
  view: DataView;
  /** The file as little-endian u32 words (see wordsOf). */
  words: Uint32Array;
  length: number;
  findings: Findings;
  report: VerifyReport;
}

interface Heap {
  /**
   * Per 4-byte heap word: 0 no block starts here, ALLOCATED or FREE where one does, plus
   * the CLAIMED bit once a slot (or the directory) points at it.
   */
  blockAt: Uint8Array;
  tiled: boolean;
  /** Where the tiled part of the heap ends (EOF when it tiles). */
  tiledEnd: number;
}

interface IdTable {
  /** File offset of the block of each id (0 = none). */
  blockOf: Uint32Array;
  /** What each id holds: NONE, KEY, VALUE, ROOTS, OTHER or BROKEN. */
  kindOf: Uint8Array;
  /**
   * The links of each record, three per id: a key's nextSibling, firstChild and firstValue,
   * a value's nextValue. Gathered in id order by `checkRecords` so that the walk from the
   * roots reads this compact table instead of jumping around the whole file.
   */
  links: Uint32Array;
  /** Each key's flags. */
  keyFlags: Uint16Array;
}

/**
 * The restore area (§3, §3a): reports it and returns the hive the other checks look at —
 * the file up to restoreStart, or the hive as mounted when a copy is pending; the whole
 * file when restoreStart is unusable.
 */
function checkRestoreArea(file: Uint8Array, options: VerifyOptions, findings: Findings, report: VerifyReport): Uint8Array {
  if (file.length < HEADER_SIZE) return file;
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (view.getUint32(HeaderOffset.magic2, true) !== HIVE_MAGIC) return file;
  const area = measureRestoreArea(file.length, view);
  const problem = restoreProblem(area, view);
  const recovery = options.recovery ?? 'as-mounted';
  const records: RestoreReport['records'] = [];
  for (let i = 0; i < Math.min(area.recordCount, MAX_RESTORE_RECORDS_LISTED); i++) {
    const { index, offset, targetOffset, insideHive, live } = restoreRecord(file, area, i);
    records.push({ index, offset, targetOffset, insideHive, live });
  }
  report.restore = {
    flags: area.flags,
    restoreStart: area.restoreStart,
    restoreSize: area.restoreSize,
    pageSize: area.pageSize,
    dirtyPages: area.dirtyPages,
    tailLength: area.tailLength,
    recordCount: area.recordCount,
    trailingBytes: area.trailingBytes,
    action: area.action,
    pages: area.actionPages,
    view: recovery,
    records,
  };
  const tail = `${area.recordCount} restore record(s) of ${area.pageSize} bytes${area.trailingBytes > 0 ? ` and ${area.trailingBytes} byte(s) of a cut record` : ''}`;
  if (area.flags === RestoreFlags.APPENDING) {
    findings.add('warning', 'RESTORE_APPENDING', HeaderOffset.restoreFlags, `restoreFlags = 1: a flush was appending pages after the hive when it stopped; at the next mount Windows CE discards ${area.recordCount} page(s) (${tail}) and keeps the hive as it was before the flush`);
  } else if (area.flags === RestoreFlags.COPYING && problem === undefined) {
    findings.add('warning', 'RESTORE_COPYING', HeaderOffset.restoreFlags, `restoreFlags = 2: a flush was copying pages into the hive when it stopped; at the next mount Windows CE copies ${area.liveCount} page(s) into the hive from the restore records after restoreStart (${recovery === 'as-mounted' ? 'checked here as mounted; --as-stored checks the bytes as stored' : 'checked here as stored'})`);
  } else if (area.flags !== RestoreFlags.CLEAN && area.flags !== RestoreFlags.COPYING) {
    findings.add('error', 'RESTORE_FLAGS_UNKNOWN', HeaderOffset.restoreFlags, `restoreFlags = ${area.flags}: not a value the format guide knows (0, 1 or 2); what Windows CE does with it is not known`);
  }
  if (problem !== undefined) {
    findings.add('error', problem.code, problem.offset, `${problem.message}${area.flags === RestoreFlags.COPYING ? '; the pending copy cannot be made as stored, what Windows CE does then is not known' : ''}`);
    if (problem.code === 'RESTORE_START_PAST_EOF' || problem.code === 'RESTORE_START_UNALIGNED') return file;
    report.hiveLength = area.restoreStart;
    return file.subarray(0, area.restoreStart);
  }
  if (area.flags === RestoreFlags.CLEAN && area.tailLength > 0) {
    findings.add('info', 'RESTORE_TAIL', area.restoreStart, `the file continues after the hive's logical end (restoreStart ${area.restoreStart}) with ${tail} left by an earlier flush; Windows CE ignores them`);
  }
  report.hiveLength = area.restoreStart;
  if (area.action === 'copy' && recovery === 'as-mounted') {
    const mounted = mountedView(file, area);
    mounted.load(0, mounted.bytes.length);
    return mounted.bytes;
  }
  return file.subarray(0, area.restoreStart);
}

function checkFile(file: Uint8Array, options: VerifyOptions, findings: Findings, report: VerifyReport): void {
  const bytes = checkRestoreArea(file, options, findings, report);
  const length = bytes.length;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Reads through a Uint32Array are several times faster than DataView calls on the hot
  // loops below; every u32 the checks read is at a 4-aligned file offset. The file is
  // copied only if it does not start 4-aligned in its buffer (or on a big-endian host).
  const words = wordsOf(bytes);
  const u32 = (offset: number): number => words[offset >>> 2]!;

  // Header (format guide §3).
  if (length < HEADER_SIZE) {
    findings.add('error', 'TRUNCATED', 0, `the file is ${length} bytes, shorter than the 4096-byte header page: it is not a whole hive`);
    return;
  }
  if (u32(HeaderOffset.magic2) !== HIVE_MAGIC) {
    findings.add('error', 'BAD_MAGIC', HeaderOffset.magic2, `bytes 8–11 are ${toHex(bytes.subarray(8, 12))}, not 454b494d ("EKIM"): this is not a Windows CE hive`);
    return;
  }
  report.romSignature = toHex(bytes.subarray(HeaderOffset.romSignature, HeaderOffset.romSignature + 16));
  const version = u32(HeaderOffset.version);
  if (version !== HIVE_VERSION) findings.add('warning', 'UNKNOWN_VERSION', 0, `header version is ${hex(version)}, not 0x400 as in every known hive; the rest is read as version 0x400`);
  if (u32(HeaderOffset.magic1) !== 0) findings.add('info', 'MAGIC1_SET', HeaderOffset.magic1, `magic1 is ${hex(u32(HeaderOffset.magic1))}; it is 0 in files and set only while the hive is mapped (the file may have been copied from a running device)`);
  if (length % PAGE_SIZE !== 0) findings.add('warning', 'NOT_PAGE_ALIGNED', length, `the file length ${length} is not a multiple of 4096 as in every real hive: it may be cut short`);
  const logCount = u32(HeaderOffset.logEntryCount);
  if (logCount > LOG_ENTRY_SLOTS) findings.add('error', 'LOG_COUNT_TOO_LARGE', HeaderOffset.logEntryCount, `the recovery log claims ${logCount} entries; the header page holds at most ${LOG_ENTRY_SLOTS}`);
  else if (logCount > 0) findings.add('warning', 'LOG_PENDING', HeaderOffset.logEntryCount, `${logCount} recovery log entr${logCount === 1 ? 'y is' : 'ies are'} pending: Windows CE replays them at boot, so the registry after boot differs from what this file holds`);

  // Section directory (§4).
  if (length < HEAP_OFFSET + BLOCK_HEADER_SIZE + SECTION_TABLE_PAYLOAD) {
    findings.add('error', 'TRUNCATED', length, `the file is ${length} bytes, too short for the section directory and the first section table`);
    return;
  }
  const sections: number[] = [0];
  const sectionCount = directoryLength(u32);
  for (let i = 1; i < sectionCount; i++) sections.push(u32(DIRECTORY_OFFSET + 4 * i));
  report.counts.sections = sections.length;

  const ctx: Context = { bytes, view, words, length, findings, report };
  const heap = tileHeap(ctx);
  const table = checkSections(ctx, sections, heap);
  checkRecords(ctx, table);
  const { blockOf, kindOf } = table;
  // Roots (§8) and kind (§7).
  if (kindOf[0] !== ROOTS) {
    findings.add('error', 'NO_ROOTS', HEAP_OFFSET + BLOCK_HEADER_SIZE, 'id 0 is not a roots record: no key of this hive can be reached');
    return;
  }
  const rootsAt = blockOf[0]! + BLOCK_HEADER_SIZE;
  if (blockSize(u32(blockOf[0]!)) < ROOTS_PAYLOAD) {
    findings.add('error', 'RECORD_TOO_SMALL', blockOf[0]!, `the roots record is smaller than its ${ROOTS_PAYLOAD} bytes`);
    return;
  }
  const rootRefs: number[] = [];
  for (let i = 0; i < ROOT_COUNT; i++) rootRefs.push(u32(rootsAt + 4 * i));
  const kind = options.kind === undefined || options.kind === 'auto' ? detectKind(rootRefs) : options.kind;
  report.kind = kind;
  for (let i = 0; i < ROOT_COUNT; i++) {
    if (!isRegistryRoot(i) && rootRefs[i] !== 0) findings.add('info', 'UNUSED_ROOT_SET', rootsAt + 4 * i, `root entry ${i} (unused, format guide §8) holds ${hex(rootRefs[i]!)}; no reader follows it`);
  }

  walkLinks(ctx, table, { refs: rootRefs, at: rootsAt, kind }, options);
  const rom = options.rom;
  if (rom !== undefined && kind === 'persistent') checkRomHive(rom, options, findings);
  // Signature (§1, §3).
  if (rom !== undefined) {
    const hiveSignature = report.romSignature;
    const romSignature = toHex(rom.header.romSignature);
    const match = hiveSignature === romSignature;
    report.signature = { hive: hiveSignature, rom: romSignature, match };
    if (!match && kind === 'persistent') {
      findings.add(
        'error',
        'SIGNATURE_MISMATCH',
        HeaderOffset.romSignature,
        `the hive carries ROM signature ${hiveSignature} but the ROM hive's is ${romSignature}: at the next boot Windows CE deletes this hive and recreates it from ROM (a clean boot), and every change stored in it is lost`,
      );
    } else if (!match) {
      findings.add('warning', 'SIGNATURE_DIFFERS', HeaderOffset.romSignature, `this ROM hive's signature ${hiveSignature} differs from ${romSignature}: the two come from different OS images (the ROM hives of one image share one signature)`);
    }
  }
}

/** Heap tiling (§5): blocks from 0x5000 to EOF with no gap; marks where blocks start. */
function tileHeap(ctx: Context): Heap {
  const { words, length, findings, report } = ctx;
  const u32 = (offset: number): number => words[offset >>> 2]!;
  const heapWords = (length - HEAP_OFFSET) >>> 2;
  const blockAt = new Uint8Array(heapWords + 1);
  let lastFree = false;
  const { end: tiledEnd, stop } = stepBlocks(u32, length, (offset, sizeType, size) => {
    const free = isFreeBlock(sizeType);
    blockAt[(offset - HEAP_OFFSET) >>> 2] = free ? FREE_BLOCK : ALLOCATED;
    if (free) {
      report.counts.freeBlocks++;
      report.counts.freeBytes += size;
    } else {
      const type = sizeType >>> 28;
      if (u32(offset + 4) !== 0) findings.addGrouped('info', 'BLOCK_WORD2_SET', offset + 4, (n) => `${n} allocated block(s) have a non-zero second header word (0 in every sample; kept as stored)`);
      if (type !== BlockType.SECTION_TABLE && type !== BlockType.ROOTS && type !== BlockType.KEY && type !== BlockType.VALUE) {
        findings.addGrouped('warning', 'FOREIGN_BLOCK_TYPE', offset, (n) => `${n} block(s) of types the registry does not use (first: ${blockTypeName(type)} at ${hex(offset)}); object-store database types never appeared in a hive`);
      }
    }
    lastFree = free;
  }, true);
  const tiled = stop === undefined;
  if (stop?.code === 'HEAP_CUT') {
    findings.add('error', 'HEAP_CUT', stop.offset, `the last ${length - stop.offset} bytes are too few for a block header: the heap does not end on a block boundary (the file may be cut short)`);
  } else if (stop?.code === 'BLOCK_SIZE_UNALIGNED') {
    findings.add('error', 'BLOCK_SIZE_UNALIGNED', stop.offset, `block size ${stop.size} is not a multiple of 4; the blocks after it cannot be found`);
  } else if (stop !== undefined) {
    findings.add('error', 'BLOCK_PAST_EOF', stop.offset, `the block at ${hex(stop.offset)} claims ${stop.size} bytes, running ${stop.offset + BLOCK_HEADER_SIZE + stop.size - length} bytes past the end of the file; the heap does not tile to EOF`);
  }
  if (tiled && !lastFree) findings.add('info', 'NO_FINAL_FREE_BLOCK', length, 'the heap does not end in a free block, unlike every sample (harmless)');

  return { blockAt, tiled, tiledEnd };
}

/** Section tables and slots (§6), free-slot chains, and blocks no slot claims. */
function checkSections(ctx: Context, sections: number[], heap: Heap): IdTable {
  const { words, length, findings } = ctx;
  const u32 = (offset: number): number => words[offset >>> 2]!;
  const { blockAt, tiled, tiledEnd } = heap;
  // Section tables and slots (§6): each used slot must point at an allocated block that
  // carries the slot's id; the table of ids → block offsets is what the later checks use.
  const idCount = sections.length * SLOTS_PER_SECTION;
  const blockOf = new Uint32Array(idCount); // file offset of the block of each id, 0 = none
  const kindOf = new Uint8Array(idCount);
  const isBlock = (at: number): boolean => at >= HEAP_OFFSET && at < length && (at & 3) === 0 && blockAt[(at - HEAP_OFFSET) >>> 2] !== 0;
  for (let section = 0; section < sections.length; section++) {
    const entryOffset = DIRECTORY_OFFSET + 4 * section;
    const table = HEAP_OFFSET + sections[section]!;
    if (sectionTableEnd(sections[section]!) > length) {
      findings.add('error', 'DIRECTORY_OFFSET_PAST_EOF', entryOffset, `section directory entry ${section} points at ${hex(table)}, where no section table fits before EOF; the ${SLOTS_PER_SECTION} ids of section ${section} cannot be resolved`);
      continue;
    }
    if (!isBlock(table)) {
      findings.add('error', 'SECTION_TABLE_NOT_A_BLOCK', entryOffset, `section directory entry ${section} points at ${hex(table)}, which is not the start of a heap block`);
      continue;
    }
    const sizeType = u32(table);
    if (!isSectionTable(sizeType, u32(table + 8), section)) {
      findings.add('error', 'BAD_SECTION_TABLE', table, `the block for section ${section} is not its section table (header ${hex(sizeType)}, id ${u32(table + 8)}); its ids cannot be resolved`);
      continue;
    }
    blockAt[(table - HEAP_OFFSET) >>> 2] = blockAt[(table - HEAP_OFFSET) >>> 2]! | CLAIMED;
    const slots = table + BLOCK_HEADER_SIZE;
    const isFreeSlot = new Uint8Array(SLOTS_PER_SECTION);
    let freeCount = 0;
    for (let slot = 0; slot < SLOTS_PER_SECTION; slot++) {
      const slotOffset = slots + 4 * slot;
      const value = u32(slotOffset);
      const id = section * SLOTS_PER_SECTION + slot;
      if (!isSlotUsed(value)) {
        isFreeSlot[slot] = 1;
        freeCount++;
        if (freeSlotUnknownBits(value) !== 0) findings.addGrouped('info', 'FREE_SLOT_BITS', slotOffset, (n) => `${n} free slot(s) have bits set outside the next-free field (kept as stored)`);
        continue;
      }
      if (slotUnknownBits(value) !== 0) findings.addGrouped('info', 'SLOT_UNKNOWN_BITS', slotOffset, (n) => `${n} used slot(s) have bits 28–31 or bit 1 set (seen in persistent hives, meaning not known; kept as stored)`);
      const block = slotBlockFileOffset(value);
      if (block + BLOCK_HEADER_SIZE > length) {
        findings.add('error', 'SLOT_OUT_OF_HEAP', slotOffset, `the slot of id ${id} points at ${hex(block)}, outside the heap`);
        kindOf[id] = BROKEN;
        continue;
      }
      if (!isBlock(block)) {
        findings.add('error', 'SLOT_NOT_A_BLOCK', slotOffset, `the slot of id ${id} points at ${hex(block)}, which is not the start of a heap block (inside another block${tiled ? '' : ', or past where the heap could be followed'})`);
        kindOf[id] = BROKEN;
        continue;
      }
      const word = (block - HEAP_OFFSET) >>> 2;
      if ((blockAt[word]! & FREE_BLOCK) !== 0) {
        findings.add('error', 'SLOT_POINTS_TO_FREE', slotOffset, `the slot of id ${id} points at a free block (${hex(block)}): the record was deleted but its slot was not freed`);
        kindOf[id] = BROKEN;
        continue;
      }
      if ((blockAt[word]! & CLAIMED) !== 0) {
        findings.add('error', 'SLOT_SHARED', slotOffset, `the slot of id ${id} points at a block another slot points at (${hex(block)})`);
        kindOf[id] = BROKEN;
        continue;
      }
      blockAt[word] = blockAt[word]! | CLAIMED;
      const blockId = u32(block + 8);
      if (blockId !== id) {
        findings.add('error', 'ID_MISMATCH', block + 8, `the block reached through id ${id} carries id ${blockId}`);
        kindOf[id] = BROKEN;
        continue;
      }
      blockOf[id] = block;
      const type = u32(block) >>> 28;
      kindOf[id] = type === BlockType.KEY ? KEY : type === BlockType.VALUE ? VALUE : type === BlockType.ROOTS ? ROOTS : OTHER;
    }
    checkFreeChain(u32, section, slots, isFreeSlot, freeCount, findings);
  }
  // Allocated blocks no slot points at are space the hive can never reuse.
  for (let at = HEAP_OFFSET; at < tiledEnd; ) {
    const sizeType = u32(at);
    const word = (at - HEAP_OFFSET) >>> 2;
    if (blockAt[word] === ALLOCATED) {
      findings.addGrouped('warning', 'ORPHAN_BLOCK', at, (n) => `${n} allocated block(s) are not referenced by any slot (first at ${hex(at)}): lost space, and any record in them is invisible`);
    }
    at += BLOCK_HEADER_SIZE + blockSize(sizeType);
  }

  return { blockOf, kindOf, links: new Uint32Array(3 * idCount), keyFlags: new Uint16Array(idCount) };
}

/** Records (§8): fixed fields, names and data inside their blocks. */
function checkRecords(ctx: Context, table: IdTable): void {
  const { bytes, view, words, findings, report } = ctx;
  const u32 = (offset: number): number => words[offset >>> 2]!;
  const { blockOf, kindOf, links, keyFlags } = table;
  const idCount = kindOf.length;
  // Records (§8): fixed fields, name and data within their blocks.
  for (let id = 0; id < idCount; id++) {
    const kind = kindOf[id]!;
    if (kind !== KEY && kind !== VALUE) continue;
    const block = blockOf[id]!;
    const size = blockSize(u32(block));
    const at = block + BLOCK_HEADER_SIZE;
    if (kind === KEY) {
      report.counts.keys++;
      const nameLength = size < KeyField.name ? 0 : bytes[at + KeyField.nameLength]!;
      const problem = keyRecordProblem(size, nameLength);
      if (problem !== undefined) {
        if (problem.code === 'RECORD_TOO_SMALL') findings.add('error', problem.code, block, `key id ${id}: its block has ${size} bytes, fewer than the ${KeyField.name} of a key's fixed fields`);
        else findings.add('error', problem.code, at + problem.field, `key id ${id}: its name (${nameLength} units) runs past its ${size}-byte block`);
        kindOf[id] = BROKEN;
        continue;
      }
      const flags = view.getUint16(at + KeyField.flags, true);
      keyFlags[id] = flags;
      links[3 * id] = u32(at + KeyField.nextSibling);
      links[3 * id + 1] = u32(at + KeyField.firstChild);
      links[3 * id + 2] = u32(at + KeyField.firstValue);
      if ((flags & ~KNOWN_KEY_FLAGS) !== 0) findings.addGrouped('info', 'KEY_FLAGS_UNKNOWN', at + KeyField.flags, (n) => `${n} key(s) have flag bits the format guide does not explain (kept as stored)`);
      if (bytes[at + KeyField.unknown] !== 0) findings.addGrouped('info', 'KEY_BYTE13_SET', at + KeyField.unknown, (n) => `${n} key(s) have a non-zero byte at +13 (0 in every sample; kept as stored)`);
      if (size > keyRecordNeeds(nameLength)) findings.addGrouped('info', 'RECORD_SLACK', block, (n) => `${n} record(s) are larger than their fields need (seen once in a persistent hive; harmless)`);
    } else {
      report.counts.values++;
      const fixedFit = size >= ValueField.name;
      const nameLength = fixedFit ? bytes[at + ValueField.nameLength]! : 0;
      const dataLength = fixedFit ? view.getUint16(at + ValueField.dataLength, true) : 0;
      const problem = valueRecordProblem(size, nameLength, dataLength);
      if (problem !== undefined) {
        if (problem.code === 'RECORD_TOO_SMALL') findings.add('error', problem.code, block, `value id ${id}: its block has ${size} bytes, fewer than the ${ValueField.name} of a value's fixed fields`);
        else if (problem.code === 'NAME_PAST_BLOCK') findings.add('error', problem.code, at + problem.field, `value id ${id}: its name (${nameLength} units) runs past its ${size}-byte block`);
        else findings.add('error', problem.code, at + problem.field, `value id ${id}: its data (${dataLength} bytes) runs past its ${size}-byte block`);
        kindOf[id] = BROKEN;
        continue;
      }
      links[3 * id] = u32(at + ValueField.nextValue);
      if (bytes[at + ValueField.flags] !== 0) findings.addGrouped('info', 'VALUE_FLAGS_SET', at + ValueField.flags, (n) => `${n} value(s) have flags in the high byte of the name word (0x02 is seen in persistent hives, meaning not known; kept as stored)`);
      if (size > valueRecordNeeds(nameLength, dataLength)) findings.addGrouped('info', 'RECORD_SLACK', block, (n) => `${n} record(s) are larger than their fields need (seen once in a persistent hive; harmless)`);
    }
  }
}

/** Links, cycles, depth and reachability, from the roots; links into ROM checked in `rom`. */
function walkLinks(ctx: Context, table: IdTable, roots: { refs: number[]; at: number; kind: HiveKind }, options: VerifyOptions): void {
  const { findings, report } = ctx;
  const { blockOf, kindOf, links, keyFlags } = table;
  const idCount = kindOf.length;
  const { refs: rootRefs, at: rootsAt, kind } = roots;
  const ownStore = kind === 'rom' ? Store.ROM_HIVE : Store.HEAP;
  const rom = options.rom;
  const maxDepth = options.maxDepth ?? DEFAULT_LIMITS.maxDepth;
  const reached = new Uint8Array(idCount);
  const romChecked = new Map<number, boolean>();

  /**
   * Checks link number `field` (0 nextSibling/nextValue, 1 firstChild, 2 firstValue) of
   * record `owner`; returns the id to follow in this file, or -1.
   */
  const follow = (owner: number, field: number, want: typeof KEY | typeof VALUE, link: string): number => {
    const ref = links[3 * owner + field]!;
    // The common case first: an unvisited record of the wanted kind in this file.
    const id = ref & 0x0fffffff;
    if (ref >>> 28 === ownStore && id !== 0 && id < idCount && kindOf[id] === want && reached[id] === 0) {
      reached[id] = 1;
      return id;
    }
    // Link fields sit 4 bytes apart from +0 in keys; a value's nextValue is at +0.
    return checkLink(ref, blockOf[owner]! + BLOCK_HEADER_SIZE + 4 * field, want, link);
  };
  const checkLink = (ref: number, from: number, want: typeof KEY | typeof VALUE, link: string): number => {
    if (ref === 0) return -1;
    const store = ref >>> 28;
    const id = ref & 0x0fffffff;
    if (store !== ownStore) {
      if (kind === 'persistent' && store === Store.ROM_HIVE) {
        report.romLinks.total++;
        if (rom !== undefined) checkRomLink(rom, ref, from, want, link, romChecked, findings, report);
      } else {
        findings.add('error', 'LINK_UNKNOWN_STORE', from, `${link} link ${hex(ref)} names store ${store}, which a ${kind} hive cannot resolve; it is not followed`);
      }
      return -1;
    }
    if (id >= idCount) {
      findings.add('error', 'LINK_TO_MISSING_SECTION', from, `${link} link ${hex(ref)} names id ${id} in section ${sectionOfId(id)}, which the directory does not list`);
      return -1;
    }
    const target = kindOf[id]!;
    if (target === BROKEN) return -1; // already reported where the record is
    if (target === NONE) {
      findings.add('error', 'LINK_TO_FREE_SLOT', from, `${link} link ${hex(ref)} names id ${id}, whose slot is free (a deleted record, or a link never updated)`);
      return -1;
    }
    if (target !== want) {
      const names = ['none', 'key', 'value', 'roots record', 'foreign block'];
      findings.add('error', 'LINK_WRONG_TYPE', from, `${link} link ${hex(ref)} names id ${id}, a ${names[target]} where a ${names[want]} belongs`);
      return -1;
    }
    if (reached[id] !== 0) {
      const code = want === VALUE ? 'VALUE_CYCLE' : link === 'sibling' ? 'SIBLING_CYCLE' : 'CHILD_CYCLE';
      findings.add('error', code, from, `${link} link ${hex(ref)} reaches id ${id} a second time (a loop, or two links to one record); a walk would not end without cycle detection`);
      return -1;
    }
    reached[id] = 1;
    return id;
  };

  // The keys still to visit, with their depths. Each key is pushed at most once (`reached`),
  // so a stack of one slot per id never overflows.
  const stack = new Int32Array(idCount);
  const depths = new Uint32Array(idCount);
  let top = 0;
  let reachableKeys = 0;
  let reachableValues = 0;
  for (let i = 0; i < REGISTRY_ROOTS; i++) {
    let id = checkLink(rootRefs[i]!, rootsAt + 4 * i, KEY, 'root');
    while (id >= 0) {
      stack[top] = id;
      depths[top++] = 1;
      id = follow(id, 0, KEY, 'sibling');
    }
  }
  while (top > 0) {
    const id = stack[--top]!;
    const depth = depths[top]!;
    reachableKeys++;
    let value = follow(id, 2, VALUE, 'value');
    while (value >= 0) {
      reachableValues++;
      value = follow(value, 0, VALUE, 'value');
    }
    const firstChild = links[3 * id + 1]!;
    if (firstChild === 0) continue;
    if ((keyFlags[id]! & KeyFlags.VOLATILE) !== 0) {
      findings.addGrouped('info', 'VOLATILE_STALE_CHILD', blockOf[id]! + BLOCK_HEADER_SIZE + KeyField.firstChild, (n) => `${n} volatile key(s) keep a stale firstChild; it is never followed (volatile subkeys are not persisted)`);
      continue;
    }
    if (!depthAllowed(depth + 1, maxDepth)) {
      findings.add('error', 'DEPTH_LIMIT', blockOf[id]! + BLOCK_HEADER_SIZE + KeyField.firstChild, `keys nest deeper than ${maxDepth} levels here; the subtree is not checked (raise the limit with --max-depth for forensic work)`);
      continue;
    }
    let child = follow(id, 1, KEY, 'child');
    while (child >= 0) {
      stack[top] = child;
      depths[top++] = depth + 1;
      child = follow(child, 0, KEY, 'sibling');
    }
  }
  report.counts.reachableKeys = reachableKeys;
  report.counts.reachableValues = reachableValues;
  for (let id = 1; id < idCount; id++) {
    const target = kindOf[id]!;
    if ((target === KEY || target === VALUE) && reached[id] === 0) {
      findings.addGrouped('warning', 'UNREACHABLE_RECORD', blockOf[id]!, (n) => `${n} key or value record(s) are in use but no link from the roots reaches them (first at ${hex(blockOf[id]!)}): lost data the device never reads`);
    }
  }
  if (kind === 'persistent' && rom === undefined && report.romLinks.total > 0) {
    findings.add('info', 'ROM_LINKS_UNCHECKED', rootsAt, `${report.romLinks.total} link(s) lead into the ROM hive; give the ROM hive (--rom) to check them and the signature`);
  }
}


function checkFreeChain(u32: (offset: number) => number, section: number, slots: number, isFreeSlot: Uint8Array, freeCount: number, findings: Findings): void {
  const headOffset = slots + 4 * SLOTS_PER_SECTION;
  const head = u32(headOffset);
  const visited = new Uint8Array(SLOTS_PER_SECTION);
  let onChain = 0;
  if (head >= SLOTS_PER_SECTION) {
    findings.add('error', 'FREE_HEAD_OUT_OF_RANGE', headOffset, `section ${section}'s free-slot head is ${head}, not a slot index (0–1023)`);
    return;
  }
  // A head of 0 means "no free slot" (slot 0 of section 0 is always the roots record),
  // and a next-free field of 0 ends the chain.
  for (let slot = head; slot !== 0; ) {
    if (visited[slot] !== 0) {
      findings.add('error', 'FREE_CHAIN_CYCLE', slots + 4 * slot, `section ${section}'s free-slot chain loops back to slot ${slot}; allocating in this section would not end`);
      return;
    }
    if (isFreeSlot[slot] === 0) {
      findings.add('error', 'FREE_CHAIN_USED_SLOT', slots + 4 * slot, `section ${section}'s free-slot chain passes through slot ${slot}, which is in use: allocating would overwrite a live record's slot`);
      return;
    }
    visited[slot] = 1;
    onChain++;
    slot = nextFreeSlot(u32(slots + 4 * slot));
  }
  if (onChain < freeCount) {
    findings.addGrouped('warning', 'FREE_SLOTS_UNCHAINED', slots, (n) => `${n} section(s) have free slots missing from their free-slot chain (first: section ${section}, ${freeCount - onChain} slot(s)); they cannot be reused`);
  }
}

function checkRomLink(rom: Hive, ref: number, from: number, want: number, link: string, cache: Map<number, boolean>, findings: Findings, report: VerifyReport): void {
  // One reference may be checked as a key and as a value: cache the two apart.
  const cacheKey = ref + (want === KEY ? 0 : 2 ** 32);
  let ok = cache.get(cacheKey);
  if (ok === undefined) {
    try {
      if (want === KEY) rom.resolveKey(ref, 'child', from);
      else rom.resolveValue(ref, from);
      ok = true;
    } catch (error) {
      if (!isHiveFormatError(error)) throw error;
      ok = false;
      findings.add('error', error.code === 'LINK_WRONG_TYPE' ? 'ROM_LINK_WRONG_TYPE' : 'ROM_LINK_BROKEN', from, `${link} link ${hex(ref)} into the ROM hive does not resolve there to a ${want === KEY ? 'key' : 'value'}: ${error.message}. The hive was built against another ROM, or is damaged`);
    }
    cache.set(cacheKey, ok);
  }
  if (!ok) report.romLinks.broken++;
}

// A batch verifies many hives against one ROM hive: it is checked once.
const romReports = new WeakMap<Hive, Map<number, VerifyReport>>();

/**
 * A persistent hive is read through its ROM hive (format guide §9), so a damaged ROM hive
 * makes the hive unreadable where its links lead: the ROM hive is verified by the same
 * rules, and its errors reported here as `ROM_DAMAGED` (its offset is the ROM file's).
 */
function checkRomHive(rom: Hive, options: VerifyOptions, findings: Findings): void {
  const maxDepth = options.maxDepth ?? DEFAULT_LIMITS.maxDepth;
  let byDepth = romReports.get(rom);
  if (byDepth === undefined) {
    byDepth = new Map();
    romReports.set(rom, byDepth);
  }
  let romReport = byDepth.get(maxDepth);
  if (romReport === undefined) {
    rom.loadAll();
    romReport = verifyHive(rom.bytes, { kind: 'rom', maxDepth });
    byDepth.set(maxDepth, romReport);
  }
  const errors = romReport.findings.filter((finding) => finding.severity === 'error');
  if (errors.length === 0) return;
  const first = errors[0]!;
  findings.add(
    'error',
    'ROM_DAMAGED',
    first.offset,
    `the ROM hive given has ${romReport.summary.errors} error(s) (first ${first.code} at ${hex(first.offset)} of the ROM hive: ${first.message}); this hive cannot be read through it where its links lead there (verify the ROM hive alone for the list)`,
  );
}

function predictBoot(report: VerifyReport, findings: Findings, options: VerifyOptions): BootPrediction {
  if (report.kind === 'rom') {
    return {
      outcome: 'rom',
      regPersisted: null,
      reasons: [`a ROM hive is part of the OS image and is not replaced at boot; persistent hives built against it must carry ROM signature ${report.romSignature ?? '(unreadable)'}`],
    };
  }
  if (report.kind === 'unknown') return { outcome: 'unknown', regPersisted: null, reasons: ['the file could not be read as a hive'] };
  const reasons: string[] = [];
  const restore = findings.list.find((f) => f.code === 'RESTORE_APPENDING' || f.code === 'RESTORE_COPYING');
  if (restore !== undefined) {
    const pages = report.restore?.pages ?? 0;
    reasons.push(`first, Windows CE recovers the interrupted flush (${restore.code === 'RESTORE_APPENDING' ? `discarding ${pages} appended page(s)` : `copying ${pages} page(s) into the hive`})`);
  }
  if (options.rom === undefined || report.signature === null) {
    reasons.push('without the ROM hive (--rom) the signature cannot be compared, so whether the device keeps this hive is not known');
    return { outcome: 'unknown', regPersisted: null, reasons };
  }
  if (findings.list.some((finding) => finding.code === 'ROM_DAMAGED')) {
    reasons.push('the ROM hive given is damaged (ROM_DAMAGED above), so it is not a copy of the ROM hive the device has: what the device does with this hive cannot be told from it');
    return { outcome: 'unknown', regPersisted: null, reasons };
  }
  if (!report.signature.match) {
    reasons.push('the ROM signature does not match: the hive is deleted and recreated from ROM (clean boot)');
    reasons.push('RegPersisted will not be set: its absence after boot is how the device shows a clean boot');
    return { outcome: 'clean-boot', regPersisted: false, reasons };
  }
  reasons.push('the ROM signature matches: the hive is kept (unless the OEM forces a clean boot through IOCTL_HAL_GET_HIVE_CLEAN_FLAG)');
  reasons.push('after the boot, RegPersisted = dword:1 is set (under HKLM for the system hive, HKCU for a user hive)');
  if (findings.has('error')) reasons.push('the structural errors reported above are not covered by the documented boot checks: what filesys does with a damaged hive is not known');
  return { outcome: 'kept', regPersisted: true, reasons };
}
