import type { Argv } from 'yargs';
import { UsageError } from './failures.js';
import { requiredOutputOption, romOption } from './options.js';
import { openRom } from './rom.js';
import type { CliIo } from './io.js';

/**
 * A command's usage line, and the check that its positionals were given. yargs is not told
 * to demand them: it would say "Not enough non-option arguments" before naming an unknown
 * option, or a bad value that took the file's place (`dump --format f.hv`).
 */
export function positionals<T>(command: Argv<T>, usage: string, ...names: string[]): Argv<T> {
  return command.usage(`$0 ${usage} [options]`).check((args: Record<string, unknown>) => {
    for (const name of names) {
      const value = args[name];
      if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) {
        throw new UsageError(`${usage.replace(/ <.*$/, '')} needs <${name}>: hivetool ${usage}`);
      }
    }
    return true;
  });
}


/** The usage, `<input>` and `-o FILE` of a command that reads one file and writes another. */
export function inputToOutput(command: Argv, usage: string, input: string, output: string) {
  return positionals(command, usage, 'input').positional('input', { type: 'string', describe: input }).option('output', requiredOutputOption(output));
}

// What `image pack` and `oem pack` share: hives (or a container) in, one container out.

/** The usage, `<inputs..>`, `-o FILE` and `--rom` of a pack command. */
export function packInputs(command: Argv, usage: string, inputs: string, output: string) {
  return positionals(command, usage, 'inputs')
    .positional('inputs', { describe: inputs, type: 'string', array: true })
    .option('output', requiredOutputOption(output))
    .option('rom', romOption('the ROM hive persistent inputs link into'));
}

/** The options of a pack command, with the ROM hive opened. */
export function packOptions(args: { inputs?: string[] | undefined; output: string; rom?: string | undefined }, io: CliIo) {
  return { inputs: args.inputs as string[], output: args.output, rom: args.rom === undefined ? undefined : { file: args.rom, hive: openRom(io, args.rom) } };
}
