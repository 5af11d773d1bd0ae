/**
 * The one shape of a hivetool command. A command is defined in `commands/<name>.ts`: its
 * yargs usage, options, help and examples (`builder`), the mapping of the parsed arguments
 * to its typed options with their checks (`options`), and `run(options, io)`, which
 * imports the command's code (`run/<name>.ts`) when the command runs. Start-up therefore
 * loads only the definitions, and the code of the one command asked for.
 */
import type { Argv } from 'yargs';
import { workerIo, type CliIo } from './io.js';
import { lineReporter, type Reporter } from './report.js';

/**
 * What a command is given to reach the outside: the run's standard streams and terminal
 * facts (CliIo), and the reporter of per-file failures and notes (one stderr line each).
 * Files are read and written through `input.ts` and `output.ts`, which print on this
 * same io (see io.ts).
 */
export interface CommandIo extends CliIo {
  readonly report: Reporter;
}

/**
 * The io of a worker thread that renders or checks files for a run: its stderr lines and
 * reports go to `line` (and so back to the run's thread); `stdin`: the run's standard
 * input, read on the run's thread (see `workerIo`).
 */
export function workerCommandIo(line: (text: string) => void, stdin?: Uint8Array): CommandIo {
  return { ...workerIo(line, stdin), report: lineReporter(line) };
}

/** A command's code: its exit code from its options. */
export type Run<Options> = (options: Options, io: CommandIo) => number | Promise<number>;

/** One command: `hivetool dump`, or `oem pack` inside its group. */
export interface Command<Args, Options> {
  /** The yargs command string: the name and the positionals, e.g. `dump [files..]`. */
  readonly command: string;
  /** The line of `hivetool --help`. */
  readonly describe: string;
  /** Usage, options, help and examples. */
  readonly builder: (parser: Argv) => Argv<Args>;
  /**
   * The parsed arguments as the command's options; a bad value throws a UsageError. The
   * ROM hive of `--rom` is opened here, through `io` (it may be standard input).
   */
  readonly options: (args: Args, io: CommandIo) => Options;
  /** Runs the command (its code is imported on the first call). */
  readonly run: Run<Options>;
}

/** A command that only groups subcommands: `hivetool image`, `oem`, `oem preg`. */
export interface CommandGroup {
  readonly command: string;
  readonly describe: string;
  /** Options every subcommand takes (`oem preg --region-size`). */
  readonly shared?: (parser: Argv) => Argv;
  readonly subcommands: readonly AnyCommand[];
  /** Said when no subcommand is named. */
  readonly demand: string;
}

// The arguments of a command are typed by its own builder; in a list they are not known.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCommand = Command<any, any> | CommandGroup;

/** A command definition, with its argument type inferred from its builder. */
export function defineCommand<Args, Options>(definition: Command<Args, Options>): Command<Args, Options> {
  return definition;
}

/** Adds `definition` to `parser`; a command's exit code goes to `exit.code`. */
export function register<T>(parser: Argv<T>, definition: AnyCommand, io: CommandIo, exit: { code: number }): Argv<T> {
  if ('subcommands' in definition) {
    return parser.command(definition.command, definition.describe, (group) => {
      let inner = definition.shared?.(group) ?? group;
      for (const subcommand of definition.subcommands) inner = register(inner, subcommand, io, exit);
      return inner.demandCommand(1, definition.demand);
    });
  }
  return parser.command(definition.command, definition.describe, definition.builder, async (args) => {
    exit.code = await definition.run(definition.options(args, io), io);
  });
}
