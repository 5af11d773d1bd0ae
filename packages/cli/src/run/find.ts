import { walkTree } from '@hivetool/hive';
import { SkippedRecords, openForReading } from '../damage.js';
import { decodeImage, decodeOemStream, identifyFormat, FORMAT_DESCRIPTIONS } from '@hivetool/image';
import { ROOT_COUNT, escapeForTerminal, terminalSafeJson, renderRegData, rootName, valueTypeName, type HiveTree, type TreeKey } from '@hivetool/registry';
// The matcher is its own entry point, so that only find (and the viewer) load RE2.
import { FindPatternError, makeFinder, type BinaryReading, type Finder } from '@hivetool/registry/find';

export { MAX_BINARY_TEXT, MAX_REGEX_LENGTH, MAX_REGEX_PROGRAM, plainMatcher } from '@hivetool/registry/find';
import { inputName, readInputFile, stdinForWorkers } from '../input.js';
import { STDIO, isSpecialFile, outputSink } from '../output.js';
import { isTableFormat, keyRow, valueRow, type TableFormat, type TableRow } from '../table/rows.js';
import { openTable } from '../table/output.js';
import { ExitCode, UsageError, fileFailure } from '../failures.js';
import { Progress, summary } from '../batch.js';
import { runPool } from '../pool.js';
import { deletedRecords } from '../dump/deleted.js';
import type { CommandIo } from '../command.js';
import type { CliIo } from '../io.js';
import { BATCH_WORKER } from '../workers.js';
import { checkedAgainstRom, isUnverified, openRom } from '../rom.js';
import { lineReporter } from '../report.js';
import type { Hive } from '@hivetool/hive';

export interface FindArguments {
  pattern: string;
  files: string[];
  /** Where to look; none set means all three. */
  keys: boolean;
  names: boolean;
  data: boolean;
  /** Only values of this type (a number, or a name such as `REG_SZ`, `sz`, `dword`). */
  type?: string | undefined;
  regex: boolean;
  /** text lines, a JSON document, or a table of the matches (one row per value or key matched). */
  format: FindFormat;
  /** `-o FILE`: the output, written atomically (nothing unless every file was searched to the end). */
  output?: string | undefined;
  jobs: number;
  /** Also search the deleted records recovered from free space. */
  deleted: boolean;
  /** `--rom`: the ROM hive persistent hives are searched through (their effective registry). */
  rom?: string | undefined;
  /** `--force-rom`: search a hive that fails the ROM check, its ROM matches marked unverified. */
  forceRom?: boolean | undefined;
}

/** What a worker needs to search one file. */
export type FindFormat = 'text' | 'json' | TableFormat;

/** What a worker needs to search one file; `table`: give each match its table row. */
export type FindJob = Omit<FindArguments, 'files' | 'jobs' | 'format' | 'output'> & { table: boolean };

/** One match, as `--json` prints it. */
export interface FindMatch {
  file: string;
  /** The key's path (for a value, the key holding it; `?\…` when only part of a deleted record's path is known). */
  path: string;
  /** `key`: the path matched; `value`: the value's name or data did. */
  kind: 'key' | 'value';
  name?: string;
  type?: string;
  typeNumber?: number;
  /** The data as in .reg text, on one line. */
  data?: string;
  /** Set for a record recovered from free space, with how certain it is. */
  deleted?: string;
  /** Set for a record read through a ROM hive that failed the ROM check (--force-rom). */
  unverified?: true;
  /** Set when only binary data read as text matched: how it was read. */
  matchedAs?: BinaryReading;
  /** The match's row of `-f csv|jsonl|parquet` (not part of --json). */
  row?: TableRow;
}

export type { BinaryReading } from '@hivetool/registry/find';

/** A file's matches; `error` when it could not be searched to the end (the matches before it are kept). */
export type FindOutcome = { file: string; matches: FindMatch[]; error?: string; skipped?: string; notes?: string[] } | { file: string; bug: string };

// The ROM hive of --rom, opened once per thread (worker threads open it again).
let threadRom: { file: string; hive: Hive } | undefined;

/** The one matcher (`makeFinder` of @hivetool/registry, shared with the viewer); a bad pattern or type is a usage error. */
function finder(job: Pick<FindJob, 'pattern' | 'regex' | 'keys' | 'names' | 'data' | 'type'>): Finder {
  try {
    return makeFinder(job);
  } catch (error) {
    if (!(error instanceof FindPatternError)) throw error;
    if (error.part === 'type') throw new UsageError(`--type ${error.message}`);
    if (error.part === 'regex-size') throw new UsageError(`--regex: ${error.message}`);
    throw new UsageError(`${error.message}; --regex takes RE2 syntax, without backreferences or lookaround`);
  }
}

function oneLine(type: number, data: Uint8Array): string {
  // .reg text wraps long hex data with `\` line ends; a match is one line.
  return renderRegData(type, data).replace(/\\\r?\n\s*/g, '');
}

