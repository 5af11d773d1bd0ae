/**
 * One hive file's dump into a sink, in any format: what `dump` does per file on this
 * thread and what a worker thread of `dump --jobs` does per part (dump/parts.ts).
 */
import { isHiveFormatError, type Hive, type OpenHiveOptions } from '@hivetool/hive';
import { isRegistryRoot } from '@hivetool/hive/layout';
import { terminalSafeJson, type RegStyle } from '@hivetool/registry';
import type { DeletedRecord } from '@hivetool/forensics';
import { inputName, openHiveFileLazy, readHiveFile } from '../input.js';
import { SkippedRecords, checkWholeFile, openForReading, type OpenedHive } from '../damage.js';
import type { TextSink } from '../output.js';
import { UsageError, describeFailure, safeLine } from '../failures.js';
import type { Reporter } from '../report.js';
import type { CommandIo } from '../command.js';
import { checkedAgainstRom } from '../rom.js';
import { jsonVisitor } from './json.js';
import { dumpRawHeap, rawHeader, rawVisitor } from './raw.js';
import { regVisitor, skippedNamesWarning } from './reg.js';
import { dumpStarts, hiveHeader, walkForDump, type DumpStarts } from './tree.js';
import { deletedAsJson, deletedAsReg, deletedRecords } from './deleted.js';
import { deletedRows, tableVisitor } from './table.js';
import { textRows, type RowSink, type TableFormat } from '../table/rows.js';

export type DumpFormat = 'reg' | 'json' | 'raw' | TableFormat;

export interface DumpArguments {
  files: string[];
  format: DumpFormat;
  key?: string | undefined;
  output?: string | undefined;
  kind?: 'rom' | 'persistent' | 'auto' | undefined;
  maxDepth?: number | undefined;
  regStyle?: RegStyle | undefined;
  /** JSON without storage details (file, ids, offsets, sources, signature). */
  contentOnly?: boolean | undefined;
  /** The ROM hive persistent hives link into (overlay: the device's effective registry). */
  rom?: Hive | undefined;
  /** Its path, for worker threads to open it too. */
  romFile?: string | undefined;
  /** The --rom path as given, named by the ROM check's messages. */
  romName?: string | undefined;
  /** `--force-rom`: read a hive that fails the ROM check, its ROM records marked unverified. */
  forceRom?: boolean | undefined;
  /** Files to render at once, on worker threads. */
  jobs?: number | undefined;
  /** Read a hive with a pending copy (restoreFlags 2) as stored, not as mounted. */
  asStored?: boolean | undefined;
  /** After the live tree, the deleted records found in free space (comments in .reg, `deleted` in JSON). */
  deleted?: boolean | undefined;
}

/** One hive's part of the output; `finish` closes it, noting an error that cut it short. */
interface HiveRenderer {
  run(starts: DumpStarts): void;
  finish(error?: string): void;
}

function renderer(args: DumpJob, hive: Hive, path: string, sink: TextSink, report: Reporter, starts: DumpStarts, skipped: SkippedRecords, table: RowSink | undefined): HiveRenderer {
  const file = inputName(path);
  const key = args.key;
  // --deleted with --key: the deleted records known to have been under the key.
  const deleted = (): DeletedRecord[] => deletedRecords(hive, key === undefined ? undefined : starts.map((start) => start.path));
  switch (args.format) {
    case 'reg': {
      const visitor = regVisitor(hiveHeader(hive, file), sink, args.regStyle ?? 'ce');
      return {
        run: (starts) => walkForDump(starts, visitor, skipped),
        finish: (error) => {
          if (error !== undefined) sink.write(`; hivetool: the dump of ${safeLine(`${file} stops here: ${error}`)}\n`);
          else if (args.deleted === true) sink.write(deletedAsReg(deleted()));
          const { skippedKeys, skippedValues } = visitor.writer;
          if (skippedKeys + skippedValues > 0) {
            report.note(skippedNamesWarning(file, skippedKeys, skippedValues));
          }
        },
      };
    }
    case 'json': {
      const visitor = jsonVisitor(hiveHeader(hive, file), sink, args.contentOnly ?? false);
      return { run: (starts) => walkForDump(starts, visitor, skipped), finish: (error) => visitor.finish(error, error === undefined && args.deleted === true ? deletedAsJson(deleted()) : '') };
    }
    case 'raw':
      sink.write(rawHeader(hive, file));
      return {
        // The heap in file order, or, for a subtree or a ROM overlay, the records in tree order.
        run: (starts) => (key === undefined && hive.rom === undefined ? dumpRawHeap(hive, sink) : walkForDump(starts, rawVisitor(sink), skipped)),
        finish: (error) => {
          if (error !== undefined) sink.write(`; hivetool: the dump of ${safeLine(`${file} stops here: ${error}`)}\n`);
          else if (args.deleted === true) sink.write(deletedAsReg(deleted()));
        },
      };
    case 'csv':
    case 'jsonl':
    case 'parquet': {
      // Parquet rows go to the run's one writer; CSV and JSON Lines rows are text in the sink.
      const rows = table ?? (args.format === 'parquet' ? undefined : textRows(args.format, sink));
      if (rows === undefined) throw new Error('a Parquet dump needs the run\'s table writer');
      const header = hiveHeader(hive, file);
      return {
        run: (starts) => walkForDump(starts, tableVisitor(header, rows), skipped),
        // A file that fails part-way keeps the rows before the failure (its error line says so).
        finish: (error) => {
          if (error === undefined && args.deleted === true) deletedRows(header, deleted(), rows);
        },
      };
    }
  }
}

