import { walkTree } from '@hivetool/hive';
import { openForReading } from '../damage.js';
import { decodeImage, decodeOemStream, identifyFormat, FORMAT_DESCRIPTIONS } from '@hivetool/image';
import { ROOT_COUNT, ValueType, escapeForTerminal, terminalSafeJson, jsonDecoded, renderRegData, rootName, toHex, valueTypeName, type HiveTree, type TreeKey } from '@hivetool/registry';
import { inputName, readInputFile, stdinForWorkers } from '../input.js';
import { STDIO, isSpecialFile, outputSink } from '../output.js';
import { isTableFormat, keyRow, valueRow, type TableFormat, type TableRow } from '../table/rows.js';
import { openTable } from '../table/output.js';
import { ExitCode, UsageError, fileFailure } from '../failures.js';
import { Progress, summary } from '../batch.js';
import { runPool } from '../pool.js';
import { deletedRecords } from '../dump/deleted.js';
import { RE2JS } from 're2js';
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

/** How binary data is also read as text by `find --data`. */
export type BinaryReading = 'UTF-16LE text' | 'Latin-1 text';

/** A file's matches; `error` when it could not be searched to the end (the matches before it are kept). */
export type FindOutcome = { file: string; matches: FindMatch[]; error?: string; notes?: string[] } | { file: string; bug: string };

// The ROM hive of --rom, opened once per thread (worker threads open it again).
let threadRom: { file: string; hive: Hive } | undefined;

function typeNumber(text: string): number {
  if (/^(0x[0-9a-f]+|[0-9]+)$/i.test(text)) {
    // A value's type is a u16 in the hive (format guide §8).
    if (Number(text) > 0xffff) throw new UsageError(`--type ${text}: a value type is a number from 0 to 65535`);
    return Number(text);
  }
  const wanted = text.toUpperCase().replace(/^REG_/, '');
  const entry = Object.entries(ValueType).find(([name]) => name === wanted);
  if (entry === undefined) throw new UsageError(`--type ${text}: not a value type (e.g. REG_SZ, sz, dword, binary, multi_sz, 4)`);
  return entry[1];
}

/** The texts a value's data is searched in: strings decoded, numbers in decimal and hex, any data as hex. */
function dataTexts(decoded: ReturnType<typeof jsonDecoded>, data: Uint8Array): string[] {
  const texts = [toHex(data)];
  if (typeof decoded === 'string') texts.push(decoded);
  else if (typeof decoded === 'number') texts.push(String(decoded), `0x${decoded.toString(16).padStart(8, '0')}`);
  else if (Array.isArray(decoded)) texts.push(...(decoded as string[]));
  return texts;
}

/**
 * Bytes of one value's data read as text when it is binary (the help and the README say
 * so): all of it, as a value holds at most 65 535 bytes (format guide §8); a bound all the same.
 */
export const MAX_BINARY_TEXT = 0x10000;

const utf16 = new TextDecoder('utf-16le');

/** Bytes as Latin-1 characters (one per byte), in chunks so no call takes too many arguments. */
function latin1(bytes: Uint8Array): string {
  let text = '';
  for (let at = 0; at < bytes.length; at += 8192) text += String.fromCharCode(...bytes.subarray(at, at + 8192));
  return text;
}

/**
 * Binary data (REG_BINARY, REG_NONE, unknown types, a text type whose bytes are not text)
 * read as text, for a pattern written as text: as UTF-16LE from an even and from an odd
 * byte (a string inside a structure, such as a time zone's name, at either alignment),
 * then one character per byte (ASCII and Latin-1 text). Its first MAX_BINARY_TEXT bytes.
 */
function binaryMatch(data: Uint8Array, test: (text: string) => boolean): BinaryReading | undefined {
  const bytes = data.subarray(0, MAX_BINARY_TEXT);
  if (test(utf16.decode(bytes)) || (bytes.length > 2 && test(utf16.decode(bytes.subarray(1))))) return 'UTF-16LE text';
  if (test(latin1(bytes))) return 'Latin-1 text';
  return undefined;
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


/** Characters a `--regex` pattern may have (the help and the README say so). */
export const MAX_REGEX_LENGTH = 1000;
/** Instructions its compiled RE2 program may have (RE2's "program size"). */
export const MAX_REGEX_PROGRAM = 500;

/**
 * A `--regex` pattern, case-insensitive, matched by RE2 (re2js): in time linear in the
 * text, so no pattern can make `find` hang on crafted names or data, as a backtracking
 * engine would on `(a+)+$`. RE2 syntax has no backreferences or lookaround.
 */
function compilePattern(pattern: string): (text: string) => boolean {
  // Linear in the text, but the time per character grows with the pattern: a pattern such
  // as `a?` × 5000 then `a` × 5000 takes minutes over one hive. Both its length and the size
  // of its compiled program (which `x{1000}` makes large in 7 characters) are capped.
  if (pattern.length > MAX_REGEX_LENGTH) {
    throw new UsageError(`--regex: the pattern has ${pattern.length} characters, more than the ${MAX_REGEX_LENGTH} a regular expression may have; search for a shorter one (a plain-text pattern has no such limit)`);
  }
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(pattern, RE2JS.CASE_INSENSITIVE);
  } catch (error) {
    throw new UsageError(`not a regular expression: ${pattern} (${(error as Error).message}); --regex takes RE2 syntax, without backreferences or lookaround`);
  }
  if (compiled.programSize() > MAX_REGEX_PROGRAM) {
    throw new UsageError(`--regex: the pattern compiles to ${compiled.programSize()} instructions, more than the ${MAX_REGEX_PROGRAM} a regular expression may have; use fewer or smaller repetitions (x{100} counts as 100)`);
  }
  return (text) => compiled.matcher(text).find();
}

