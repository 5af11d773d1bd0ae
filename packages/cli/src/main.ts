import { createRequire } from 'node:module';
import type YargsFactory from 'yargs';
// Each command's module is imported when the command runs, so start-up loads only the
// code (and dependencies) of the command asked for.
import type { DumpFormat } from './commands/dump.js';
import type { DiffFormat } from './commands/diff.js';
import { STDIN, forgetStdin } from './input.js';
import { openRom } from './rom.js';
import { io, processIo, withIo, type CliIo } from './io.js';
import { ExitCode, UsageError, describeFailure, safeLine } from './failures.js';
import { stderrReporter } from './report.js';
import { refuseInputAsOutput, resetOutputLimit, setMaxOutput } from './output.js';
import { expandInputs } from './batch.js';
import { positionals } from './arguments.js';
import { compileCommand } from './commands/compile.js';
import { carveCommand, findCommand } from './commands/forensicCommands.js';

// Options several commands share, defined once.
const KIND_OPTION = { requiresArg: true, choices: ['auto', 'rom', 'persistent'], default: 'auto', describe: 'how to read references: auto decides from the roots record' } as const;
const MAX_DEPTH_OPTION = { requiresArg: true, type: 'number', describe: 'deepest key nesting to follow (default 512, the Windows limit)' } as const;
const RECURSIVE_OPTION = { alias: 'r', type: 'boolean', default: false, describe: 'a directory stands for the hive files under it' } as const;

// The CommonJS build of yargs: its help wraps at word boundaries, where the ES module build
// cuts words at the column edge.
const yargs = createRequire(import.meta.url)('yargs') as typeof YargsFactory;

const CONTENT_ONLY_OPTION = { type: 'boolean', default: false, describe: 'JSON without storage details (file, ids, offsets, sources, signature), to compare registries' } as const;

/** --content-only shapes JSON only: with .reg text or raw records it would be ignored. */
function contentOnlyWithJson(args: Record<string, unknown>): true {
  if (args['content-only'] === true && args['format'] !== 'json') throw new UsageError(`--content-only applies to --format json, not ${String(args['format'])}`);
  return true;
}

const EPILOGUE = 'Exit codes: 0 ok, 1 problems found (verify) or differences (diff), 2 could not run, 70 a bug.';

/**
 * Runs hivetool with `argv` (without `node` and the script) and returns the exit code.
 * User errors become one line on stderr; only bugs print a stack.
 */
export async function main(argv: string[], streams?: CliIo): Promise<number> {
  if (streams === undefined) {
    // A closed pipe (`hivetool dump x | head`) is a normal way for output to end.
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(ExitCode.OK);
      throw error;
    });
  }
  // What an earlier run in this thread set or read does not carry over.
  resetOutputLimit();
  forgetStdin();
  return withIo(streams ?? processIo(), () => run(argv));
}

