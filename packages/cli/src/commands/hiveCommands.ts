/**
 * The command-line definitions of the hive commands: dump, info, verify and diff (options, help, examples).
 * Light: each command's code is imported only when it runs.
 */
import type { Argv } from 'yargs';
import { expandInputs } from '../batch.js';
import { positionals } from '../arguments.js';
import { UsageError } from '../failures.js';
import type { Reporter } from '../report.js';
import { openRom } from '../rom.js';
import { CONTENT_ONLY_OPTION, KIND_OPTION, MAX_DEPTH_OPTION, RECURSIVE_OPTION, contentOnlyWithJson, positiveInteger } from '../options.js';
import type { DumpFormat } from './dump.js';
import type { DiffFormat } from './diff.js';

/** Adds hive commands to `parser`; a command's handler sets `exit.code`. */
export function hiveCommands<T>(parser: Argv<T>, report: Reporter, exit: { code: number }) {
  return parser
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
        const { runDump } = await import('./dump.js');
        exit.code = await runDump(
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
        const { runInfo } = await import('./info.js');
        exit.code = await runInfo(
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
        const { runVerify } = await import('./verify.js');
        exit.code = await runVerify(
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
        const { runDiff } = await import('./diff.js');
        exit.code = runDiff({
          files: args.files as string[],
          rom: args.rom === undefined ? undefined : { file: args.rom, hive: openRom(args.rom) },
          format: args.format as DiffFormat,
          output: args.output,
          maxDepth: positiveInteger(args['max-depth'], '--max-depth'),
          regStyle: args['reg-style'],
        });
      },
    );
}
