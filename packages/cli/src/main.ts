import { createRequire } from 'node:module';
import type YargsFactory from 'yargs';
// The commands are defined in light modules; each command's code is imported when the
// command runs, so start-up loads only the code (and dependencies) of the command asked for.
import { COMMANDS } from './commands/index.js';
import { register, type CommandIo } from './command.js';
import { forgetStdin } from './input.js';
import { processIo, withConsole, type CliIo } from './io.js';
import { ExitCode, UsageError, describeFailure, safeLine } from './failures.js';
import { stderrReporter } from './report.js';
import { resetOutputLimit, setMaxOutput } from './output.js';
import { positiveInteger } from './options.js';
import { argumentError, argumentsForParser, plainPositionals, refuseOutputOverInput, restoreDash } from './parserMessages.js';

// The CommonJS build of yargs: its help wraps at word boundaries, where the ES module build
// cuts words at the column edge.
const yargs = createRequire(import.meta.url)('yargs') as typeof YargsFactory;
// yargs would look for package.json up from the working directory (an ES module leaves it
// no require.main): the version is read from this package's, one folder up from dist/ and
// from the bundle alike.
const { version: VERSION } = createRequire(import.meta.url)('../package.json') as { version: string };

const EPILOGUE = 'Exit codes: 0 ok, 1 problems found (verify, compile, boot, lint, recover, carve, media, find, oem verify, oem preg verify), differences (diff) or conflicts decided by policy (migrate), 2 could not run, 70 a bug, 129/130/143 stopped by SIGHUP/SIGINT/SIGTERM (no output left behind).';

/**
 * Runs hivetool with `argv` (without `node` and the script) and returns the exit code.
 * User errors become one line on stderr; only bugs print a stack.
 */
export async function main(argv: string[], streams?: CliIo): Promise<number> {
  if (streams === undefined) {
    // A closed pipe (`hivetool dump x | head`) is a normal way for output to end.
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(ExitCode.OK);
      throw error;
    });
  }
  // What an earlier run in this thread set or read does not carry over.
  resetOutputLimit();
  forgetStdin();
  const given = streams ?? processIo();
  return withConsole(given, () => run(argv, given));
}

async function run(argv: string[], streams: CliIo): Promise<number> {
  const commandIo: CommandIo = { ...streams, report: stderrReporter(streams) };
  const exit = { code: ExitCode.OK as number };
  // yargs drops a lone `-` (standard input or output) from positionals and option values,
  // and takes a positional after `--` that starts with `-` for an option: they travel
  // through the parser under other names and are given back below.
  const start = yargs(argumentsForParser(argv))
    .middleware(restoreDash, true)
    .scriptName('hivetool')
    .usage('$0 <command> [options]\n\nRead, check and convert Windows CE registry hive files (.hv).');
  // Each command is defined in its own module (commands/<name>.ts).
  const parser = COMMANDS.reduce((commands, command) => register(commands, command, commandIo, exit), start)
    .option('max-output', { requiresArg: true, type: 'number', global: true, describe: 'stop with an error once a command has written this many bytes (default: 4 GiB; for dump, image dump and diff 64 MiB + 16 bytes per input byte, at most 4 GiB)' })
    .middleware((args) => {
      const cap = positiveInteger(args['max-output'] as number | undefined, '--max-output');
      if (cap !== undefined) setMaxOutput(cap);
      refuseOutputOverInput(args);
    })
    .demandCommand(1, 'name a command: dump, info, verify, diff, build, rewrite, compile, boot, lint, recover, carve, find, view, image or oem')
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version(VERSION)
    .alias('V', 'version')
    .epilogue(EPILOGUE)
    .wrap(Math.min(110, streams.columns ?? 110))
    .exitProcess(false)
    .parserConfiguration({ 'camel-case-expansion': false })
    .fail((message, error) => {
      if (error instanceof UsageError) throw error;
      // Throwing stops yargs here, before any command handler runs.
      throw new UsageError(argumentError(message ?? error?.message ?? '', argv));
    });

  // Help goes through console.log: there, the type and default yargs adds to positionals
  // (`[array] [default: []]`) are left out; the usage line already says what they are.
  const log = console.log;
  console.log = (...items: unknown[]) => log(...items.map((item) => (typeof item === 'string' ? plainPositionals(item) : item)));
  try {
    await parser.parseAsync();
  } catch (error) {
    // The reader of our output went away (`hivetool dump x | head`): not a failure.
    if ((error as NodeJS.ErrnoException).code === 'EPIPE') return ExitCode.OK;
    const line = describeFailure(error);
    if (line === undefined) {
      streams.stderr(`hivetool: internal error (please report it with the input that caused it):\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      return ExitCode.INTERNAL;
    }
    streams.stderr(`hivetool: ${safeLine(line)}\n`);
    return ExitCode.FAILED;
  } finally {
    console.log = log;
  }
  return exit.code;
}

export { UsageError };
export { openHiveFile, openHiveFileLazy } from './input.js';
export { memoryIo, processIo, type CliIo } from './io.js';
