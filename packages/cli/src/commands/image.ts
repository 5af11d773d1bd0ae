/** `hivetool image pack|unpack|dump`: RegCopyFile / RegRestoreFile images. */
import { defineCommand, type CommandGroup } from '../command.js';
import { inputToOutput, packInputs, packOptions, positionals } from '../arguments.js';
import { expandInputs } from '../batch.js';
import { CONTENT_ONLY_OPTION, RECURSIVE_OPTION, contentOnlyWithJson, outputOption } from '../options.js';
import type { ImageDumpArguments } from '../run/image.js';

const pack = defineCommand({
  command: 'pack [inputs..]',
  describe: 'Hives (or an OEM stream) → one registry image',
  builder: (command) =>
    packInputs(command, 'image pack <inputs..>', 'hives (a system and a user hive combine), or an OEM stream', 'the image to write (e.g. Restore.fdf)')
      .example('$0 image pack --rom default.hv system.hv -o Restore.fdf', "the device's effective registry as an image")
      .example('$0 image pack --rom-dir rom/ system.hv user.hv -o Restore.fdf', 'system and user hive, each through the ROM hive of its role'),
  options: packOptions,
  run: async (options, io) => (await import('../run/image.js')).pack(options, io),
});

const unpack = defineCommand({
  command: 'unpack [input]',
  describe: 'Registry image → hive',
  builder: (command) =>
    inputToOutput(command, 'image unpack <input>', 'the registry image', 'the hive to write')
      .option('layout', { requiresArg: true, choices: ['rom', 'persistent'] as const, default: 'rom' as const, describe: 'store nibble of own references' })
      .option('rom-signature', { requiresArg: true, type: 'string', describe: 'ROM signature, 32 hex digits (default: derived)' }),
  options: (args) => ({ input: args.input!, output: args.output, layout: args.layout as 'rom' | 'persistent', romSignature: args['rom-signature'] }),
  run: async (options, io) => (await import('../run/image.js')).unpack(options, io),
});

const dump = defineCommand({
  command: 'dump [files..]',
  describe: 'Print images as .reg text or JSON, as dump does',
  builder: (command) =>
    positionals(command, 'image dump <files..>', 'files')
      .positional('files', { type: 'string', array: true, describe: 'registry images (- for standard input)' })
      .option('format', { requiresArg: true, alias: 'f', choices: ['reg', 'json'] as const, default: 'reg' as const, describe: 'output format' })
      .option('key', { requiresArg: true, alias: 'k', type: 'string', describe: 'only this key and its subtree' })
      .option('output', outputOption('write to this file (atomically)'))
      .option('reg-style', { requiresArg: true, choices: ['ce', 'regedit'] as const, default: 'ce' as const, describe: 'ce: MULTI_SZ and MUI_SZ as multi_sz:/mui_sz: (platform.reg); regedit: as hex(7)/hex(15)' })
      .option('content-only', CONTENT_ONLY_OPTION)
      .option('recursive', { ...RECURSIVE_OPTION, describe: 'a directory stands for the registry images under it' })
      .check(contentOnlyWithJson),
  options: (args): ImageDumpArguments => ({
    files: expandInputs(args.files as string[], args.recursive, 'image'),
    format: args.format as 'reg' | 'json',
    key: args.key,
    output: args.output,
    regStyle: args['reg-style'],
    contentOnly: args['content-only'],
  }),
  run: async (options, io) => (await import('../run/image.js')).dump(options, io),
});

export const image: CommandGroup = {
  command: 'image',
  describe: 'RegCopyFile / RegRestoreFile images (Restore.fdf)',
  subcommands: [pack, unpack, dump],
  demand: 'name an image command: pack, unpack or dump',
};
