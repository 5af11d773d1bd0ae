/** What `image pack` and `oem pack` share: hives (or a container) in, one container out. */
import type { Argv } from 'yargs';
import { positionals } from '../arguments.js';
import { openRom } from '../rom.js';
import { requiredOutputOption, romOption } from '../options.js';
import type { CliIo } from '../io.js';

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
