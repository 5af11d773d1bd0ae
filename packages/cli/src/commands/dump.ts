import { type Hive } from '@hivetool/hive';
import { isRegistryRoot } from '@hivetool/hive/layout';
import type { RegStyle } from '@hivetool/registry';
import { openHiveFile, openHiveFileLazy } from '../input.js';
import { AtomicFileSink, StdoutSink, type TextSink } from '../output.js';
import { jsonDocumentEnd, jsonDocumentStart, jsonVisitor } from '../dump/json.js';
import { dumpRawHeap, rawHeader, rawVisitor } from '../dump/raw.js';
import { regVisitor } from '../dump/reg.js';
import { dumpStarts, hiveHeader, partSeparator, walkForDump, type DumpStarts } from '../dump/tree.js';
import { copyPart, dumpParts } from '../dump/parts.js';
import { ExitCode, describeFailure } from '../failures.js';
import type { Reporter } from '../report.js';
import { Progress, summary } from '../batch.js';

export type DumpFormat = 'reg' | 'json' | 'raw';

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
  /** Files to render at once, on worker threads. */
  jobs?: number | undefined;
  /** Read a hive with a pending copy (restoreFlags 2) as stored, not as mounted. */
  asStored?: boolean | undefined;
}

/** One hive's part of the output; `finish` closes it, noting an error that cut it short. */
interface HiveRenderer {
  run(starts: DumpStarts): void;
  finish(error?: string): void;
}

function renderer(args: DumpJob, hive: Hive, file: string, sink: TextSink, report: Reporter): HiveRenderer {
  const key = args.key;
  switch (args.format) {
    case 'reg': {
      const visitor = regVisitor(hiveHeader(hive, file), sink, args.regStyle ?? 'ce');
      return {
        run: (starts) => walkForDump(starts, visitor),
        finish: (error) => {
          if (error !== undefined) sink.write(`; hivetool: the dump of ${file} stops here: ${error}\n`);
          const { skippedKeys, skippedValues } = visitor.writer;
          if (skippedKeys + skippedValues > 0) {
            report.note(`warning: ${file}: ${skippedKeys} key(s) and ${skippedValues} value(s) have names .reg text cannot hold; they are left out as comments (--format json keeps them)`);
          }
        },
      };
    }
    case 'json': {
      const visitor = jsonVisitor(hiveHeader(hive, file), sink, args.contentOnly ?? false);
      return { run: (starts) => walkForDump(starts, visitor), finish: (error) => visitor.finish(error) };
    }
    case 'raw':
      sink.write(rawHeader(hive, file));
      return {
        // The heap in file order, or, for a subtree or a ROM overlay, the records in tree order.
        run: (starts) => (key === undefined && hive.rom === undefined ? dumpRawHeap(hive, sink) : walkForDump(starts, rawVisitor(sink))),
        finish: (error) => {
          if (error !== undefined) sink.write(`; hivetool: the dump of ${file} stops here: ${error}\n`);
        },
      };
  }
}

/** What `dumpOne` needs besides the file: the command's options, minus the output. */
export type DumpJob = Omit<DumpArguments, 'files' | 'output' | 'rom' | 'romFile' | 'jobs'>;

/**
 * Dumps one file into `sink`. `onStart` runs once the file is open and --key resolved,
 * just before its part is written (so a file that cannot be opened writes nothing).
 * Returns false if the file failed (reported through `report`, and noted in the output
 * when it failed part-way). An unexpected error (a bug) is thrown.
 */
export function dumpOne(file: string, job: DumpJob, rom: Hive | undefined, sink: TextSink, report: Reporter, onStart: () => void): boolean {
  let current: HiveRenderer | undefined;
  try {
    const options = {
      kind: job.kind ?? 'auto',
      limits: job.maxDepth === undefined ? {} : { maxDepth: job.maxDepth },
      recovery: job.asStored === true ? 'as-stored' : 'as-mounted',
      ...(rom === undefined ? {} : { rom }),
    } as const;
    // One subtree reads only its pages; a whole dump reads the file in one go.
    const hive = job.key !== undefined ? openHiveFileLazy(file, options) : openHiveFile(file, options);
    if (hive.restore.flags !== 0 || hive.header.logEntryCount !== 0) {
      const shown = hive.repaired ? `the hive as mounted (${hive.restore.action === 'copy' ? `${hive.restore.liveCount} restore page(s) applied` : 'restore records discarded'}; --as-stored shows the bytes as stored)` : 'the hive as stored';
      report.note(
        `warning: ${file}: a flush was interrupted (restoreFlags ${hive.restore.flags}, ${hive.header.logEntryCount} log entries pending); Windows CE recovers it at boot, this dump shows ${shown}`,
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
    current = renderer(job, hive, file, sink, report);
    current.run(starts);
    current.finish();
    return true;
  } catch (error) {
    const line = describeFailure(error, file);
    if (line === undefined) throw error;
    report.failure(file, error);
    current?.finish(line);
    return false;
  }
}

/**
 * `hivetool dump FILE...`: every file is opened and walked in turn; a file that fails is
 * reported and the others are still dumped. Output stays well formed when a file fails
 * part-way (a `;` note in .reg and raw, an `error` member in JSON). With `-o`, nothing is
 * written unless every file succeeds. With `--jobs N`, files are rendered on N worker
 * threads (see dumpParts) and written in file order: the output is the same.
 */
export async function runDump(args: DumpArguments, report: Reporter): Promise<number> {
  const sink: TextSink = args.output === undefined ? new StdoutSink() : new AtomicFileSink(args.output);
  let failed = 0;
  let started = 0;
  if (args.format === 'json') sink.write(jsonDocumentStart());
  // The bar shares the terminal only when the dump itself does not go to it.
  const progress = new Progress(args.output !== undefined || process.stdout.isTTY !== true ? args.files.length : 0);
  try {
    if ((args.jobs ?? 1) > 1 && args.files.length > 1) {
      await dumpParts(args, (part) => {
        progress.step(part.file);
        if (part.started) sink.write(partSeparator(args.format, started++ === 0));
        if (part.output !== undefined) copyPart(part.output, sink);
        for (const line of part.stderr) process.stderr.write(line);
        if (!part.ok) failed++;
      });
    } else {
      for (const file of args.files) {
        progress.step(file);
        const onStart = (): void => sink.write(partSeparator(args.format, started++ === 0));
        if (!dumpOne(file, args, args.rom, sink, report, onStart)) failed++;
      }
    }
  } catch (error) {
    progress.stop();
    sink.abort();
    throw error;
  }
  progress.stop();
  if (args.format === 'json') sink.write(jsonDocumentEnd());
  summary(args.files.length, [
    [args.files.length - failed, 'dumped'],
    [failed, 'failed'],
  ]);
  if (failed > 0 && args.output !== undefined) {
    sink.abort();
    report.note(`${args.output} not written`);
  } else {
    sink.close();
  }
  return failed > 0 ? ExitCode.FAILED : ExitCode.OK;
}
