/**
 * What main() adds to yargs: `-` carried through the parser, the one check of outputs
 * against inputs, help text without yargs's type columns, and argument errors as one line.
 */
import { join } from 'node:path';
import { expandInputs } from './batch.js';
import { UsageError } from './failures.js';
import { STDIN } from './input.js';
import { isDirectory, refuseInputAsOutput } from './output.js';

export const DASH_STAND_IN = '\u2039-\u203a';

/**
 * Put before an argument after `--` that starts with `-`: yargs parses a command's
 * positionals a second time, as option values, and would take `-x` for an option there.
 */
export const AFTER_DASHES = '\u2039--\u203a';

/**
 * The arguments as they cross yargs: `-` as DASH_STAND_IN, and after `--` (every argument
 * is a positional from there on, as in POSIX utilities) each one that starts with `-`
 * behind AFTER_DASHES.
 */
export function argumentsForParser(argv: readonly string[]): string[] {
  const dashes = argv.indexOf('--');
  const stand = (arg: string): string => (arg === STDIN ? DASH_STAND_IN : arg);
  if (dashes < 0) return argv.map(stand);
  // yargs keeps what follows `--` out of a command's positionals: it is given as
  // positionals that cannot be taken for options instead.
  return [...argv.slice(0, dashes).map(stand), ...argv.slice(dashes + 1).map((arg) => (arg !== STDIN && arg.startsWith('-') ? AFTER_DASHES + arg : stand(arg)))];
}

const restored = (value: unknown): unknown => (value === DASH_STAND_IN ? STDIN : typeof value === 'string' && value.startsWith(AFTER_DASHES) ? value.slice(AFTER_DASHES.length) : value);

/** Gives back the arguments that crossed the parser as DASH_STAND_IN or behind AFTER_DASHES. */
export function restoreDash(args: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(args)) {
    args[name] = Array.isArray(value) ? value.map(restored) : restored(value);
  }
}

/**
 * Every command that writes a file (`-o`, or `rewrite`'s second file) goes through this
 * one check before anything is read: its output is none of its inputs, whatever the
 * argument that names them (`--rom` included; `--previous` may be the output, see
 * `oem store`).
 */
export function refuseOutputOverInput(args: Record<string, unknown>): void {
  const named = ['files', 'inputs', 'input', 'rom', 'old-rom', 'new-rom', 'device-reg'].flatMap((name) => {
    const value = args[name];
    return typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
  });
  const previous = args['previous'];
  // Standard input is read once, by the thread that runs the command: not for a hive that
  // every worker thread opens again, nor twice.
  for (const option of ['rom', 'previous', 'old-rom', 'new-rom']) {
    if (args[option] === STDIN) throw new UsageError(`--${option} takes a file name: - (standard input) is accepted only for the files the command reads`);
  }
  if (named.filter((name) => name === STDIN).length > 1) throw new UsageError('- (standard input) can be given once');
  // carve scans an image of any size in windows by offset, boot and lint read folders.
  for (const option of ['images', 'romdir', 'storagedir']) {
    const value = args[option];
    if (value === STDIN || (Array.isArray(value) && value.includes(STDIN))) {
      throw new UsageError(option === 'images' ? 'carve reads images by offset, in windows: - (standard input) cannot be scanned; save it to a file first' : `<${option}> is a folder: - (standard input) cannot stand for it`);
    }
  }
  const output = args['output'];
  if (typeof output !== 'string') return;
  if (output === '') throw new UsageError("-o '': the output's name is empty: name a file to write, or - for standard output");
  // Nothing is mixed into an output on standard output: a JSON report would follow its bytes.
  if (output === STDIN && args['json'] === true) throw new UsageError('--json and -o - both write to standard output: give -o a file name');
  // Said before any work (a rename over a folder would fail only at the end): carve, media
  // and compile (but for --merge-only) write into a folder; every other -o is a file.
  const command = Array.isArray(args['_']) ? args['_'][0] : undefined;
  // migrate's folder form (no --old-rom/--new-rom) writes into a folder too; its ROM and storage folders are checked by migrate.
  const migrateFolders = command === 'migrate' && args['old-rom'] === undefined && args['new-rom'] === undefined;
  const intoFolder = command === 'carve' || command === 'media' || (command === 'compile' && args['merge-only'] !== true) || migrateFolders;
  if (!intoFolder && output !== STDIN && isDirectory(output)) {
    throw new UsageError(`${output}: cannot write: is a directory; name a file to write (e.g. ${join(output, 'out')})`);
  }
  const images = Array.isArray(args['_']) && args['_'][0] === 'image' && args['_'][1] === 'dump';
  refuseInputAsOutput(expandInputs(command === 'migrate' ? named.filter((name) => !isDirectory(name)) : named, args['recursive'] === true, command === 'compile' ? 'source' : images ? 'image' : 'hive'), output, typeof previous === 'string' ? previous : undefined);
}

