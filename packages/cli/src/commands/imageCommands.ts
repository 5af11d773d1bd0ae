/**
 * The command-line definitions of the `image` and `oem` commands and their subcommands.
 * Light: each command's code is imported only when it runs.
 */
import type { Argv } from 'yargs';
import { expandInputs } from '../batch.js';
import { positionals } from '../arguments.js';
import { openRom } from '../rom.js';
import { CONTENT_ONLY_OPTION, RECURSIVE_OPTION, contentOnlyWithJson, positiveInteger, pregLayout } from '../options.js';

/** Adds image commands to `parser`; a command's handler sets `exit.code`. */
export function imageCommands<T>(parser: Argv<T>, exit: { code: number }) {
  return parser
    .command('image', 'RegCopyFile / RegRestoreFile images (Restore.fdf)', (image) =>
      image
        .command(
          'pack [inputs..]',
          'Hives (or an OEM stream) → one registry image',
          (command) =>
            positionals(command, 'image pack <inputs..>', 'inputs')
              .positional('inputs', { describe: 'hives (a system and a user hive combine), or an OEM stream', type: 'string', array: true })
              .option('output', { requiresArg: true, alias: 'o', type: 'string', demandOption: true, describe: 'the image to write (e.g. Restore.fdf)' })
              .option('rom', { requiresArg: true, type: 'string', describe: 'the ROM hive persistent inputs link into' })
              .example('$0 image pack --rom default.hv system.hv -o Restore.fdf', "the device's effective registry as an image"),
          async (args) => {
            const { runImagePack } = await import('./image.js');
            exit.code = runImagePack({ inputs: args.inputs as string[], output: args.output, rom: args.rom === undefined ? undefined : { file: args.rom, hive: openRom(args.rom) } });
          },
        )
        .command(
          'unpack [input]',
          'Registry image → hive',
          (command) =>
            positionals(command, 'image unpack <input>', 'input')
              .positional('input', { type: 'string', describe: 'the registry image' })
              .option('output', { requiresArg: true, alias: 'o', type: 'string', demandOption: true, describe: 'the hive to write' })
              .option('layout', { requiresArg: true, choices: ['rom', 'persistent'] as const, default: 'rom' as const, describe: 'store nibble of own references' })
              .option('rom-signature', { requiresArg: true, type: 'string', describe: 'ROM signature, 32 hex digits (default: derived)' }),
          async (args) => {
            const { runImageUnpack } = await import('./image.js');
            exit.code = runImageUnpack({ input: args.input!, output: args.output, layout: args.layout as 'rom' | 'persistent', romSignature: args['rom-signature'] });
          },
        )
        .command(
          'dump [files..]',
          'Print images as .reg text or JSON, as dump does',
          (command) =>
            positionals(command, 'image dump <files..>', 'files')
              .positional('files', { type: 'string', array: true, describe: 'registry images (- for standard input)' })
              .option('format', { requiresArg: true, alias: 'f', choices: ['reg', 'json'] as const, default: 'reg' as const, describe: 'output format' })
              .option('key', { requiresArg: true, alias: 'k', type: 'string', describe: 'only this key and its subtree' })
              .option('output', { requiresArg: true, alias: 'o', type: 'string', describe: 'write to this file (atomically)' })
              .option('reg-style', { requiresArg: true, choices: ['ce', 'regedit'] as const, default: 'ce' as const, describe: 'ce: MULTI_SZ and MUI_SZ as multi_sz:/mui_sz: (platform.reg); regedit: as hex(7)/hex(15)' })
              .option('content-only', CONTENT_ONLY_OPTION)
              .option('recursive', { ...RECURSIVE_OPTION, describe: 'a directory stands for the registry images under it' })
              .check(contentOnlyWithJson),
          async (args) => {
            const { runImageDump } = await import('./image.js');
            exit.code = runImageDump({
              files: expandInputs(args.files as string[], args.recursive, 'image'),
              format: args.format as 'reg' | 'json',
              key: args.key,
              output: args.output,
              regStyle: args['reg-style'],
              contentOnly: args['content-only'],
            });
          },
        )
        .demandCommand(1, 'name an image command: pack, unpack or dump'),
    )
    .command('oem', 'WriteRegistryToOEM streams and the A/B flash store', (oem) =>
      oem
        .command(
          'pack [inputs..]',
          'Hives or an image → OEM stream',
          (command) =>
            positionals(command, 'oem pack <inputs..>', 'inputs')
              .positional('inputs', { type: 'string', array: true, describe: 'hives (a system and a user hive combine), or a registry image' })
              .option('output', { requiresArg: true, alias: 'o', type: 'string', demandOption: true, describe: 'the OEM stream to write (- for standard output)' })
              .option('rom', { requiresArg: true, type: 'string', describe: 'the ROM hive persistent inputs link into' }),
          async (args) => {
            const { runOemPack } = await import('./oem.js');
            exit.code = runOemPack({ inputs: args.inputs as string[], output: args.output, rom: args.rom === undefined ? undefined : { file: args.rom, hive: openRom(args.rom) } });
          },
        )
        .command(
          'unpack [input]',
          'OEM stream → hive or image',
          (command) =>
            positionals(command, 'oem unpack <input>', 'input')
              .positional('input', { type: 'string', describe: 'an OEM stream' })
              .option('output', { requiresArg: true, alias: 'o', type: 'string', demandOption: true, describe: 'the hive or image to write' })
              .option('to', { requiresArg: true, choices: ['hive', 'image'] as const, default: 'hive' as const, describe: 'what to write: a hive (ROM layout) or a registry image' }),
          async (args) => {
            const { runOemUnpack } = await import('./oem.js');
            exit.code = runOemUnpack({ input: args.input!, output: args.output, to: args.to as 'hive' | 'image' });
          },
        )
        .command(
          'split [input]',
          'Record the WriteRegistryToOEM calls of a save',
          (command) =>
            positionals(command, 'oem split <input>', 'input')
              .positional('input', { type: 'string', describe: 'an OEM stream' })
              .option('chunk', { requiresArg: true, type: 'number', default: 4096, describe: 'cbData of each call' })
              .option('output', { requiresArg: true, alias: 'o', type: 'string', demandOption: true, describe: 'the call log to write' }),
          async (args) => {
            const { runOemSplit } = await import('./oem.js');
            exit.code = runOemSplit({ input: args.input!, output: args.output, chunk: positiveInteger(args.chunk, '--chunk')! });
          },
        )
        .command(
          'join [input]',
          'Recorded calls → stream (partial saves refused)',
          (command) => positionals(command, 'oem join <input>', 'input').positional('input', { type: 'string', describe: 'a call log (from oem split)' }).option('output', { requiresArg: true, alias: 'o', type: 'string', demandOption: true, describe: 'the OEM stream to write' }),
          async (args) => {
            const { runOemJoin } = await import('./oem.js');
            exit.code = runOemJoin({ input: args.input!, output: args.output });
          },
        )
        .command(
          'store [input]',
          'Write the next generation into an A/B store',
          (command) =>
            positionals(command, 'oem store <input>', 'input')
              .positional('input', { type: 'string', describe: 'an OEM stream' })
              .option('output', { requiresArg: true, alias: 'o', type: 'string', demandOption: true, describe: 'the store to write' })
              .option('slot-size', { requiresArg: true, type: 'number', describe: 'bytes per slot, for a new store' })
              .option('previous', { requiresArg: true, type: 'string', describe: 'the existing store (the new generation goes to its other slot)' })
              .option('chunk', { requiresArg: true, type: 'number', default: 4096, describe: 'payload bytes per chunk' }),
          async (args) => {
            const { runOemStore } = await import('./oem.js');
            exit.code = runOemStore({ input: args.input!, output: args.output, slotSize: positiveInteger(args['slot-size'], '--slot-size'), previous: args.previous, chunk: positiveInteger(args.chunk, '--chunk')! });
          },
        )
        .command(
          'load [input]',
          'Newest complete generation of an A/B store',
          (command) =>
            positionals(command, 'oem load <input>', 'input')
              .positional('input', { type: 'string', describe: 'a store' })
              .option('output', { requiresArg: true, alias: 'o', type: 'string', describe: 'write the stream to this file' })
              .option('json', { type: 'boolean', default: false, describe: 'print JSON: the generation, slot and both slots\' state' }),
          async (args) => {
            const { runOemLoad } = await import('./oem.js');
            exit.code = runOemLoad({ input: args.input!, output: args.output, json: args.json });
          },
        )
        .command(
          'verify [files..]',
          'Check streams, call logs and stores',
          (command) => positionals(command, 'oem verify <files..>', 'files').positional('files', { type: 'string', array: true, describe: 'OEM streams, call logs or stores (recognised by their contents)' }),
          async (args) => {
            const { runOemVerify } = await import('./oem.js');
            exit.code = runOemVerify({ files: args.files as string[] });
          },
        )
        .command('preg', "PREG containers: the common OAL's flash copy of the stream", (preg) =>
          preg
            .option('region-size', { requiresArg: true, type: 'number', describe: 'bytes per flash region (a dump of several regions, concatenated)' })
            .option('regions', { requiresArg: true, type: 'number', describe: 'how many regions (1–8; with --region-size)' })
            .command(
              'verify [files..]',
              'Check PREG containers (exit 0 intact, 1 interrupted or damaged, 2 not PREG)',
              (command) => positionals(command, 'oem preg verify <files..>', 'files').positional('files', { type: 'string', array: true, describe: 'flash dumps of PREG regions' }).option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
              async (args) => {
                const { runPregVerify } = await import('./preg.js');
                exit.code = runPregVerify({ files: args.files as string[], layout: pregLayout(args), json: args.json });
              },
            )
            .command(
              'extract [input]',
              'The stream of a PREG container (opaque, byte for byte)',
              (command) => positionals(command, 'oem preg extract <input>', 'input').positional('input', { type: 'string', describe: 'a PREG dump' }).option('output', { requiresArg: true, alias: 'o', type: 'string', demandOption: true, describe: 'the stream to write' }),
              async (args) => {
                const { runPregExtract } = await import('./preg.js');
                exit.code = runPregExtract({ input: args.input as string, output: args.output, layout: pregLayout(args) });
              },
            )
            .command(
              'pack [input]',
              'A stream → PREG container (to test an OAL)',
              (command) => positionals(command, 'oem preg pack <input>', 'input').positional('input', { type: 'string', describe: 'the stream' }).option('output', { requiresArg: true, alias: 'o', type: 'string', demandOption: true, describe: 'the container to write' }),
              async (args) => {
                const { runPregPack } = await import('./preg.js');
                exit.code = runPregPack({ input: args.input as string, output: args.output, layout: pregLayout(args) });
              },
            )
            .demandCommand(1, 'name a preg command: verify, extract or pack'),
        )
        .demandCommand(1, 'name an oem command: pack, unpack, split, join, store, load, verify or preg'),
    );
}
