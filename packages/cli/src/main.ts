import yargs from 'yargs';
import type { Hive } from '@hivetool/hive';
// Each command's module is imported when the command runs, so start-up loads only the
// code (and dependencies) of the command asked for.
import type { DumpFormat } from './commands/dump.js';
import type { DiffFormat } from './commands/diff.js';
import { openHiveFile } from './input.js';
import { ExitCode, UsageError, describeFailure } from './failures.js';
import { stderrReporter } from './report.js';
import { setMaxOutput } from './output.js';
import { expandInputs } from './batch.js';

// Options several commands share, defined once.
const KIND_OPTION = { choices: ['auto', 'rom', 'persistent'], default: 'auto', describe: 'how to read references: auto decides from the roots record' } as const;
const MAX_DEPTH_OPTION = { type: 'number', describe: 'deepest key nesting to follow (default 512, the Windows limit)' } as const;
const RECURSIVE_OPTION = { alias: 'r', type: 'boolean', default: false, describe: 'a directory stands for the hive files under it' } as const;

const EPILOGUE = 'Exit codes: 0 ok, 1 problems found (verify) or differences (diff), 2 could not run, 70 a bug.';

/**
 * Runs hivetool with `argv` (without `node` and the script) and returns the exit code.
 * User errors become one line on stderr; only bugs print a stack.
 */