async function run(argv: string[]): Promise<number> {
  const report = stderrReporter();
  let exitCode: number = ExitCode.OK;
  // yargs drops a lone `-` (standard input or output) from positionals and option values:
  // it travels through the parser under another name and is given back below.
  const parser = yargs(argv.map((arg) => (arg === STDIN ? DASH_STAND_IN : arg)))
    .middleware(restoreDash, true)
    .scriptName('hivetool')
    .usage('$0 <command> [options]\n\nRead, check and convert Windows CE registry hive files (.hv).')
    .command(
      'dump [files..]',
      'Print hives as .reg text, JSON or raw records',
      (command) =>
        positionals(command, 'dump <files..>', 'files')
          .positional('files', { describe: 'hive files (.hv)', type: 'string', array: true })
          .option('format', { requiresArg: true, alias: 'f', choices: ['reg', 'json', 'raw'] as const, default: 'reg' as const, describe: 'output format' })
          .option('key', { requiresArg: true, alias: 'k', type: 'string', describe: 'dump only this key and its subtree (e.g. HKLM\\Drivers\\BuiltIn)' })
          .option('output', { requiresArg: true, alias: 'o', type: 'string', describe: 'write to this file (atomically) instead of stdout' })
          .option('kind', KIND_OPTION)
          .option('max-depth', MAX_DEPTH_OPTION)
          .option('reg-style', { requiresArg: true, choices: ['ce', 'regedit'] as const, default: 'ce' as const, describe: 'ce: UTF-8 REGEDIT4 with multi_sz:/mui_sz:; regedit: a regedit 5 file (UTF-16LE, hex(7))' })
          .option('rom', { requiresArg: true, type: 'string', describe: "the ROM hive a persistent hive links into: dump the device's effective registry" })
          .option('content-only', CONTENT_ONLY_OPTION)
          .option('recursive', RECURSIVE_OPTION)
          .option('jobs', { requiresArg: true, alias: 'j', type: 'number', default: 1, describe: 'files to render at once, on worker threads (output still in file order)' })
          .check(contentOnlyWithJson)
          .option('as-stored', { type: 'boolean', default: false, describe: 'a hive with a cut flush (restoreFlags 2): dump the bytes as stored, not the hive as Windows CE mounts it' })
          .option('deleted', { type: 'boolean', default: false, describe: 'also show deleted keys and values recovered from free space (comments in .reg, a "deleted" list in JSON)' })
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
            asStored: args['as-stored'],
            deleted: args.deleted,
          },
          report,
        );
      },
    )
    .command(
      'info [files..]',
      'Show header fields, counts, value types, unknown bits',
      (command) =>
        positionals(command, 'info <files..>', 'files')
          .positional('files', { describe: 'hive files (.hv)', type: 'string', array: true })
          .option('json', { type: 'boolean', default: false, describe: 'print JSON (docs/json-schema.md)' })
          .option('kind', KIND_OPTION)
          .option('max-depth', MAX_DEPTH_OPTION)
          .option('recursive', RECURSIVE_OPTION)
          .option('jobs', { requiresArg: true, alias: 'j', type: 'number', default: 1, describe: 'files to read at once, on worker threads' })
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
          .option('rom', { requiresArg: true, type: 'string', describe: 'the ROM hive the files link into (default.hv for system.hv, ROM user.hv for a user.hv)' })
          .option('json', { type: 'boolean', default: false, describe: 'print JSON (docs/verify.md)' })
          .option('strict', { type: 'boolean', default: false, describe: 'warnings count as errors for the exit code' })
          .option('kind', KIND_OPTION)
          .option('max-depth', MAX_DEPTH_OPTION)
          .option('recursive', RECURSIVE_OPTION)
          .option('jobs', { requiresArg: true, alias: 'j', type: 'number', default: 1, describe: 'files to check at once, on worker threads' })
          .option('as-stored', { type: 'boolean', default: false, describe: 'a hive with a cut flush (restoreFlags 2): check the bytes as stored, not the hive as Windows CE mounts it' })
          .example('$0 verify --rom default.hv -r --jobs 4 fleet/', 'every hive under fleet/ against the ROM, four at a time')
          .example('$0 verify --rom default.hv system.hv', 'will the device keep system.hv at the next boot?')
          .example('$0 verify --rom default.hv', 'check the ROM hive and show its signature')
          .epilogue('Exit codes: 0 no errors, 1 errors found (or warnings, with --strict) or a recovery pending at the next mount, 2 could not run.'),
      async (args) => {
        const files = expandInputs((args.files as string[] | undefined) ?? [], args.recursive);
        if (files.length === 0 && args.rom === undefined) throw new UsageError('verify needs a hive file, or --rom ROM.hv to check a ROM hive');
        const { runVerify } = await import('./commands/verify.js');
        exitCode = await runVerify(
          {
            files,
            jobs: positiveInteger(args.jobs, '--jobs') ?? 1,
            rom: args.rom === undefined ? undefined : { file: args.rom, hive: openRom(args.rom, false) },
            json: args.json,
            strict: args.strict,
            kind: args.kind,
            maxDepth: positiveInteger(args['max-depth'], '--max-depth'),
            asStored: args['as-stored'],
          },
          report,
        );
      },
    )
    .command(
      'diff [files..]',
      'Keys and values added, removed, changed (A→B, ROM→hive)',
      (command) =>
        positionals(command, 'diff <files..>', 'files')
          .positional('files', { describe: 'A B, or one persistent hive with --rom', type: 'string', array: true })
          .option('rom', { requiresArg: true, type: 'string', describe: 'the ROM hive persistent hives link into; with one hive, A is the ROM itself' })
          .option('format', { requiresArg: true, alias: 'f', choices: ['text', 'json', 'reg'] as const, default: 'text' as const, describe: 'text, JSON, or a .reg patch that turns A into B' })
          .option('output', { requiresArg: true, alias: 'o', type: 'string', describe: 'write to this file (atomically) instead of stdout' })
          .option('max-depth', { requiresArg: true, type: 'number', describe: 'deepest key nesting to follow (default 512)' })
          .option('reg-style', { requiresArg: true, choices: ['ce', 'regedit'] as const, default: 'ce' as const, describe: 'form of a -f reg patch: ce (UTF-8 REGEDIT4) or regedit (a regedit 5 file, UTF-16LE)' })
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
            const { runImagePack } = await import('./commands/image.js');
            exitCode = runImagePack(args.inputs as string[], args.output, args.rom === undefined ? undefined : { file: args.rom, hive: openRom(args.rom) });
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
            const { runImageUnpack } = await import('./commands/image.js');
            exitCode = runImageUnpack(args.input!, args.output, args.layout as 'rom' | 'persistent', args['rom-signature']);
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
            const { runImageDump } = await import('./commands/image.js');
            exitCode = runImageDump({
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
            const { runOemPack } = await import('./commands/oem.js');
            exitCode = runOemPack(args.inputs as string[], args.output, args.rom === undefined ? undefined : { file: args.rom, hive: openRom(args.rom) });
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
            const { runOemUnpack } = await import('./commands/oem.js');
            exitCode = runOemUnpack(args.input!, args.output, args.to as 'hive' | 'image');
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
            const { runOemSplit } = await import('./commands/oem.js');
            exitCode = runOemSplit(args.input!, args.output, positiveInteger(args.chunk, '--chunk')!);
          },
        )
        .command(
          'join [input]',
          'Recorded calls → stream (partial saves refused)',
          (command) => positionals(command, 'oem join <input>', 'input').positional('input', { type: 'string', describe: 'a call log (from oem split)' }).option('output', { requiresArg: true, alias: 'o', type: 'string', demandOption: true, describe: 'the OEM stream to write' }),
          async (args) => {
            const { runOemJoin } = await import('./commands/oem.js');
            exitCode = runOemJoin(args.input!, args.output);
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
            const { runOemStore } = await import('./commands/oem.js');
            exitCode = runOemStore(args.input!, args.output, { slotSize: positiveInteger(args['slot-size'], '--slot-size'), previous: args.previous, chunk: positiveInteger(args.chunk, '--chunk')! });
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
            const { runOemLoad } = await import('./commands/oem.js');
            exitCode = runOemLoad(args.input!, args.output, args.json);
          },
        )
        .command(
          'verify [files..]',
          'Check streams, call logs and stores',
          (command) => positionals(command, 'oem verify <files..>', 'files').positional('files', { type: 'string', array: true, describe: 'OEM streams, call logs or stores (recognised by their contents)' }),
          async (args) => {
            const { runOemVerify } = await import('./commands/oem.js');
            exitCode = runOemVerify(args.files as string[]);
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
                const { runPregVerify } = await import('./commands/preg.js');
                exitCode = runPregVerify({ files: args.files as string[], layout: pregLayout(args), json: args.json });
              },
            )
            .command(
              'extract [input]',
              'The stream of a PREG container (opaque, byte for byte)',
              (command) => positionals(command, 'oem preg extract <input>', 'input').positional('input', { type: 'string', describe: 'a PREG dump' }).option('output', { requiresArg: true, alias: 'o', type: 'string', demandOption: true, describe: 'the stream to write' }),
              async (args) => {
                const { runPregExtract } = await import('./commands/preg.js');
                exitCode = runPregExtract(args.input as string, args.output, pregLayout(args));
              },
            )
            .command(
              'pack [input]',
              'A stream → PREG container (to test an OAL)',
              (command) => positionals(command, 'oem preg pack <input>', 'input').positional('input', { type: 'string', describe: 'the stream' }).option('output', { requiresArg: true, alias: 'o', type: 'string', demandOption: true, describe: 'the container to write' }),
              async (args) => {
                const { runPregPack } = await import('./commands/preg.js');
                exitCode = runPregPack(args.input as string, args.output, pregLayout(args));
              },
            )
            .demandCommand(1, 'name a preg command: verify, extract or pack'),
        )
        .demandCommand(1, 'name an oem command: pack, unpack, split, join, store, load, verify or preg'),
    )
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
      'rewrite [input] [output]',
      'Re-emit a hive from its parts, byte for byte',
      (command) =>
        positionals(command, 'rewrite <input> <output>', 'input', 'output')
          .positional('input', { describe: 'hive file to read', type: 'string' })
          .positional('output', { describe: 'hive file to write (atomically; never the input)', type: 'string' })
          .example('$0 rewrite default.hv copy.hv', 'copy.hv has the same bytes'),
      async (args) => {
        const { runRewrite } = await import('./commands/rewrite.js');
        exitCode = runRewrite(args.input!, args.output!);
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
        const { runBoot } = await import('./commands/boot.js');
        exitCode = runBoot({ romDir: args.romdir as string, storageDir: args.storagedir as string, clean: args.clean, ramRegion: args['ram-region'], user: args.user, apply: args.apply, json: args.json });
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
        const { runLint } = await import('./commands/lint.js');
        exitCode = runLint(args.romdir as string, args.json);
      },
    )
    .command(
      compileCommand((code) => {
        exitCode = code;
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
        const { runView } = await import('./commands/view.js');
        exitCode = await runView({ files: (args.files as string[] | undefined) ?? [], rom: args.rom, json: args.json });
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
        const { runRecover } = await import('./commands/recover.js');
        exitCode = runRecover({ input: args.input as string, output: args.output, truncate: args.truncate, json: args.json });
      },
    )
    // Forensics (carve, find): definitions in their own module.
    .command(carveCommand(report, (code) => (exitCode = code)))
    .command(findCommand(report, (code) => (exitCode = code)))
    .option('max-output', { requiresArg: true, type: 'number', global: true, describe: 'stop with an error once a command has written this many bytes (default 4 GiB)' })
    .middleware((args) => {
      const cap = positiveInteger(args['max-output'] as number | undefined, '--max-output');
      if (cap !== undefined) setMaxOutput(cap);
      refuseOutputOverInput(args);
    })
    .demandCommand(1, 'name a command: dump, info, verify, diff, build, rewrite, compile, boot, lint, recover, carve, find, view, image or oem')
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version()
    .alias('V', 'version')
    .epilogue(EPILOGUE)
    .wrap(Math.min(110, io().columns ?? 110))
    .exitProcess(false)
    .parserConfiguration({ 'camel-case-expansion': false })
    .fail((message, error) => {
      if (error instanceof UsageError) throw error;
      // Throwing stops yargs here, before any command handler runs.
      throw new UsageError(argumentError(message ?? error?.message ?? '', argv));
    });

  // Help goes through console.log: there, the type and default yargs adds to positionals
  // (`[array] [default: []]`) are left out; the usage line already says what they are.
  const log = console.log;
  console.log = (...items: unknown[]) => log(...items.map((item) => (typeof item === 'string' ? plainPositionals(item) : item)));
  try {
    await parser.parseAsync();
  } catch (error) {
    // The reader of our output went away (`hivetool dump x | head`): not a failure.
    if ((error as NodeJS.ErrnoException).code === 'EPIPE') return ExitCode.OK;
    const line = describeFailure(error);
    if (line === undefined) {
      io().stderr(`hivetool: internal error (please report it with the input that caused it):\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      return ExitCode.INTERNAL;
    }
    io().stderr(`hivetool: ${safeLine(line)}\n`);
    return ExitCode.FAILED;
  } finally {
    console.log = log;
  }
  return exitCode;
}

const DASH_STAND_IN = '\u2039-\u203a';

/** Gives back the `-` arguments that crossed the parser as DASH_STAND_IN. */
function restoreDash(args: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(args)) {
    if (value === DASH_STAND_IN) args[name] = STDIN;
    else if (Array.isArray(value)) args[name] = value.map((item: unknown) => (item === DASH_STAND_IN ? STDIN : item));
  }
}

/**
 * Every command that writes a file (`-o`, or `rewrite`'s second file) goes through this
 * one check before anything is read: its output is none of its inputs, whatever the
 * argument that names them (`--rom` included; `--previous` may be the output, see
 * `oem store`).
 */
function refuseOutputOverInput(args: Record<string, unknown>): void {
  const named = ['files', 'inputs', 'input', 'rom'].flatMap((name) => {
    const value = args[name];
    return typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
  });
  const previous = args['previous'];
  // Standard input is read once, by the thread that runs the command: not for a hive that
  // every worker thread opens again, nor twice.
  for (const option of ['rom', 'previous']) {
    if (args[option] === STDIN) throw new UsageError(`--${option} takes a file name: - (standard input) is accepted only for the files the command reads`);
  }
  if (named.filter((name) => name === STDIN).length > 1) throw new UsageError('- (standard input) can be given once');
  const output = args['output'];
  if (typeof output !== 'string') return;
  const images = Array.isArray(args['_']) && args['_'][0] === 'image' && args['_'][1] === 'dump';
  refuseInputAsOutput(expandInputs(named, args['recursive'] === true, images ? 'image' : 'hive'), output, typeof previous === 'string' ? previous : undefined);
}

/** Help text without the type and default columns of the Positionals section. */
function plainPositionals(help: string): string {
  const lines = help.split('\n');
  let section = '';
  return lines
    .map((line) => {
      if (/^\S/.test(line)) section = line;
      if (section === 'Positionals:') return line.replace(/\s*(\[(array|string)\])?( \[default: \[\]\])?\s*$/, '');
      // Commands list their positionals as optional for yargs (see positionals()); all but
      // verify's and view's are required.
      if (section === 'Commands:' && !/^\s+hivetool (verify|view) /.test(line)) return line.replace(/ \[(\w+(?:\.\.)?)\]/g, ' <$1>');
      return line;
    })
    .join('\n');
}

/**
 * yargs's complaint about the arguments as one line saying what to do: an unknown option
 * once, by its name as typed; a bad value with the choices; then where to read more.
 */
function argumentError(message: string, argv: readonly string[]): string {
  const command = argv.filter((arg) => !arg.startsWith('-')).slice(0, 2);
  const help = `see 'hivetool ${command[0] === 'image' || command[0] === 'oem' ? command.join(' ') : (command[0] ?? '')} --help'`.replace(/ +--help/, ' --help');
  const typed = (name: string): string => argv.find((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`) || arg === `-${name}` || (name.length === 1 && /^-[a-zA-Z]+$/.test(arg) && arg.includes(name)))?.split('=')[0] ?? name;
  let text = message.trim();
  const unknown = /^Unknown arguments?: (.*)$/s.exec(text);
  const invalid = /^Invalid values:\s*(.*)$/s.exec(text);
  const missing = /^Missing required arguments?: ([^\n]*)/.exec(text);
  const needsValue = /^Not enough arguments following: (.*)$/.exec(text);
  if (unknown !== null) {
    const names = unknown[1]!.split(', ').map((name) => typed(name));
    const options = names.filter((name) => name.startsWith('-'));
    const extra = names.filter((name) => !name.startsWith('-'));
    // The first word not being a command: say that, and point to the list of commands.
    if (extra[0] !== undefined && extra[0] === command[0]) return `unknown command "${extra[0]}"; see 'hivetool --help'`;
    text = [options.length > 0 ? `unknown option${options.length > 1 ? 's' : ''} ${options.join(', ')}` : '', extra.length > 0 ? `unexpected argument${extra.length > 1 ? 's' : ''} ${extra.map((name) => `"${name}"`).join(', ')}` : ''].filter(Boolean).join('; ');
  } else if (invalid !== null) {
    text = [...invalid[1]!.matchAll(/Argument: ([^,]+), Given: (.*?), Choices: (.*)$/gm)]
      .map(([, name, given, choices]) => {
        const value = given!.replace(/^"(.*)"$/, '$1');
        const list = choices!.split(', ').map((choice) => choice.replace(/^"(.*)"$/, '$1'));
        const file = /[./\\]/.test(value) ? ` (${value} looks like a file: put it after the option's value)` : '';
        // The option as typed is the argument before its value (`-f x`, `--format x`).
        const at = argv.indexOf(value);
        const option = at > 0 && argv[at - 1]!.startsWith('-') ? argv[at - 1]! : typed(name!);
        return `${option} ${JSON.stringify(value)} is not one of ${list.join(', ')}${file}`;
      })
      .join('; ');
  } else if (missing !== null) {
    text = `missing ${missing[1]!.split(', ').map((name) => (name === 'output' ? '-o FILE (--output)' : `--${name}`)).join(', ')}`;
  } else if (needsValue !== null) {
    text = `${typed(needsValue[1]!)} needs a value`;
  } else if (/^Did you mean /.test(text)) {
    return `unknown command "${command[0] ?? ''}": ${text.replace(/^Did you mean (.*)\?$/, 'did you mean $1?')}; see 'hivetool --help'`;
  }
  return `${text.replace(/\s*\n\s*/g, '; ')}; ${help}`;
}

/** --region-size and --regions of the `oem preg` commands. */
function pregLayout(args: { 'region-size'?: number | undefined; regions?: number | undefined }): { regionSize?: number; regions?: number } {
  const regionSize = positiveInteger(args['region-size'], '--region-size');
  const regions = positiveInteger(args.regions, '--regions');
  if (regions !== undefined && regionSize === undefined) throw new UsageError('--regions needs --region-size');
  return { ...(regionSize === undefined ? {} : { regionSize }), ...(regions === undefined ? {} : { regions }) };
}

/** A whole number ≥ 1 from an option, or undefined when the option was not given. */
function positiveInteger(value: number | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`${option} takes a whole number of at least 1`);
  return value;
}

export { UsageError };
export { openHiveFile, openHiveFileLazy } from './input.js';
export { memoryIo, processIo, type CliIo } from './io.js';