/** Longest plain-text pattern searched with `String.prototype.includes`. */
const SHORT_NEEDLE = 64;

/**
 * A plain-text pattern, case-insensitive. `includes` is fastest for the short patterns
 * people type, but takes time in the product of the text's and the pattern's lengths on a
 * long crafted one (`a` × 2500, `b`, `a` × 2500 over a long run of `a`: seconds per
 * value): a longer pattern is searched by Knuth–Morris–Pratt, linear in the text.
 */
export function plainMatcher(pattern: string): (text: string) => boolean {
  const needle = pattern.toLowerCase();
  if (needle.length <= SHORT_NEEDLE) return (text) => text.toLowerCase().includes(needle);
  // fail[i]: length of the longest proper border of needle[0..i].
  const fail = new Int32Array(needle.length);
  for (let i = 1, k = 0; i < needle.length; i++) {
    while (k > 0 && needle.charCodeAt(i) !== needle.charCodeAt(k)) k = fail[k - 1]!;
    if (needle.charCodeAt(i) === needle.charCodeAt(k)) k++;
    fail[i] = k;
  }
  return (text) => {
    if (text.length < needle.length) return false;
    const haystack = text.toLowerCase();
    for (let i = 0, k = 0; i < haystack.length; i++) {
      const code = haystack.charCodeAt(i);
      while (k > 0 && code !== needle.charCodeAt(k)) k = fail[k - 1]!;
      if (code === needle.charCodeAt(k)) k++;
      if (k === needle.length) return true;
    }
    return false;
  };
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
    const anyScope = !job.keys && !job.names && !job.data;
    const wantedType = job.type === undefined ? undefined : typeNumber(job.type);
    let test: (text: string) => boolean;
    if (job.regex) {
      test = compilePattern(job.pattern);
    } else {
      test = plainMatcher(job.pattern);
    }
    const mark = (deleted: string | undefined, source: string | undefined): { deleted?: string; unverified?: true } => ({
      ...(deleted === undefined ? {} : { deleted }),
      ...(source !== undefined && isUnverified(source) ? { unverified: true as const } : {}),
    });
    // What the table rows say of the file (a hive's kind once it is open) and of each record.
    let hiveKind = 'unknown';
    const key = (path: string, deleted?: string, source?: string, offset?: number): void => {
      if (wantedType === undefined && (anyScope || job.keys) && test(path)) {
        matches.push({ file: shown, path, kind: 'key', ...mark(deleted, source), ...(job.table ? { row: keyRow(shown, hiveKind, path, offset ?? null, source ?? 'file', deleted !== undefined) } : {}) });
      }
    };
    const value = (path: string, name: string, type: number, data: Uint8Array, deleted?: string, source?: string, offset?: number, declaredLength?: number): void => {
      if (wantedType !== undefined && type !== wantedType) return;
      let hit = (anyScope || job.names) && test(name);
      let matchedAs: BinaryReading | undefined;
      if (!hit && (anyScope || job.data)) {
        const decoded = jsonDecoded(type, data);
        hit = dataTexts(decoded, data).some(test);
        if (!hit && decoded === null) hit = (matchedAs = binaryMatch(data, test)) !== undefined;
      }
      if (!hit) return;
      const match: FindMatch = { file: shown, path, kind: 'value', name, type: valueTypeName(type), typeNumber: type, data: oneLine(type, data), ...mark(deleted, source), ...(matchedAs === undefined ? {} : { matchedAs }) };
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
    walkTree(hive, {
      key: (item, path) => key(path, undefined, item.source, item.offset),
      value: (item, _key, path) => value(path, item.name, item.type, item.data, undefined, item.source, item.offset),
    });
    if (job.deleted) {
      for (const record of deletedRecords(hive)) {
        const mark = `deleted, ${record.certainty}`;
        const parent = record.parentPath ?? '?';
        if (record.kind === 'key') key(`${parent}\\${record.name}`, mark, 'file', record.offset);
        else if (record.certainty === 'partial') value(parent, record.name, record.type, record.data, `${mark}, ${record.data.length} of ${record.dataLength} data bytes`, 'file', record.offset, record.dataLength);
        else value(parent, record.name, record.type, record.data, mark, 'file', record.offset);
      }
    }
    return damage === undefined ? { file, matches, notes } : { file, matches, notes, error: damage };
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
  if (job.type !== undefined) typeNumber(job.type);
  if (job.regex) compilePattern(job.pattern);
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
      if (outcome.error !== undefined) {
        // After what was found before the problem, so the line follows that file's matches.
        if (toStdout && format !== 'parquet') sink.close();
        report.note(outcome.error.startsWith(`${inputName(outcome.file)}: `) ? outcome.error : `${inputName(outcome.file)}: ${outcome.error}`);
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