/** Visits every key of a plain tree (registry images, OEM streams) in pre-order, iteratively. */
function walkPlainTree(tree: HiveTree, visit: (key: TreeKey, path: string) => void): void {
  for (let root = 0; root < ROOT_COUNT; root++) {
    const stack = [...(tree.roots[root] ?? [])].reverse().map((key) => ({ key, path: `${rootName(root)}\\${key.name}` }));
    while (stack.length > 0) {
      const { key, path } = stack.pop()!;
      visit(key, path);
      for (const child of [...(key.subkeys ?? [])].reverse()) stack.push({ key: child, path: `${path}\\${child.name}` });
    }
  }
}

/**
 * Searches one file (a hive, a registry image or an OEM stream) and returns its matches in
 * tree order, then those among its deleted records. Never throws for a bad file.
 */
export function findOne(io: CliIo, file: string, job: FindJob): FindOutcome {
  const matches: FindMatch[] = [];
  // Warnings for this file (--force-rom), printed by the run's thread in file order.
  const notes: string[] = [];
  // How the file is named in matches (`-` is standard input, shown as <stdin>).
  const shown = inputName(file);
  try {
    const find = finder(job);
    const mark = (deleted: string | undefined, source: string | undefined): { deleted?: string; unverified?: true } => ({
      ...(deleted === undefined ? {} : { deleted }),
      ...(source !== undefined && isUnverified(source) ? { unverified: true as const } : {}),
    });
    // What the table rows say of the file (a hive's kind once it is open) and of each record.
    let hiveKind = 'unknown';
    const key = (path: string, deleted?: string, source?: string, offset?: number): void => {
      if (find.key(path)) {
        matches.push({ file: shown, path, kind: 'key', ...mark(deleted, source), ...(job.table ? { row: keyRow(shown, hiveKind, path, offset ?? null, source ?? 'file', deleted !== undefined) } : {}) });
      }
    };
    const value = (path: string, name: string, type: number, data: Uint8Array, deleted?: string, source?: string, offset?: number, declaredLength?: number): void => {
      const hit = find.value(name, type, data);
      if (hit === undefined) return;
      const match: FindMatch = { file: shown, path, kind: 'value', name, type: valueTypeName(type), typeNumber: type, data: oneLine(type, data), ...mark(deleted, source), ...(hit.matchedAs === undefined ? {} : { matchedAs: hit.matchedAs }) };
      if (job.table) {
        const row = valueRow(shown, hiveKind, path, name, type, data, offset ?? null, source ?? 'file', deleted !== undefined);
        // A deleted value with only part of its data left: the size it declared, the data only as hex.
        match.row = declaredLength === undefined ? row : { ...row, data: null, size: declaredLength };
      }
      matches.push(match);
    };

    const bytes = readInputFile(io, file);
    const format = identifyFormat(bytes);
    if (format === 'image' || format === 'oem-stream') {
      const tree = format === 'image' ? decodeImage(bytes) : decodeOemStream(bytes).tree;
      hiveKind = format;
      walkPlainTree(tree, (treeKey, path) => {
        key(path);
        for (const item of treeKey.values ?? []) value(path, item.name, item.type, item.data);
      });
      if (job.deleted) throw new UsageError(`--deleted reads hives only; this is ${FORMAT_DESCRIPTIONS[format]}`);
      return { file, matches };
    }
    if (format !== 'hive' && format !== 'unknown') throw new UsageError(`cannot search ${FORMAT_DESCRIPTIONS[format]}`);
    if (job.rom !== undefined && threadRom?.file !== job.rom) threadRom = { file: job.rom, hive: openRom(io, job.rom, false) };
    // The rules of damage.ts: whole-file damage is searched past (a hive cut short, carved
    // from the end of an image, as far as it goes) and named after the matches.
    const opened = openForReading(bytes, file, 'read', threadRom === undefined || job.rom === undefined ? {} : { rom: threadRom.hive });
    const damage = opened.damage;
    let hive = opened.hive;
    // The one ROM check: a hive that does not belong over the ROM is not searched (exit 2)
    // unless --force-rom, when its matches from the ROM are marked unverified.
    if (hive.rom !== undefined) hive = checkedAgainstRom(lineReporter((line) => notes.push(line.replace(/^hivetool: /, '').replace(/\n$/, ''))), file, hive, job.rom!, job.forceRom === true).hive;
    hiveKind = hive.kind;
    // One walk over every root, so that a key reached from two roots is an error, as in dump.
    // A damaged record is skipped with what only it leads to; every intact match is found.
    const skipped = new SkippedRecords('read');
    walkTree(
      hive,
      {
        key: (item, path) => key(path, undefined, item.source, item.offset),
        value: (item, _key, path) => value(path, item.name, item.type, item.data, undefined, item.source, item.offset),
        damaged: skipped.damaged,
      },
      { skipDamaged: skipped.skip },
    );
    if (job.deleted) {
      for (const record of deletedRecords(hive)) {
        const mark = `deleted, ${record.certainty}`;
        const parent = record.parentPath ?? '?';
        if (record.kind === 'key') key(`${parent}\\${record.name}`, mark, 'file', record.offset);
        else {
          const detail =
            record.certainty === 'partial'
              ? `, ${record.data.length} of ${record.dataLength} data bytes`
              : record.inferredLength !== undefined
                ? `, type and length zeroed: ${record.inferredLength.min} to ${record.inferredLength.max} of the ${record.data.length} bytes after its name`
                : '';
          value(parent, record.name, record.type, record.data, mark + detail, 'file', record.offset, record.certainty === 'partial' ? record.dataLength : undefined);
        }
      }
    }
    const skipLine = skipped.line(file);
    return { file, matches, notes, ...(damage === undefined ? {} : { error: damage }), ...(skipLine === undefined ? {} : { skipped: skipLine }) };
  } catch (error) {
    // The matches found before the failure are kept.
    const failure = fileFailure(file, error);
    return 'bug' in failure ? failure : { ...failure, matches, notes };
  }
}