/**
 * Opens a hive for `--key`, reading only the pages the subtree needs (so the whole-file
 * checks are not made); a hive cut short is read on as for a whole dump.
 */
function openSubtree(io: CommandIo, file: string, options: OpenHiveOptions): OpenedHive {
  try {
    const hive = openHiveFileLazy(io, file, options);
    return { hive, damage: checkWholeFile(hive, file, 'subtree'), cut: false };
  } catch (error) {
    if (!isHiveFormatError(error) || error.code !== 'RESTORE_START_PAST_EOF') throw error;
    return openForReading(readHiveFile(io, file), file, 'subtree', options);
  }
}

/** What `dumpOne` needs besides the file: the command's options, minus the output. */
export type DumpJob = Omit<DumpArguments, 'files' | 'output' | 'rom' | 'romFile' | 'jobs'>;

/**
 * Dumps one file into `sink`. `onStart` runs once the file is open and --key resolved,
 * just before its part is written (so a file that cannot be opened writes nothing).
 * Returns false if the file failed (reported through `report`, and noted in the output
 * when it failed part-way). An unexpected error (a bug) is thrown. `table`: where the rows
 * of `-f csv|jsonl|parquet` go (by default, CSV or JSON lines into `sink`).
 */
export function dumpOne(io: CommandIo, file: string, job: DumpJob, rom: Hive | undefined, sink: TextSink, onStart: () => void, table?: RowSink): boolean {
  const report = io.report;
  let current: HiveRenderer | undefined;
  let damage: string | undefined;
  let cut = false;
  try {
    const options = {
      kind: job.kind ?? 'auto',
      limits: job.maxDepth === undefined ? {} : { maxDepth: job.maxDepth },
      recovery: job.asStored === true ? 'as-stored' : 'as-mounted',
      ...(rom === undefined ? {} : { rom }),
    } as const;
    // One subtree reads only its pages; a whole dump reads the file in one go, and is
    // checked for the whole-file damage a walk does not meet (damage.ts).
    const opened = job.key !== undefined ? openSubtree(io, file, options) : openForReading(readHiveFile(io, file), file, job.format === 'raw' && rom === undefined ? 'heap' : 'read', options);
    let hive = opened.hive;
    damage = opened.damage;
    cut = opened.cut;
    // The one ROM check: a hive that does not belong over this ROM is refused (exit 2),
    // or with --force-rom read with its ROM records marked unverified.
    if (rom !== undefined && hive.rom !== undefined) hive = checkedAgainstRom(report, file, hive, job.romName ?? 'given with --rom', job.forceRom === true).hive;
    if (hive.restore.flags !== 0 || hive.header.logEntryCount !== 0) {
      const shown = hive.repaired ? `the hive as mounted (${hive.restore.action === 'copy' ? `${hive.restore.liveCount} restore page(s) applied` : 'restore records discarded'}; --as-stored shows the bytes as stored)` : 'the hive as stored';
      report.note(
        `warning: ${inputName(file)}: a flush was interrupted (restoreFlags ${hive.restore.flags}, ${hive.header.logEntryCount} log entries pending); Windows CE recovers it at boot, this dump shows ${shown}`,
      );
    }
    hive.rootRefs().forEach((ref, index) => {
      if (ref !== 0 && !isRegistryRoot(index)) {
        report.note(`warning: ${file}: root entry ${index} holds 0x${ref.toString(16).padStart(8, '0')}; entries 4–7 are unused (format guide §8) and not dumped (verify reports UNUSED_ROOT_SET)`);
      }
    });
    // Resolve --key before writing anything for this file.
    const starts = dumpStarts(hive, job.key);
    onStart();
    // Damaged records are skipped with what only they lead to (damage.ts): everything
    // intact is written, and the file still fails.
    const skipped = new SkippedRecords(job.key !== undefined ? 'subtree' : 'read');
    current = renderer(job, hive, file, sink, report, starts, skipped, table);
    current.run(starts);
    current.finish();
    const skipLine = skipped.line(file);
    if (damage === undefined && skipLine === undefined) return true;
    // Read on past whole-file damage: everything intact was written; the file still fails.
    if (damage !== undefined) report.failure(file, new UsageError(damage, true));
    if (skipLine !== undefined) report.failure(file, new UsageError(skipLine, true));
    return false;
  } catch (error) {
    const line = describeFailure(error, file);
    if (line === undefined) throw error;
    report.failure(file, error);
    // A walk stopped by a cut: the line saying the file is cut short says why.
    if (cut && damage !== undefined) report.failure(file, new UsageError(damage, true));
    if (current !== undefined) {
      current.finish(line);
    } else if (job.format === 'json') {
      // A file that could not be opened still has its place in the document, as in verify's.
      onStart();
      sink.write(terminalSafeJson(JSON.stringify({ file: inputName(file), error: line })));
    }
    return false;
  }
}
