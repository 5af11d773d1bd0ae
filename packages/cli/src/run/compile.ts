import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { CompileOptions, CompileResult, Explanation, HiveName, SourceHost } from '@hivetool/compile';
import { hexBytes } from '@hivetool/hive';
import { terminalLines, terminalSafeJson } from '@hivetool/registry';
import { ExitCode, UsageError, safeLine } from '../failures.js';
import { inputName, readInputFile } from '../input.js';
import { AtomicFileSink, STDIO, print, refuseInputAsOutput, tell, writeFileAtomic } from '../output.js';
import { pending } from '../temporaries.js';
import type { CliIo } from '../io.js';
import type { CommandIo } from '../command.js';

/** Largest source file read (Microsoft's common.reg is 150–300 KB; merges are megabytes). */
const MAX_SOURCE_BYTES = 256 * 1024 * 1024;

export interface CompileArguments {
  inputs: string[];
  output?: string | undefined;
  define?: string[] | undefined;
  sysgen?: string | undefined;
  sysgenFilter: boolean;
  strings?: string[] | undefined;
  encoding?: string | undefined;
  missingInclude: 'error' | 'warn';
  json: boolean;
  mergeOnly: boolean;
  explain?: string | undefined;
  signature?: string | undefined;
  pedantic?: boolean | undefined;
  maxExpansion?: number | undefined;
}

/**
 * Include lookup on the local file system. Sources name includes as Windows paths, in any
 * letter case (registry sources guide §2): `\` is read as `/`, a relative path is taken
 * from the including file's directory, and each path component that does not exist as
 * written is matched case-insensitively against its directory's entries. A relative path
 * that is not found from the including file is tried from the working directory.
 */
export class FileSystemHost implements SourceHost {
  constructor(private readonly io: CliIo) {}

  private readonly listings = new Map<string, string[] | undefined>();
  private readonly preloaded = new Map<string, Uint8Array>();
  /** Every file read, `#include`d ones too: all are inputs, which no output may replace. */
  readonly filesRead = new Set<string>();

  /** Reads a top-level input now, so that an unreadable one stops the command with its own error. */
  preload(file: string): void {
    // Standard input is named <stdin> in diagnostics and in reginit.ini's comments.
    this.preloaded.set(inputName(file), readInputFile(this.io, file, MAX_SOURCE_BYTES));
    this.filesRead.add(file);
  }

  readFile(file: string): Uint8Array | undefined {
    const bytes = this.preloaded.get(file);
    if (bytes !== undefined) return bytes;
    try {
      const read = readInputFile(this.io, file, MAX_SOURCE_BYTES);
      this.filesRead.add(file);
      return read;
    } catch {
      return undefined;
    }
  }

