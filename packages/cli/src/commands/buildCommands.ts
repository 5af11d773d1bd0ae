/**
 * The command-line definitions of build, rewrite, boot, lint, view and recover.
 * Light: each command's code is imported only when it runs.
 */
import type { Argv } from 'yargs';
import { positionals } from '../arguments.js';
import { openRom } from '../rom.js';
import { compileCommand } from './compile.js';

/** Adds build commands to `parser`; a command's handler sets `exit.code`. */
export function buildCommands<T>(parser: Argv<T>, exit: { code: number }) {
  return parser
    .command(
      'build [inputs..]',
      'Build a hive from .reg files (also linked to a ROM hive)',
      (command) =>
        positionals(command, 'build <inputs..>', 'inputs')
          .positional('inputs', { describe: '.reg files, applied in order', type: 'string', array: true })
          .option('output', { requiresArg: true, alias: 'o', type: 'string', demandOption: true, describe: 'the hive file to write (atomically; never one of the inputs)' })
          .option('layout', { requiresArg: true, choices: ['rom', 'persistent'] as const, default: 'rom' as const, describe: 'rom: own references carry store nibble 2; persistent: nibble 0' })
          .option('rom-signature', { requiresArg: true, type: 'string', describe: '16-byte ROM signature as 32 hex digits (default: derived from the content)' })
          .option('guid', { requiresArg: true, type: 'string', describe: '16-byte volume GUID as 32 hex digits (default: derived from the content)' })
          .option('rom', { requiresArg: true, type: 'string', describe: 'build a persistent hive linked into this ROM hive: the .reg files are changes to its registry' })
          .example('$0 build --rom default.hv changes.reg -o system.hv', 'a system.hv the device keeps, holding only the changes')
          .example('$0 build platform.reg -o default.hv', 'a ROM-style hive')
          .example('$0 build base.reg patch.reg -o out.hv --rom-signature 6e950daec1672852a98cf772c09550c9', 'two files, a given signature'),
      async (args) => {
        const { runBuild } = await import('./build.js');
        exit.code = runBuild({
          inputs: args.inputs as string[],
          output: args.output,
          layout: args.layout as 'rom' | 'persistent',
          romSignature: args['rom-signature'],
          guid: args.guid,
          rom: args.rom === undefined ? undefined : { file: args.rom, hive: openRom(args.rom) },
        });
      },
    )
    .command(
      'rewrite [input] [output]',
      'Re-emit a hive from its parts, byte for byte',
      (command) =>
        positionals(command, 'rewrite <input> <output>', 'input', 'output')
          .positional('input', { describe: 'hive file to read', type: 'string' })
          .positional('output', { describe: 'hive file to write (atomically; never the input)', type: 'string' })
          .example('$0 rewrite default.hv copy.hv', 'copy.hv has the same bytes'),
      async (args) => {
        const { runRewrite } = await import('./rewrite.js');
        exit.code = runRewrite({ input: args.input!, output: args.output! });
      },
    )
    .command(
      'boot [romdir] [storagedir]',
      'What the device does with its hives at the next boot',
      (command) =>
        positionals(command, 'boot <romdir> <storagedir>', 'romdir', 'storagedir')
          .positional('romdir', { describe: "the image's boot.hv, default.hv and user.hv (names in any case)", type: 'string' })
          .positional('storagedir', { describe: "the device's persistent volume as a folder (missing files: a first boot)", type: 'string' })
          .option('clean', { requiresArg: true, choices: ['system', 'users', 'all'] as const, describe: 'the OAL answers TRUE to IOCTL_HAL_GET_HIVE_CLEAN_FLAG for these hives' })
          .option('ram-region', { requiresArg: true, type: 'string', describe: 'a dump of the IOCTL_HAL_GET_HIVE_RAM_REGION region: the combined hive, used when no file system registers' })
          .option('user', { requiresArg: true, type: 'string', describe: 'the user to load instead of DefaultUser (as SetCurrentUser would)' })
          .option('apply', { requiresArg: true, type: 'string', describe: 'write the storage folder as it is after this boot to this new folder (inputs never modified)' })
          .option('json', { type: 'boolean', default: false, describe: 'print JSON (docs/schemas/boot.schema.json)' })
          .example('$0 boot rom/ storage/', 'keep, wipe or create each hive, and why')
          .example('$0 boot rom/ storage/ --clean users --apply after/', 'the storage folder after a boot that removes the profiles')
          .epilogue('Exit codes: 0 every hive kept and no lint error, 1 a hive is wiped or created or the lint found errors, 2 could not run.'),
      async (args) => {
        const { runBoot } = await import('./boot.js');
        exit.code = runBoot({ romDir: args.romdir as string, storageDir: args.storagedir as string, clean: args.clean, ramRegion: args['ram-region'], user: args.user, apply: args.apply, json: args.json });
      },
    )
    .command(
      'lint [romdir]',
      'Check the boot configuration of a ROM set',
      (command) =>
        positionals(command, 'lint <romdir>', 'romdir')
          .positional('romdir', { describe: "the image's boot.hv, default.hv and user.hv", type: 'string' })
          .option('json', { type: 'boolean', default: false, describe: 'print JSON (docs/schemas/lint.schema.json)' })
          .epilogue('Exit codes: 0 no lint error, 1 errors found, 2 could not run. The checks: docs/boot.md.'),
      async (args) => {
        const { runLint } = await import('./lint.js');
        exit.code = runLint({ romDir: args.romdir as string, json: args.json });
      },
    )
    .command(
      compileCommand((code) => {
        exit.code = code;
      }),
    )
    .command(
      'view [files..]',
      'Browse hives in a browser: serve the viewer on 127.0.0.1',
      (command) =>
        command
          .positional('files', { describe: 'files to open in the page (hives, registry images, OEM streams, .reg); read only', type: 'string', array: true })
          .option('rom', { requiresArg: true, type: 'string', describe: 'the ROM hive the persistent hives given link into, attached in the page' })
          .option('json', { type: 'boolean', default: false, describe: 'print the address as JSON ({"url", "files", "rom"})' })
          .example('$0 view --rom default.hv system.hv', 'prints http://127.0.0.1:PORT/ to open; Ctrl-C stops')
          .epilogue('Nothing is opened by itself and nothing leaves the computer: the page parses the files in the browser.'),
      async (args) => {
        const { runView } = await import('./view.js');
        exit.code = await runView({ files: (args.files as string[] | undefined) ?? [], rom: args.rom, json: args.json });
      },
    )
    .command(
      'recover [input]',
      'Repair an interrupted flush as Windows CE does at mount',
      (command) =>
        positionals(command, 'recover <input>', 'input')
          .positional('input', { describe: 'hive file to read (never changed)', type: 'string' })
          .option('output', { requiresArg: true, alias: 'o', type: 'string', demandOption: true, describe: 'the repaired hive to write (atomically; never the input)' })
          .option('truncate', { type: 'boolean', default: false, describe: 'also cut the file at restoreStart, dropping the restore records after the hive' })
          .option('json', { type: 'boolean', default: false, describe: 'print what was done as JSON' })
          .example('$0 recover system.hv -o fixed.hv', 'finish or undo the cut flush, keep the file length')
          .epilogue('Exit codes: 0 repaired (or nothing to repair), 1 the hive has errors the repair does not touch, 2 could not run.'),
      async (args) => {
        const { runRecover } = await import('./recover.js');
        exit.code = runRecover({ input: args.input as string, output: args.output, truncate: args.truncate, json: args.json });
      },
    );
}
