/** `hivetool build`: a hive from .reg files, also one linked to a ROM hive. */
import { defineCommand } from '../command.js';
import { positionals } from '../arguments.js';
import { openRom } from '../rom.js';
import { requiredOutputOption, romOption } from '../options.js';
import type { BuildArguments } from '../run/build.js';

export const build = defineCommand({
  command: 'build [inputs..]',
  describe: 'Build a hive from .reg files (also linked to a ROM hive)',
  builder: (command) =>
    positionals(command, 'build <inputs..>', 'inputs')
      .positional('inputs', { describe: '.reg files, applied in order', type: 'string', array: true })
      .option('output', requiredOutputOption('the hive file to write (atomically; never one of the inputs)'))
      .option('layout', { requiresArg: true, choices: ['rom', 'persistent'] as const, default: 'rom' as const, describe: 'rom: own references carry store nibble 2; persistent: nibble 0' })
      .option('rom-signature', { requiresArg: true, type: 'string', describe: '16-byte ROM signature as 32 hex digits (default: derived from the content)' })
      .option('guid', { requiresArg: true, type: 'string', describe: '16-byte volume GUID as 32 hex digits (default: derived from the content)' })
      .option('rom', romOption('build a persistent hive linked into this ROM hive: the .reg files are changes to its registry'))
      .example('$0 build --rom default.hv changes.reg -o system.hv', 'a system.hv the device keeps, holding only the changes')
      .example('$0 build platform.reg -o default.hv', 'a ROM-style hive')
      .example('$0 build base.reg patch.reg -o out.hv --rom-signature 6e950daec1672852a98cf772c09550c9', 'two files, a given signature'),
  options: (args, io): BuildArguments => ({
    inputs: args.inputs as string[],
    output: args.output,
    layout: args.layout as 'rom' | 'persistent',
    romSignature: args['rom-signature'],
    guid: args.guid,
    rom: args.rom === undefined ? undefined : { file: args.rom, hive: openRom(io, args.rom) },
  }),
  run: async (options, io) => (await import('../run/build.js')).run(options, io),
});
