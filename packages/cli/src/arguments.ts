import type { Argv } from 'yargs';
import { UsageError } from './failures.js';
import { requiredOutputOption, romOption } from './options.js';
import { FORCE_ROM_OPTION, openRom, romInFolder } from './rom.js';
import type { NamedRom, PackRoms } from './registrySources.js';
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
    .option('rom', romOption('the ROM default.hv persistent system hives link into'))
    .option('user-rom', romOption('the ROM user.hv persistent user hives link into'))
    .option('rom-dir', { requiresArg: true, type: 'string', describe: "a ROM folder holding the image's default.hv and user.hv (names in any case, as boot takes it): each persistent input is read through the ROM hive of its role" })
    .option('own-records-only', { type: 'boolean', default: false, describe: 'pack a persistent hive without its ROM: only the keys and values the file stores (a warning says what is left out); without it, such a hive is refused' })
    .option('force-rom', FORCE_ROM_OPTION)
    .epilogue('A persistent hive stores only its changes and links into the ROM hive of its role for the rest: it is read through --rom (system hives), --user-rom (user hives) or --rom-dir, each checked by the ROM check (signature, role, links; exit 2 on a mismatch unless --force-rom). Exit codes: 0 written, 2 not written.');
}

/** The options of a pack command, with the ROM hives opened. */
export function packOptions(
  args: { inputs?: string[] | undefined; output: string; rom?: string | undefined; 'user-rom'?: string | undefined; 'rom-dir'?: string | undefined; 'own-records-only'?: boolean | undefined; 'force-rom'?: boolean | undefined },
  io: CliIo,
): { inputs: string[]; output: string; roms: PackRoms } {
  const dir = args['rom-dir'];
  if (dir !== undefined && (args.rom !== undefined || args['user-rom'] !== undefined)) throw new UsageError('--rom-dir names the ROM hives already: give it, or --rom and --user-rom, not both');
  const open = (file: string | undefined): NamedRom | undefined => (file === undefined ? undefined : { file, hive: openRom(io, file) });
  const system = dir === undefined ? open(args.rom) : open(romInFolder(dir, 'default.hv'));
  const user = dir === undefined ? open(args['user-rom']) : open(romInFolder(dir, 'user.hv'));
  return { inputs: args.inputs as string[], output: args.output, roms: { system, user, ownRecordsOnly: args['own-records-only'], forceRom: args['force-rom'] } };
}