  resolveInclude(path: string, includingFile: string): string | undefined {
    const slashed = path.replace(/\\/g, '/');
    // A drive-letter path (C:\WINCE600\…) names a Windows build host's disk.
    if (/^[A-Za-z]:\//.test(slashed)) return undefined;
    const found = slashed.startsWith('/')
      ? this.lookup(slashed)
      : // Relative to the including file; failing that, to the working directory, for a
        // relative root given with -D (`-D _TARGETPLATROOT=../bsp`).
        (this.lookup(join(dirname(includingFile), slashed)) ?? this.lookup(resolve(slashed)));
    if (found === undefined) return undefined;
    // Named as the file that includes it is (in diagnostics and --explain): relative to the
    // working directory when that one was named relative, absolute otherwise.
    const absolute = resolve(found);
    // An absolute #include path stays absolute.
    return isAbsolute(includingFile) || slashed.startsWith('/') ? absolute : relative(process.cwd(), absolute) || '.';
  }

  /** What an include target is when it is no regular file: it is then not read (a FIFO would block, /dev/zero never end). */
  describe(file: string): string | undefined {
    try {
      const stat = statSync(file);
      if (stat.isDirectory()) return 'is a folder, not a file';
      if (stat.isFIFO()) return 'is a FIFO, not a regular file';
      if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'is a device, not a regular file';
      if (stat.isSocket()) return 'is a socket, not a regular file';
      return undefined;
    } catch {
      return undefined;
    }
  }

  /** `full` as it is, or its components matched ignoring letter case (a file, folder or special file); undefined when absent. */
  private lookup(full: string): string | undefined {
    if (exists(full)) return full;
    const absolute = resolve(full);
    let current = '/';
    for (const part of absolute.split('/').filter((piece) => piece.length > 0)) {
      const exact = join(current, part);
      if (exists(exact)) {
        current = exact;
        continue;
      }
      const match = this.entries(current)?.find((entry) => entry.toLowerCase() === part.toLowerCase());
      if (match === undefined) return undefined;
      current = join(current, match);
    }
    return exists(current) ? current : undefined;
  }

  private entries(directory: string): string[] | undefined {
    if (!this.listings.has(directory)) {
      let names: string[] | undefined;
      try {
        names = readdirSync(directory);
      } catch {
        names = undefined;
      }
      this.listings.set(directory, names);
    }
    return this.listings.get(directory);
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** `-D NAME` (value 1) and `-D NAME=VALUE`. */
function parseDefines(definitions: readonly string[]): Record<string, string> {
  const defines: Record<string, string> = {};
  for (const definition of definitions) {
    const equals = definition.indexOf('=');
    const name = equals < 0 ? definition : definition.slice(0, equals);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new UsageError(`-D ${definition}: a build variable name is letters, digits and _`);
    defines[name] = equals < 0 ? '1' : definition.slice(equals + 1);
  }
  return defines;
}

/**
 * `hivetool compile FILE... -o OUTDIR`: the image build's registry step (registry sources
 * guide §1). Writes boot.hv, default.hv, user.hv and reginit.ini, all or none.
 */
export async function run(args: CompileArguments, io: CommandIo): Promise<number> {
  if (args.explain !== undefined || args.output === undefined || args.output === STDIO) return compile(args, io);
  // A signal names the output as not written (temporaries.ts).
  const done = pending(args.output);
  try {
    return await compile(args, io);
  } finally {
    done();
  }
}

async function compile(args: CompileArguments, io: CommandIo): Promise<number> {
  const { compileRegistry, encodeCompiledHives, explainKey, formatDiagnostic, isKnownEncoding, parseStrings, decodeSource, HIVE_NAMES } = await import('@hivetool/compile');
  if (args.encoding !== undefined && !isKnownEncoding(args.encoding)) throw new UsageError(`--encoding ${args.encoding}: not an encoding this runtime can decode (e.g. shift_jis, gbk, windows-1252)`);
  if (args.sysgen !== undefined && !args.sysgenFilter) throw new UsageError('--sysgen and --no-sysgen-filter exclude each other');
  if (args.explain === undefined && args.output === undefined) throw new UsageError('compile needs -o OUTDIR (or -o FILE with --merge-only)');
  if (args.output === '-' && !args.mergeOnly) throw new UsageError('-o -: compile writes a folder (boot.hv, default.hv, user.hv, reginit.ini), which standard output cannot hold: name a folder, or add --merge-only to write reginit.ini to standard output');
  if (args.maxExpansion !== undefined && !(Number.isInteger(args.maxExpansion) && args.maxExpansion >= 1 && args.maxExpansion <= 1024)) throw new UsageError(`--max-expansion ${args.maxExpansion}: takes a whole factor from 1 to 1024`);
  const options: CompileOptions = {
    defines: parseDefines(args.define ?? []),
    environment: process.env,
    missingInclude: args.missingInclude,
    sysgen: !args.sysgenFilter
      ? { mode: 'off' }
      : args.sysgen === undefined
        ? { mode: 'all' }
        : { mode: 'components', components: args.sysgen.split(',').map((name) => name.trim()).filter((name) => name.length > 0) },
  };
  if (args.encoding !== undefined) options.encoding = args.encoding;
  if (args.pedantic === true) options.pedantic = true;
  if (args.maxExpansion !== undefined) options.expansionFactor = args.maxExpansion;
  if (args.signature !== undefined) {
    const { parseHex16 } = await import('./build.js');
    options.signature = parseHex16(args.signature, '--signature');
  }
  const strings: Record<string, string> = {};
  for (const file of args.strings ?? []) {
    const parsed = parseStrings(decodeSource(readInputFile(io, file, MAX_SOURCE_BYTES), args.encoding).text);
    if (parsed.ignoredLines.length > 0) io.stderr(`hivetool: ${safeLine(`${file}:${parsed.ignoredLines[0]}: warning: not a LOC_NAME string line (${parsed.ignoredLines.length} such lines ignored) [BAD_STRING_LINE]`)}\n`);
    Object.assign(strings, parsed.strings);
  }
  options.strings = strings;

  const host = new FileSystemHost(io);
  for (const input of args.inputs) host.preload(input);
  const result = compileRegistry(args.inputs.map(inputName), host, options);
  for (const diagnostic of result.diagnostics) {
    // The codec names no option: the advice for the expansion limit is added here.
    const advice = diagnostic.code === 'LIMIT_EXCEEDED' && diagnostic.message.includes(' expand past ') ? '; if the sources are meant to expand this much, raise the factor with --max-expansion' : '';
    io.stderr(`hivetool: ${safeLine(formatDiagnostic(diagnostic))}${advice}\n`);
  }

  if (args.explain !== undefined) {
    const explanation = explainKey(result.merged, args.explain);
    if (explanation === undefined) throw new UsageError(`--explain ${args.explain}: a key path starts with a root (HKEY_LOCAL_MACHINE, HKLM, HKCU, HKCR, HKU)`);
    print(io, args.json ? terminalSafeJson(JSON.stringify({ format: 'hivetool-compile-explain', schemaVersion: 1, ...explanation }, null, 2)) + '\n' : renderExplanation(explanation));
    return result.errors > 0 ? ExitCode.FAILED : result.warnings > 0 ? ExitCode.FINDINGS : ExitCode.OK;
  }
  const output = args.output!;
  if (result.errors > 0) {
    if (args.json) print(io, JSON.stringify(summaryJson(result, output, [], HIVE_NAMES), null, 2) + '\n');
    io.stderr(`hivetool: ${args.inputs.map(inputName).join(', ')}: ${result.errors} error${result.errors === 1 ? '' : 's'}; nothing written\n`);
    return ExitCode.FAILED;
  }
  // The compile ran without a break: a signal that came meanwhile is handled here, before
  // anything is written, rather than after the outputs are in place: a timer, then an
  // immediate, so that the loop polls its handles (the signal's among them) in between.
  await new Promise<void>((resolve) => setTimeout(resolve, 0));
  await new Promise<void>((resolve) => setImmediate(resolve));
  let written: Array<{ file: string; bytes: number }>;
  // The files named, those they #include, and the .str files: none may be replaced.
  const inputs = [...host.filesRead, ...(args.strings ?? [])];
  if (args.mergeOnly) {
    refuseInputAsOutput(inputs, output);
    writeFileAtomic(io, output, result.reginit);
    written = [{ file: output, bytes: result.reginit.length }];
  } else {
    const hives = encodeCompiledHives(result);
    const files: Array<[string, Uint8Array]> = [...HIVE_NAMES.map((name): [string, Uint8Array] => [join(output, `${name}.hv`), hives[name]]), [join(output, 'reginit.ini'), result.reginit]];
    mkdirSync(output, { recursive: true });
    for (const [file] of files) refuseInputAsOutput(inputs, file);
    writeAll(io, files);
    written = files.map(([file, bytes]) => ({ file, bytes: bytes.length }));
  }
  if (args.json) print(io, JSON.stringify(summaryJson(result, output, written, HIVE_NAMES), null, 2) + '\n');
  else tell(io, output, renderSummary(result, written, args.mergeOnly, HIVE_NAMES));
  return result.warnings > 0 ? ExitCode.FINDINGS : ExitCode.OK;
}

/**
 * Writes every file to a temporary file beside its target first; only when all are
 * written are they renamed into place, so a failure leaves none of them changed.
 */
export function writeAll(io: CliIo, files: Array<[string, Uint8Array]>): void {
  const sinks: AtomicFileSink[] = [];
  try {
    for (const [file, bytes] of files) {
      const sink = new AtomicFileSink(io, file, 'generated');
      sinks.push(sink);
      // Written through to the temporary file now: nothing is renamed until all are.
      sink.writeBytes(bytes);
    }
  } catch (error) {
    for (const sink of sinks) sink.abort();
    throw error;
  }
  for (let index = 0; index < sinks.length; index++) {
    try {
      sinks[index]!.close();
    } catch (error) {
      for (const sink of sinks.slice(index + 1)) sink.abort();
      throw error;
    }
  }
}

function summaryJson(result: CompileResult, output: string, written: Array<{ file: string; bytes: number }>, names: readonly HiveName[]): object {
  const statistics = result.statistics;
  return {
    format: 'hivetool-compile',
    schemaVersion: 1,
    output,
    ok: result.errors === 0,
    files: statistics.files,
    lines: statistics.lines,
    mergedLines: result.merged.texts.length,
    conditionals: { taken: statistics.conditionalsTaken, skipped: statistics.conditionalsSkipped },
    outputHive: statistics.outputHive,
    hives: Object.fromEntries(names.map((name) => [name, statistics.hives[name]])),
    reginitBytes: result.reginit.length,
    signature: hexBytes(result.signature),
    signatureSource: result.signatureGiven ? 'given' : 'md5-of-reginit',
    written,
    errors: result.errors,
    warnings: result.warnings,
    notes: result.notes,
    endifLabels: statistics.endifLabels,
    diagnostics: result.diagnostics,
  };
}

function renderSummary(result: CompileResult, written: Array<{ file: string; bytes: number }>, mergeOnly: boolean, names: readonly HiveName[]): string {
  const statistics = result.statistics;
  const lines = [
    `read ${statistics.files} file${statistics.files === 1 ? '' : 's'}, ${statistics.lines} lines; conditionals: ${statistics.conditionalsTaken} taken, ${statistics.conditionalsSkipped} skipped; ${result.merged.texts.length} merged lines`,
  ];
  if (!mergeOnly) for (const name of names) lines.push(`${name}.hv: ${statistics.hives[name].keys} keys, ${statistics.hives[name].values} values`);
  for (const file of written) lines.push(`wrote ${file.file} (${file.bytes} bytes)`);
  lines.push(`ROM signature ${hexBytes(result.signature)}${result.signatureGiven ? ' (given)' : ' (MD5 of reginit.ini)'}`);
  if (!statistics.outputHive) lines.push('no "; OUTPUTHIVE" line reached: an image built from these sources would use the RAM-based registry');
  const notes = result.notes > 0 ? `, ${result.notes} note${result.notes === 1 ? '' : 's'}` : '';
  lines.push(`${result.warnings} warning${result.warnings === 1 ? '' : 's'}${notes}`);
  return lines.join('\n') + '\n';
}

function renderExplanation(explanation: Explanation): string {
  const lines = [`[${explanation.key}]`];
  for (const event of explanation.keyEvents) lines.push(`  ${event.kind === 'delete-key' ? 'deleted by' : 'opened at'} ${event.file}:${event.line}: ${event.text}`);
  if (explanation.values.length === 0) lines.push('  no values set in the merged sources');
  for (const value of explanation.values) {
    const events = [...value.events];
    const last = events.pop()!;
    const name = value.name === '@' ? '@' : `"${value.name}"`;
    lines.push(value.present ? `  ${name}: ${last.text}  (${last.file}:${last.line})` : `  ${name}: deleted  (${last.file}:${last.line}: ${last.text})`);
    for (const earlier of events.reverse()) lines.push(`      overrides ${earlier.file}:${earlier.line}: ${earlier.text}`);
  }
  return terminalLines(lines);
}
