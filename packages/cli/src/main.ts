import yargs from 'yargs';
import { runDump, type DumpFormat } from './commands/dump.js';
import { runBuild } from './commands/build.js';
import { runInfo } from './commands/info.js';
import { runRewrite } from './commands/rewrite.js';
import { ExitCode, UsageError, describeFailure } from './failures.js';
import { stderrReporter } from './report.js';

const EPILOGUE = 'Exit codes: 0 success, 2 could not run (bad arguments, unreadable or malformed input).';

/**
 * Runs hivetool with `argv` (without `node` and the script) and returns the exit code.
 * User errors become one line on stderr; only bugs print a stack.
 */
export async function main(argv: string[]): Promise<number> {
  const report = stderrReporter();
  // A closed pipe (`hivetool dump x | head`) is a normal way for output to end.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(ExitCode.OK);
    throw error;
  });
  let exitCode: number = ExitCode.OK;
  const parser = yargs(argv)
    .scriptName('hivetool')
    .usage('$0 <command> [options]\n\nRead, check and convert Windows CE registry hive files (.hv).')
    .command(
      'dump <files..>',
      'Print the registry stored in hive files as .reg text, JSON or raw records',
      (command) =>
        command
          .positional('files', { describe: 'hive files (.hv)', type: 'string', array: true, demandOption: true })
          .option('format', { alias: 'f', choices: ['reg', 'json', 'raw'] as const, default: 'reg' as const, describe: 'output format' })
          .option('key', { alias: 'k', type: 'string', describe: 'dump only this key and its subtree (e.g. HKLM\\Drivers\\BuiltIn)' })
          .option('output', { alias: 'o', type: 'string', describe: 'write to this file (atomically) instead of stdout' })
          .option('kind', { choices: ['auto', 'rom', 'persistent'] as const, default: 'auto' as const, describe: 'how to read references: auto decides from the roots record' })
          .option('max-depth', { type: 'number', describe: 'deepest key nesting to follow (default 512, the Windows limit)' })
          .option('reg-style', { choices: ['ce', 'regedit'] as const, default: 'ce' as const, describe: 'ce: MULTI_SZ and MUI_SZ as multi_sz:/mui_sz: (platform.reg); regedit: as hex(7)/hex(15)' })
          .example('$0 dump samples/device.hv', '.reg text of the whole hive')
          .example('$0 dump -f json -k "HKLM\\Drivers" default.hv', 'one subtree as JSON')
          .example('$0 dump -f raw boot.hv', 'every heap block, one line each'),
      (args) => {
        exitCode = runDump({ files: args.files as string[], format: args.format as DumpFormat, key: args.key, output: args.output, kind: args.kind, maxDepth: positiveInteger(args['max-depth'], '--max-depth'), regStyle: args['reg-style'] }, report);
      },
    )
    .command(
      'info <files..>',
      'Show header fields, counts, value types and unknown bits of hive files',
      (command) =>
        command
          .positional('files', { describe: 'hive files (.hv)', type: 'string', array: true, demandOption: true })
          .option('json', { type: 'boolean', default: false, describe: 'print JSON (docs/json-schema.md)' })
          .option('kind', { choices: ['auto', 'rom', 'persistent'] as const, default: 'auto' as const, describe: 'how to read references: auto decides from the roots record' })
          .option('max-depth', { type: 'number', describe: 'deepest key nesting to follow (default 512, the Windows limit)' })
          .example('$0 info samples/device.hv', 'header and statistics')
          .example('$0 info --json *.hv', 'the same for scripts'),
      (args) => {
        exitCode = runInfo({ files: args.files as string[], json: args.json, kind: args.kind, maxDepth: positiveInteger(args['max-depth'], '--max-depth') }, report);
      },
    )
    .command(
      'build <inputs..>',
      'Build a hive file from .reg files (regedit syntax plus the CE forms multi_sz: and mui_sz:)',
      (command) =>
        command
          .positional('inputs', { describe: '.reg files, applied in order', type: 'string', array: true, demandOption: true })
          .option('output', { alias: 'o', type: 'string', demandOption: true, describe: 'the hive file to write (atomically; never one of the inputs)' })
          .option('layout', { choices: ['rom', 'persistent'] as const, default: 'rom' as const, describe: 'rom: own references carry store nibble 2; persistent: nibble 0' })
          .option('rom-signature', { type: 'string', describe: '16-byte ROM signature as 32 hex digits (default: derived from the content)' })
          .option('guid', { type: 'string', describe: '16-byte volume GUID as 32 hex digits (default: derived from the content)' })
          .example('$0 build platform.reg -o default.hv', 'a ROM-style hive')
          .example('$0 build base.reg patch.reg -o out.hv --rom-signature 6e950daec1672852a98cf772c09550c9', 'two files, a given signature'),
      (args) => {
        exitCode = runBuild({ inputs: args.inputs as string[], output: args.output, layout: args.layout as 'rom' | 'persistent', romSignature: args['rom-signature'], guid: args.guid });
      },
    )
    .command(
      'rewrite <input> <output>',
      'Re-emit a hive from its parsed parts, byte for byte (a lossless round trip)',
      (command) =>
        command
          .positional('input', { describe: 'hive file to read', type: 'string', demandOption: true })
          .positional('output', { describe: 'hive file to write (atomically; never the input)', type: 'string', demandOption: true })
          .example('$0 rewrite default.hv copy.hv', 'copy.hv has the same bytes'),
      (args) => {
        exitCode = runRewrite(args.input, args.output);
      },
    )
    .demandCommand(1, 'Name a command: dump, info, build or rewrite (see --help).')
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version()
    .alias('V', 'version')
    .epilogue(EPILOGUE)
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .exitProcess(false)
    .fail((message, error) => {
      if (error !== undefined && error !== null) throw error;
      // Throwing stops yargs here, before any command handler runs.
      throw new UsageError(`${message}\nRun 'hivetool --help' for usage.`);
    });

  try {
    await parser.parseAsync();
  } catch (error) {
    // The reader of our output went away (`hivetool dump x | head`): not a failure.
    if ((error as NodeJS.ErrnoException).code === 'EPIPE') return ExitCode.OK;
    const line = describeFailure(error);
    if (line === undefined) {
      process.stderr.write(`hivetool: internal error (please report it with the input that caused it):\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      return ExitCode.INTERNAL;
    }
    process.stderr.write(`hivetool: ${line}\n`);
    return ExitCode.FAILED;
  }
  return exitCode;
}

/** A whole number ≥ 1 from an option, or undefined when the option was not given. */
function positiveInteger(value: number | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`${option} takes a whole number of at least 1`);
  return value;
}

export { UsageError };