export async function main(argv: string[]): Promise<number> {
  const report = stderrReporter();
  // A closed pipe (`hivetool dump x | head`) is a normal way for output to end.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(ExitCode.OK);
    throw error;
  });
  let exitCode: number = ExitCode.OK;
  const parser = yargs(argv)
    .scriptName('hivetool')
    .usage('$0 <command> [options]\n\nRead, check and convert Windows CE registry hive files (.hv).')
    .command(
      'dump <files..>',
      'Print hives as .reg text, JSON or raw records',
      (command) =>
        command
          .positional('files', { describe: 'hive files (.hv)', type: 'string', array: true, demandOption: true })
          .option('format', { alias: 'f', choices: ['reg', 'json', 'raw'] as const, default: 'reg' as const, describe: 'output format' })
          .option('key', { alias: 'k', type: 'string', describe: 'dump only this key and its subtree (e.g. HKLM\\Drivers\\BuiltIn)' })
          .option('output', { alias: 'o', type: 'string', describe: 'write to this file (atomically) instead of stdout' })
          .option('kind', KIND_OPTION)
          .option('max-depth', MAX_DEPTH_OPTION)
          .option('reg-style', { choices: ['ce', 'regedit'] as const, default: 'ce' as const, describe: 'ce: UTF-8 REGEDIT4 with multi_sz:/mui_sz:; regedit: a regedit 5 file (UTF-16LE, hex(7))' })
          .option('rom', { type: 'string', describe: "the ROM hive a persistent hive links into: dump the device's effective registry" })
          .option('content-only', { type: 'boolean', default: false, describe: 'JSON without storage details (file, ids, offsets, sources, signature), to compare registries' })
          .option('recursive', RECURSIVE_OPTION)
          .option('jobs', { alias: 'j', type: 'number', default: 1, describe: 'files to render at once, on worker threads (output still in file order)' })
          .example('$0 dump --rom default.hv system.hv', "the device's effective system registry")
          .example('$0 dump samples/device.hv', '.reg text of the whole hive')
          .example('$0 dump -f json -k "HKLM\\Drivers" default.hv', 'one subtree as JSON')
          .example('$0 dump -f raw boot.hv', 'every heap block, one line each'),
      async (args) => {
        const { runDump } = await import('./commands/dump.js');
        exitCode = await runDump(
          {
            files: expandInputs(args.files as string[], args.recursive),
            format: args.format as DumpFormat,
            key: args.key,
            output: args.output,
            kind: args.kind,
            maxDepth: positiveInteger(args['max-depth'], '--max-depth'),
            regStyle: args['reg-style'],
            contentOnly: args['content-only'],
            rom: args.rom === undefined ? undefined : openRom(args.rom),
            romFile: args.rom,
            jobs: positiveInteger(args.jobs, '--jobs') ?? 1,
          },
          report,
        );
      },
    )
    .command(
      'info <files..>',
      'Show header fields, counts, value types, unknown bits',
      (command) =>
        command
          .positional('files', { describe: 'hive files (.hv)', type: 'string', array: true, demandOption: true })
          .option('json', { type: 'boolean', default: false, describe: 'print JSON (docs/json-schema.md)' })
          .option('kind', KIND_OPTION)
          .option('max-depth', MAX_DEPTH_OPTION)
          .option('recursive', RECURSIVE_OPTION)
          .option('jobs', { alias: 'j', type: 'number', default: 1, describe: 'files to read at once, on worker threads' })
          .example('$0 info samples/device.hv', 'header and statistics')
          .example('$0 info -r --jobs 4 --json dumps/', 'every hive under dumps/, four at a time')
          .example('$0 info --json *.hv', 'the same for scripts'),
      async (args) => {
        const { runInfo } = await import('./commands/info.js');
        exitCode = await runInfo(
          { files: expandInputs(args.files as string[], args.recursive), jobs: positiveInteger(args.jobs, '--jobs') ?? 1, json: args.json, kind: args.kind, maxDepth: positiveInteger(args['max-depth'], '--max-depth') },
          report,
        );
      },
    )
    .command(
      'verify [files..]',
      'Check hives, links into ROM, signature; predict the boot',
      (command) =>
        command
          .positional('files', { describe: 'hive files (.hv); with only --rom, the ROM hive itself is checked', type: 'string', array: true })
          .option('rom', { type: 'string', describe: 'the ROM hive the files link into (default.hv for system.hv, ROM user.hv for a user.hv)' })
          .option('json', { type: 'boolean', default: false, describe: 'print JSON (docs/verify.md)' })
          .option('strict', { type: 'boolean', default: false, describe: 'warnings count as errors for the exit code' })
          .option('kind', KIND_OPTION)
          .option('max-depth', MAX_DEPTH_OPTION)
          .option('recursive', RECURSIVE_OPTION)
          .option('jobs', { alias: 'j', type: 'number', default: 1, describe: 'files to check at once, on worker threads' })
          .example('$0 verify --rom default.hv -r --jobs 4 fleet/', 'every hive under fleet/ against the ROM, four at a time')
          .example('$0 verify --rom default.hv system.hv', 'will the device keep system.hv at the next boot?')
          .example('$0 verify --rom default.hv', 'check the ROM hive and show its signature')
          .epilogue('Exit codes: 0 no errors, 1 errors found (or warnings, with --strict), 2 could not run.'),
      async (args) => {
        const files = expandInputs((args.files as string[] | undefined) ?? [], args.recursive);
        if (files.length === 0 && args.rom === undefined) throw new UsageError('verify needs a hive file, or --rom ROM.hv to check a ROM hive');
        const { runVerify } = await import('./commands/verify.js');
        exitCode = await runVerify(
          {
            files,
            jobs: positiveInteger(args.jobs, '--jobs') ?? 1,
            rom: args.rom === undefined ? undefined : { file: args.rom, hive: openRom(args.rom) },
            json: args.json,
            strict: args.strict,
            kind: args.kind,
            maxDepth: positiveInteger(args['max-depth'], '--max-depth'),
          },
          report,
        );
      },
    )
    .command(
      'diff <files..>',
      'Keys and values added, removed, changed (A→B, ROM→hive)',
      (command) =>
        command
          .positional('files', { describe: 'A B, or one persistent hive with --rom', type: 'string', array: true, demandOption: true })
          .option('rom', { type: 'string', describe: 'the ROM hive persistent hives link into; with one hive, A is the ROM itself' })
          .option('format', { alias: 'f', choices: ['text', 'json', 'reg'] as const, default: 'text' as const, describe: 'text, JSON, or a .reg patch that turns A into B' })
          .option('output', { alias: 'o', type: 'string', describe: 'write to this file (atomically) instead of stdout' })
          .option('max-depth', { type: 'number', describe: 'deepest key nesting to follow (default 512)' })
          .option('reg-style', { choices: ['ce', 'regedit'] as const, default: 'ce' as const, describe: 'form of a -f reg patch: ce (UTF-8 REGEDIT4) or regedit (a regedit 5 file, UTF-16LE)' })
          .example('$0 diff --rom default.hv system.hv', 'what the device changed relative to ROM')
          .example('$0 diff -f reg old.hv new.hv > patch.reg', 'a patch that turns old into new')
          .epilogue('Exit codes: 0 no differences, 1 differences, 2 could not run.'),
      async (args) => {
        const { runDiff } = await import('./commands/diff.js');
        exitCode = runDiff({
          files: args.files as string[],
          rom: args.rom === undefined ? undefined : { file: args.rom, hive: openRom(args.rom) },
          format: args.format as DiffFormat,
          output: args.output,
          maxDepth: positiveInteger(args['max-depth'], '--max-depth'),
          regStyle: args['reg-style'],
        });
      },
    )
    .command('image <command>', 'RegCopyFile / RegRestoreFile images (Restore.fdf)', (image) =>
      image
        .command(
          'pack <inputs..>',
          'Hives (or an OEM stream) → one registry image',
          (command) =>
            command
              .positional('inputs', { describe: 'hives (a system and a user hive combine), or an OEM stream', type: 'string', array: true, demandOption: true })
              .option('output', { alias: 'o', type: 'string', demandOption: true, describe: 'the image to write (e.g. Restore.fdf)' })
              .option('rom', { type: 'string', describe: 'the ROM hive persistent inputs link into' })
              .example('$0 image pack --rom default.hv system.hv -o Restore.fdf', "the device's effective registry as an image"),
          async (args) => {
            const { runImagePack } = await import('./commands/image.js');
            exitCode = runImagePack(args.inputs as string[], args.output, args.rom === undefined ? undefined : { file: args.rom, hive: openRom(args.rom) });
          },
        )
        .command(
          'unpack <input>',
          'Registry image → hive',
          (command) =>
            command
              .positional('input', { type: 'string', demandOption: true, describe: 'the registry image' })
              .option('output', { alias: 'o', type: 'string', demandOption: true, describe: 'the hive to write' })
              .option('layout', { choices: ['rom', 'persistent'] as const, default: 'rom' as const, describe: 'store nibble of own references' })
              .option('rom-signature', { type: 'string', describe: 'ROM signature, 32 hex digits (default: derived)' }),
          async (args) => {
            const { runImageUnpack } = await import('./commands/image.js');
            exitCode = runImageUnpack(args.input, args.output, args.layout as 'rom' | 'persistent', args['rom-signature']);
          },
        )
        .command(
          'dump <files..>',
          'Print images as .reg text or JSON, as dump does',
          (command) =>
            command
              .positional('files', { type: 'string', array: true, demandOption: true, describe: 'registry images' })
              .option('format', { alias: 'f', choices: ['reg', 'json'] as const, default: 'reg' as const })
              .option('key', { alias: 'k', type: 'string', describe: 'only this key and its subtree' })
              .option('output', { alias: 'o', type: 'string', describe: 'write to this file (atomically)' })
              .option('reg-style', { choices: ['ce', 'regedit'] as const, default: 'ce' as const }),
          async (args) => {
            const { runImageDump } = await import('./commands/image.js');
            exitCode = runImageDump({ files: expandInputs(args.files as string[], false), format: args.format as 'reg' | 'json', key: args.key, output: args.output, regStyle: args['reg-style'] });
          },
        )
        .demandCommand(1, 'Name an image command: pack, unpack or dump.'),
    )
    .command('oem <command>', 'WriteRegistryToOEM streams and the A/B flash store', (oem) =>
      oem
        .command(
          'pack <inputs..>',
          'Hives or an image → OEM stream',
          (command) =>
            command
              .positional('inputs', { type: 'string', array: true, demandOption: true, describe: 'hives, or a registry image' })
              .option('output', { alias: 'o', type: 'string', demandOption: true })
              .option('rom', { type: 'string', describe: 'the ROM hive persistent inputs link into' }),
          async (args) => {
            const { runOemPack } = await import('./commands/oem.js');
            exitCode = runOemPack(args.inputs as string[], args.output, args.rom === undefined ? undefined : { file: args.rom, hive: openRom(args.rom) });
          },
        )
        .command(
          'unpack <input>',
          'OEM stream → hive or image',
          (command) =>
            command
              .positional('input', { type: 'string', demandOption: true })
              .option('output', { alias: 'o', type: 'string', demandOption: true })
              .option('to', { choices: ['hive', 'image'] as const, default: 'hive' as const }),
          async (args) => {
            const { runOemUnpack } = await import('./commands/oem.js');
            exitCode = runOemUnpack(args.input, args.output, args.to as 'hive' | 'image');
          },
        )
        .command(
          'split <input>',
          'Record the WriteRegistryToOEM calls of a save',
          (command) =>
            command
              .positional('input', { type: 'string', demandOption: true, describe: 'an OEM stream' })
              .option('chunk', { type: 'number', default: 4096, describe: 'cbData of each call' })
              .option('output', { alias: 'o', type: 'string', demandOption: true, describe: 'the call log to write' }),
          async (args) => {
            const { runOemSplit } = await import('./commands/oem.js');
            exitCode = runOemSplit(args.input, args.output, positiveInteger(args.chunk, '--chunk')!);
          },
        )
        .command(
          'join <input>',
          'Recorded calls → stream (partial saves refused)',
          (command) => command.positional('input', { type: 'string', demandOption: true, describe: 'a call log' }).option('output', { alias: 'o', type: 'string', demandOption: true }),
          async (args) => {
            const { runOemJoin } = await import('./commands/oem.js');
            exitCode = runOemJoin(args.input, args.output);
          },
        )
        .command(
          'store <input>',
          'Write the next generation into an A/B store',
          (command) =>
            command
              .positional('input', { type: 'string', demandOption: true, describe: 'an OEM stream' })
              .option('output', { alias: 'o', type: 'string', demandOption: true, describe: 'the store to write' })
              .option('slot-size', { type: 'number', describe: 'bytes per slot, for a new store' })
              .option('previous', { type: 'string', describe: 'the existing store (the new generation goes to its other slot)' })
              .option('chunk', { type: 'number', default: 4096, describe: 'payload bytes per chunk' }),
          async (args) => {
            const { runOemStore } = await import('./commands/oem.js');
            exitCode = runOemStore(args.input, args.output, { slotSize: positiveInteger(args['slot-size'], '--slot-size'), previous: args.previous, chunk: positiveInteger(args.chunk, '--chunk')! });
          },
        )
        .command(
          'load <input>',
          'Newest complete generation of an A/B store',
          (command) =>
            command
              .positional('input', { type: 'string', demandOption: true, describe: 'a store' })
              .option('output', { alias: 'o', type: 'string', describe: 'write the stream to this file' })
              .option('json', { type: 'boolean', default: false }),
          async (args) => {
            const { runOemLoad } = await import('./commands/oem.js');
            exitCode = runOemLoad(args.input, args.output, args.json);
          },
        )
        .command(
          'verify <files..>',
          'Check streams, call logs and stores',
          (command) => command.positional('files', { type: 'string', array: true, demandOption: true }),
          async (args) => {
            const { runOemVerify } = await import('./commands/oem.js');
            exitCode = runOemVerify(args.files as string[]);
          },
        )
        .demandCommand(1, 'Name an oem command: pack, unpack, split, join, store, load or verify.'),
    )
    .command(
      'build <inputs..>',
      'Build a hive from .reg files (also linked to a ROM hive)',
      (command) =>
        command
          .positional('inputs', { describe: '.reg files, applied in order', type: 'string', array: true, demandOption: true })
          .option('output', { alias: 'o', type: 'string', demandOption: true, describe: 'the hive file to write (atomically; never one of the inputs)' })
          .option('layout', { choices: ['rom', 'persistent'] as const, default: 'rom' as const, describe: 'rom: own references carry store nibble 2; persistent: nibble 0' })
          .option('rom-signature', { type: 'string', describe: '16-byte ROM signature as 32 hex digits (default: derived from the content)' })
          .option('guid', { type: 'string', describe: '16-byte volume GUID as 32 hex digits (default: derived from the content)' })
          .option('rom', { type: 'string', describe: 'build a persistent hive linked into this ROM hive: the .reg files are changes to its registry' })
          .example('$0 build --rom default.hv changes.reg -o system.hv', 'a system.hv the device keeps, holding only the changes')
          .example('$0 build platform.reg -o default.hv', 'a ROM-style hive')
          .example('$0 build base.reg patch.reg -o out.hv --rom-signature 6e950daec1672852a98cf772c09550c9', 'two files, a given signature'),
      async (args) => {
        const { runBuild } = await import('./commands/build.js');
        exitCode = runBuild({
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
      'rewrite <input> <output>',
      'Re-emit a hive from its parts, byte for byte',
      (command) =>
        command
          .positional('input', { describe: 'hive file to read', type: 'string', demandOption: true })
          .positional('output', { describe: 'hive file to write (atomically; never the input)', type: 'string', demandOption: true })
          .example('$0 rewrite default.hv copy.hv', 'copy.hv has the same bytes'),
      async (args) => {
        const { runRewrite } = await import('./commands/rewrite.js');
        exitCode = runRewrite(args.input, args.output);
      },
    )
    .option('max-output', { type: 'number', global: true, describe: 'stop with an error once a command has written this many bytes (default 4 GiB)' })
    .middleware((args) => {
      const cap = positiveInteger(args['max-output'] as number | undefined, '--max-output');
      if (cap !== undefined) setMaxOutput(cap);
    })
    .demandCommand(1, 'Name a command: dump, info, verify, diff, build, rewrite, image or oem (see --help).')
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version()
    .alias('V', 'version')
    .epilogue(EPILOGUE)
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .exitProcess(false)
    .fail((message, error) => {
      if (error !== undefined && error !== null) throw error;
      // Throwing stops yargs here, before any command handler runs.
      throw new UsageError(`${message}\nRun 'hivetool --help' for usage.`);
    });

  try {
    await parser.parseAsync();
  } catch (error) {
    // The reader of our output went away (`hivetool dump x | head`): not a failure.
    if ((error as NodeJS.ErrnoException).code === 'EPIPE') return ExitCode.OK;
    const line = describeFailure(error);
    if (line === undefined) {
      process.stderr.write(`hivetool: internal error (please report it with the input that caused it):\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      return ExitCode.INTERNAL;
    }
    process.stderr.write(`hivetool: ${line}\n`);
    return ExitCode.FAILED;
  }
  return exitCode;
}

/** Opens the hive named by --rom, which must be a ROM hive. */
function openRom(path: string): Hive {
  try {
    const rom = openHiveFile(path, { source: 'rom' });
    if (rom.kind !== 'rom') throw new UsageError(`--rom ${path}: this is a persistent hive (its roots carry store nibble 0); --rom takes the ROM hive (default.hv or the ROM user.hv)`);
    return rom;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const line = describeFailure(error, path);
    if (line === undefined) throw error;
    throw new UsageError(`--rom ${path}: ${line}`);
  }
}

/** A whole number ≥ 1 from an option, or undefined when the option was not given. */
function positiveInteger(value: number | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`${option} takes a whole number of at least 1`);
  return value;
}

export { UsageError };
export { openHiveFile, openHiveFileLazy } from './input.js';