/** Help text without the type and default columns of the Positionals section. */
export function plainPositionals(help: string): string {
  const lines = help.split('\n');
  let section = '';
  return lines
    .map((line) => {
      if (/^\S/.test(line)) section = line;
      if (section === 'Positionals:') return line.replace(/\s*(\[(array|string)\])?( \[default: \[\]\])?\s*$/, '');
      // Commands list their positionals as optional for yargs (see positionals()); all but
      // verify's and view's are required.
      if (section === 'Commands:' && !/^\s+hivetool (verify|view) /.test(line)) return line.replace(/ \[(\w+(?:\.\.)?)\]/g, ' <$1>');
      return line;
    })
    .join('\n');
}

/**
 * yargs's complaint about the arguments as one line saying what to do: an unknown option
 * once, by its name as typed; a bad value with the choices; then where to read more.
 */
export function argumentError(message: string, argv: readonly string[]): string {
  const command = argv.filter((arg) => !arg.startsWith('-')).slice(0, 2);
  const help = `see 'hivetool ${command[0] === 'image' || command[0] === 'oem' ? command.join(' ') : (command[0] ?? '')} --help'`.replace(/ +--help/, ' --help');
  const typed = (name: string): string => argv.find((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`) || arg === `-${name}` || (name.length === 1 && /^-[a-zA-Z]+$/.test(arg) && arg.includes(name)))?.split('=')[0] ?? name;
  let text = message.trim();
  const unknown = /^Unknown arguments?: (.*)$/s.exec(text);
  const invalid = /^Invalid values:\s*(.*)$/s.exec(text);
  const missing = /^Missing required arguments?: ([^\n]*)/.exec(text);
  const needsValue = /^Not enough arguments following: (.*)$/.exec(text);
  if (unknown !== null) {
    const names = unknown[1]!.split(', ').map((name) => typed(name));
    const options = names.filter((name) => name.startsWith('-'));
    const extra = names.filter((name) => !name.startsWith('-'));
    // The first word not being a command: say that, and point to the list of commands.
    if (extra[0] !== undefined && extra[0] === command[0]) return `unknown command "${extra[0]}"; see 'hivetool --help'`;
    text = [options.length > 0 ? `unknown option${options.length > 1 ? 's' : ''} ${options.join(', ')}` : '', extra.length > 0 ? `unexpected argument${extra.length > 1 ? 's' : ''} ${extra.map((name) => `"${name}"`).join(', ')}` : ''].filter(Boolean).join('; ');
  } else if (invalid !== null) {
    text = [...invalid[1]!.matchAll(/Argument: ([^,]+), Given: (.*?), Choices: (.*)$/gm)]
      .map(([, name, given, choices]) => {
        const value = given!.replace(/^"(.*)"$/, '$1');
        const list = choices!.split(', ').map((choice) => choice.replace(/^"(.*)"$/, '$1'));
        const file = /[./\\]/.test(value) ? ` (${value} looks like a file: put it after the option's value)` : '';
        // The option as typed is the argument before its value (`-f x`, `--format x`).
        const at = argv.indexOf(value);
        const option = at > 0 && argv[at - 1]!.startsWith('-') ? argv[at - 1]! : typed(name!);
        return `${option} ${JSON.stringify(value)} is not one of ${list.join(', ')}${file}`;
      })
      .join('; ');
  } else if (missing !== null) {
    text = `missing ${missing[1]!.split(', ').map((name) => (name === 'output' ? '-o FILE (--output)' : `--${name}`)).join(', ')}`;
  } else if (needsValue !== null) {
    text = `${typed(needsValue[1]!)} needs a value`;
  } else if (/^Did you mean /.test(text)) {
    return `unknown command "${command[0] ?? ''}": ${text.replace(/^Did you mean (.*)\?$/, 'did you mean $1?')}; see 'hivetool --help'`;
  }
  return `${text.replace(/\s*\n\s*/g, '; ')}; ${help}`;
}