/** `file: path\value = data`, or `file: path` for a key; escaped for a terminal (names and data come from the file). */
export function matchLine(match: FindMatch): string {
  const head = match.kind === 'key' ? `${match.file}: ${match.path}` : `${match.file}: ${match.path}\\${match.name} = ${match.data}`;
  const marks = [
    ...(match.matchedAs === undefined ? [] : [`as ${match.matchedAs}`]),
    ...(match.deleted === undefined ? [] : [match.deleted]),
    ...(match.unverified === true ? ['unverified: from a ROM hive that failed the ROM check'] : []),
  ];
  return escapeForTerminal(marks.length === 0 ? head : `${head} (${marks.join('; ')})`);
}

/**
 * `hivetool find PATTERN FILE...`: key paths, value names and data matching PATTERN
 * (case-insensitive text, or a regular expression), in file order whatever `--jobs`.
 * Exit 0 when something matched, 1 when nothing did, 2 when a file could not be read.
 */
export async function run(args: FindArguments, io: CommandIo): Promise<number> {
  const report = io.report;
  const { files, jobs, format, output, ...search } = args;
  const table = isTableFormat(format);
  const job: FindJob = { ...search, table };
  const json = format === 'json';
  // Checked once here, so a bad --type or pattern is one usage error, not one per file.
  finder(job);
  const toStdout = output === undefined || output === STDIO;
  const sink = outputSink(io, output);
  // Read before the bar starts: a terminal on standard input stops the run here.
  const stdin = stdinForWorkers(io, files, jobs);
  const progress = new Progress(io, io.stdoutIsTTY ? 0 : files.length);
  let failed = 0;
  let found = 0;
  let first = true;
  if (json) sink.write('{"format":"hivetool-find","schemaVersion":1,"matches":[');
  try {
    const rows = table ? await openTable(format, sink) : undefined;
    await runPool(files, jobs, BATCH_WORKER, { command: 'find', options: job, stdin }, (file) => findOne(io, file, job), (outcome) => {
      progress.step(outcome.file);
      if ('bug' in outcome) throw new Error(`internal error on ${outcome.file}: ${outcome.bug}`);
      for (const note of outcome.notes ?? []) report.note(note);
      for (const match of outcome.matches) {
        found++;
        if (rows !== undefined) rows.row(match.row!);
        else if (json) {
          sink.write((first ? '\n' : ',\n') + terminalSafeJson(JSON.stringify(match)));
          first = false;
        } else sink.write(matchLine(match) + '\n');
      }
      const errors = [outcome.error, 'skipped' in outcome ? outcome.skipped : undefined].filter((line): line is string => line !== undefined);
      if (errors.length > 0) {
        // After what was found before the problem, so the line follows that file's matches.
        if (toStdout && format !== 'parquet') sink.close();
        for (const error of errors) report.note(error.startsWith(`${inputName(outcome.file)}: `) ? error : `${inputName(outcome.file)}: ${error}`);
        failed++;
      }
    });
    rows?.finish();
  } catch (error) {
    sink.abort();
    throw error;
  } finally {
    progress.stop();
  }
  if (json) sink.write('\n]}\n');
  // As for dump: an output file is written only when every file was searched to the end.
  let written = true;
  if (failed > 0 && !toStdout) {
    sink.abort();
    written = false;
    report.note(isSpecialFile(output!) ? `${output!}: incomplete: a device or FIFO is written as the search goes` : `${output!}: not written`);
  } else sink.close();
  summary(io, files.length, [
    [files.length - failed, written ? 'searched' : 'searched (not written)'],
    [failed, 'could not be searched to the end'],
  ]);
  return failed > 0 ? ExitCode.FAILED : found > 0 ? ExitCode.OK : ExitCode.FINDINGS;
}
