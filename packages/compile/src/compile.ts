import { encodeHive } from '@hivetool/hive';
import { DEFAULT_REGISTRY_LIMITS, RegParseError, RegTreeBuilder, countTree, type HiveTree } from '@hivetool/registry';
import { DiagnosticList, type Diagnostic } from './diagnostics.js';
import { Preprocessor, type MergedSource, type PreprocessOptions, type PreprocessStatistics, type SourceHost } from './preprocess.js';
import { encodeReginit, reginitSignature } from './reginit.js';
import { keyLineRoot, splitHives, type HiveLines } from './split.js';

export interface CompileOptions extends PreprocessOptions {
  /** ROM signature to write instead of the MD5 of reginit.ini (16 bytes). */
  signature?: Uint8Array;
  /** Errors collected before the compile stops (default 100). */
  maxErrors?: number;
}

export type HiveName = 'boot' | 'default' | 'user';
export const HIVE_NAMES: readonly HiveName[] = ['boot', 'default', 'user'];

export interface CompileResult {
  merged: MergedSource;
  /** The reginit.ini bytes (encodeReginit). */
  reginit: Uint8Array;
  /** ROM signature of all three hives: MD5 of `reginit`, or the one given. */
  signature: Uint8Array;
  signatureGiven: boolean;
  /** The three registries; undefined when an error stopped the compile. */
  trees: Record<HiveName, HiveTree> | undefined;
  diagnostics: Diagnostic[];
  errors: number;
  warnings: number;
  /** Notes (`#message` text, forms read as Platform Builder reads them): no effect on the outcome. */
  notes: number;
  statistics: PreprocessStatistics & { hives: Record<HiveName, { keys: number; values: number }> };
}

/**
 * Compiles registry sources as an image build does (registry sources guide §1): merges
 * `files` in order through the preprocessor into reginit.ini, then splits it into the
 * boot, system (default.hv) and user registries. Problems are diagnostics, never
 * exceptions; with any error, `trees` is undefined and nothing should be written.
 *
 * @throws {RangeError} when `options.encoding` is not a label `TextDecoder` knows (check
 * it first with `isKnownEncoding`).
 */
export function compileRegistry(files: readonly string[], host: SourceHost, options: CompileOptions = {}): CompileResult {
  const diagnostics = new DiagnosticList(options.maxErrors ?? 100);
  const merged = new Preprocessor(host, options, diagnostics).run(files);
  const reginit = encodeReginit(merged.texts);
  const signature = options.signature ?? reginitSignature(reginit);
  let trees: Record<HiveName, HiveTree> | undefined;
  if (diagnostics.errors === 0) trees = buildTrees(merged, diagnostics);
  if (diagnostics.errors > 0) trees = undefined;
  const empty = { keys: 0, values: 0 };
  const hives = { boot: empty, default: empty, user: empty };
  if (trees !== undefined) for (const name of HIVE_NAMES) hives[name] = countTree(trees[name]);
  const items = [...diagnostics.items];
  if (diagnostics.full) {
    const last = items[items.length - 1];
    items.push({ severity: 'error', code: 'TOO_MANY_ERRORS', file: last?.file ?? files[0] ?? '<input>', line: last?.line ?? 0, message: `stopped after ${diagnostics.maxErrors} errors` });
  }
  return {
    merged,
    reginit,
    signature,
    signatureGiven: options.signature !== undefined,
    trees,
    diagnostics: items,
    errors: diagnostics.errors,
    warnings: diagnostics.warnings,
    notes: diagnostics.notes,
    statistics: { ...merged.statistics, hives },
  };
}

/**
 * Builds each hive's registry with the .reg parser. A line the parser refuses is reported
 * with the file and line it came from, and reading goes on after it (under the key line
 * in force before it), so every bad line is reported in one pass over the text.
 */
function buildTrees(merged: MergedSource, diagnostics: DiagnosticList): Record<HiveName, HiveTree> | undefined {
  const parts: HiveLines = splitHives(merged, new Set(), diagnostics);
  for (const lines of [parts.system, parts.user]) checkKeyLines(merged, lines, diagnostics);
  if (diagnostics.errors > 0) return undefined;
  const reported = new Set<number>();
  const trees: Partial<Record<HiveName, HiveTree>> = {};
  for (const [name, lines] of [['default', parts.system], ['user', parts.user], ['boot', parts.boot]] as const) {
    const tree = buildTree(merged, lines, name, diagnostics, reported);
    if (tree === undefined) return undefined;
    trees[name] = tree;
  }
  return diagnostics.errors > 0 ? undefined : (trees as Record<HiveName, HiveTree>);
}

const DEFAULT_VALUE_LINE = /^(?:(@)|"(default)")\s*=\s*(-\s*(?:;.*)?$)?/i;

