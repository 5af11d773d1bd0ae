/** `hivetool diff`: keys and values added, removed, changed. */
import { defineCommand } from '../command.js';
import { positionals } from '../arguments.js';
import { FORCE_ROM_OPTION, openRom } from '../rom.js';
import { outputOption, positiveInteger, romOption } from '../options.js';
import type { DiffArguments, DiffFormat } from '../run/diff.js';

export const diff = defineCommand({
  command: 'diff [files..]',
  describe: 'Keys and values added, removed, changed (A→B, ROM→hive)',
  builder: (command) =>
    positionals(command, 'diff <files..>', 'files')
      .positional('files', { describe: 'A B, or one persistent hive with --rom', type: 'string', array: true })
      .option('rom', romOption('the ROM hive persistent hives link into; with one hive, A is the ROM itself'))
      .option('force-rom', FORCE_ROM_OPTION)
      .option('format', { requiresArg: true, alias: 'f', choices: ['text', 'json', 'reg'] as const, default: 'text' as const, describe: 'text, JSON, or a .reg patch that turns A into B' })
      .option('output', outputOption('write to this file (atomically) instead of stdout'))
      .option('max-depth', { requiresArg: true, type: 'number', describe: 'deepest key nesting to follow (default 512)' })
      .option('reg-style', { requiresArg: true, choices: ['ce', 'regedit'] as const, default: 'ce' as const, describe: 'form of a -f reg patch: ce (UTF-8 REGEDIT4) or regedit (a regedit 5 file, UTF-16LE)' })
      .example('$0 diff --rom default.hv system.hv', 'what the device changed relative to ROM')
      .example('$0 diff -f reg old.hv new.hv > patch.reg', 'a patch that turns old into new')
      .epilogue('Exit codes: 0 no differences, 1 differences, 2 could not run.'),
  options: (args, io): DiffArguments => ({
    files: args.files as string[],
    rom: args.rom === undefined ? undefined : { file: args.rom, hive: openRom(io, args.rom) },
    format: args.format as DiffFormat,
    output: args.output,
    maxDepth: positiveInteger(args['max-depth'], '--max-depth'),
    regStyle: args['reg-style'],
    forceRom: args['force-rom'],
  }),
  run: async (options, io) => (await import('../run/diff.js')).run(options, io),
});