/**
 * Checks over one hive's lines that need the key a line is in: a key nested deeper than a
 * hive can hold (an error at its file:line, before the writer would refuse the whole
 * tree), and `@=` with `"Default"=` both set in one key (format guide §8: the unnamed value
 * is stored under the name `Default`, so they are one value on the device and the later
 * line wins), a warning naming both lines. Deleting either (`=-`, or the key) forgets it.
 */
function checkKeyLines(merged: MergedSource, lines: readonly number[], diagnostics: DiagnosticList): void {
  const maxDepth = DEFAULT_REGISTRY_LIMITS.maxDepth;
  const seen = new Map<string, { at?: number; named?: number }>();
  let key: string | undefined;
  let continuing = false;
  const where = (index: number): string => `${merged.files[merged.fileOf[index]!]}:${merged.lineOf[index]}`;
  for (const index of lines) {
    const trimmed = merged.texts[index]!.trim();
    if (continuing) {
      continuing = trimmed.endsWith('\\');
      continue;
    }
    continuing = trimmed.endsWith('\\');
    if (trimmed.startsWith('[')) {
      const close = trimmed.lastIndexOf(']');
      const inner = trimmed.slice(1, close < 0 ? undefined : close);
      const root = keyLineRoot(trimmed);
      const depth = inner.split('\\').slice(1).filter((name) => name.length > 0).length;
      if (depth > maxDepth && root >= 0) {
        diagnostics.error('LIMIT_EXCEEDED', merged.files[merged.fileOf[index]!]!, merged.lineOf[index]!, `key nests ${depth} levels deep: a hive holds keys at most ${maxDepth} levels deep (Windows' limit)`);
        if (diagnostics.full) return;
        key = undefined;
        continue;
      }
      const path = `${root}\\${inner.slice(inner.indexOf('\\') + 1).toUpperCase()}`;
      if (inner.startsWith('-')) {
        for (const name of [...seen.keys()]) if (name === path || name.startsWith(`${path}\\`)) seen.delete(name);
        key = undefined;
      } else key = inner.includes('\\') ? path : `${root}\\`;
      continue;
    }
    if (key === undefined) continue;
    const match = DEFAULT_VALUE_LINE.exec(trimmed);
    if (match === null) continue;
    const entry = seen.get(key) ?? {};
    const deleted = match[3] !== undefined;
    if (match[1] !== undefined) {
      if (deleted) delete entry.at;
      else entry.at = index;
    } else if (deleted) delete entry.named;
    else entry.named = index;
    seen.set(key, entry);
    if (!deleted && entry.at !== undefined && entry.named !== undefined) {
      const [earlier, later] = entry.at < entry.named ? [entry.at, entry.named] : [entry.named, entry.at];
      const [earlierForm, laterForm] = entry.at < entry.named ? ['@', '"Default"'] : ['"Default"', '@'];
      diagnostics.warning('DEFAULT_VALUE_TWICE', merged.files[merged.fileOf[later]!]!, merged.lineOf[later]!, `${laterForm} here and ${earlierForm} at ${where(earlier)} set one value (the unnamed value is stored as "Default"): this line wins`);
    }
  }
}

function buildTree(merged: MergedSource, lines: readonly number[], name: string, diagnostics: DiagnosticList, reported: Set<number>): HiveTree | undefined {
  const builder = new RegTreeBuilder();
  let start = 0;
  let keyLine: number | undefined;
  for (;;) {
    const chunk = keyLine === undefined ? lines.slice(start) : [keyLine, ...lines.slice(start)];
    try {
      builder.apply(chunk.map((index) => merged.texts[index]).join('\n'), name);
      return builder.tree();
    } catch (error) {
      if (!(error instanceof RegParseError)) throw error;
      const failed = start + error.line - 1 - (keyLine === undefined ? 0 : 1);
      const index = lines[failed];
      if (index === undefined || failed < start) return undefined; // the repeated key line parsed before: cannot happen
      if (!reported.has(index)) {
        reported.add(index);
        const file = merged.files[merged.fileOf[index]!]!;
        const line = merged.lineOf[index]!;
        if (error.code === 'VALUE_OUTSIDE_KEY') diagnostics.error('VALUE_OUTSIDE_KEY', file, line, error.what);
        else diagnostics.error('BAD_DATA', file, line, `${error.what} (${error.code})`);
      }
      if (diagnostics.full) return undefined;
      keyLine = undefined;
      for (let back = failed - 1; back >= 0; back--) {
        if (merged.texts[lines[back]!]!.trimStart().startsWith('[')) {
          keyLine = lines[back];
          break;
        }
      }
      start = failed + 1;
    }
  }
}

/** The three ROM hives of a successful compile, all carrying its signature (format guide §3, §11). */
export function encodeCompiledHives(result: CompileResult): Record<HiveName, Uint8Array> {
  const trees = result.trees;
  if (trees === undefined) throw new Error('the compile had errors: there are no hives to encode');
  const encode = (tree: HiveTree): Uint8Array => encodeHive(tree, { layout: 'rom', romSignature: result.signature });
  return { boot: encode(trees.boot), default: encode(trees.default), user: encode(trees.user) };
}
