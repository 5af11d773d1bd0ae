/** `hivetool dump`: hives as .reg text, JSON or raw records. */
import { defineCommand } from '../command.js';
import { positionals } from '../arguments.js';
import { expandInputs } from '../batch.js';
import { FORCE_ROM_OPTION, openRom } from '../rom.js';
import { CONTENT_ONLY_OPTION, KIND_OPTION, MAX_DEPTH_OPTION, RECURSIVE_OPTION, asStoredOption, contentOnlyWithJson, jobsOption, outputOption, positiveInteger, romOption } from '../options.js';
import type { DumpArguments, DumpFormat } from '../dump/one.js';
import { checkBinaryTableOutput } from '../table/output.js';

export const dump = defineCommand({
  command: 'dump [files..]',
  describe: 'Print hives as .reg text, JSON, raw records, or a table of values (CSV, JSON Lines, Parquet)',
  builder: (command) =>
    positionals(command, 'dump <files..>', 'files')
      .positional('files', { describe: 'hive files (.hv)', type: 'string', array: true })
      .option('format', { requiresArg: true, alias: 'f', choices: ['reg', 'json', 'raw', 'csv', 'jsonl', 'parquet'] as const, default: 'reg' as const, describe: 'output format: reg, json, raw records, or one row per value (file, key path, name, type, data, hex, size, offset, source, deleted: docs/tables.md) as csv (RFC 4180), jsonl (JSON Lines) or parquet (binary: needs -o FILE or -o -)' })
      .option('key', { requiresArg: true, alias: 'k', type: 'string', describe: 'dump only this key and its subtree (e.g. HKLM\\Drivers\\BuiltIn)' })
      .option('output', outputOption('write to this file (atomically) instead of stdout'))
      .option('kind', KIND_OPTION)
      .option('max-depth', MAX_DEPTH_OPTION)
      .option('reg-style', { requiresArg: true, choices: ['ce', 'regedit'] as const, default: 'ce' as const, describe: 'ce: UTF-8 REGEDIT4 with multi_sz:/mui_sz:; regedit: a regedit 5 file (UTF-16LE, hex(7))' })
      .option('rom', romOption("the ROM hive a persistent hive links into: dump the device's effective registry"))
      .option('content-only', CONTENT_ONLY_OPTION)
      .option('recursive', RECURSIVE_OPTION)
      .option('jobs', jobsOption('files to render at once, on worker threads (output still in file order)'))
      .check(contentOnlyWithJson)
      .option('as-stored', asStoredOption('dump'))
      .option('force-rom', FORCE_ROM_OPTION)
      .option('deleted', { type: 'boolean', default: false, describe: 'also show deleted keys and values recovered from free space (comments in .reg, a "deleted" list in JSON)' })
      .example('$0 dump --rom default.hv system.hv', "the device's effective system registry")
      .example('$0 dump samples/device.hv', '.reg text of the whole hive')
      .example('$0 dump -f json -k "HKLM\\Drivers" default.hv', 'one subtree as JSON')
      .example('$0 dump -f raw boot.hv', 'every heap block, one line each')
      .example('$0 dump -r --jobs 4 -f parquet -o fleet.parquet devices/', 'one table of every value of every hive under devices/'),
  options: (args, io): DumpArguments => {
    checkBinaryTableOutput(args.format, args.output, io.stdoutIsTTY);
    return {
    files: expandInputs(args.files as string[], args.recursive),
    format: args.format as DumpFormat,
    key: args.key,
    output: args.output,
    kind: args.kind,
    maxDepth: positiveInteger(args['max-depth'], '--max-depth'),
    regStyle: args['reg-style'],
    contentOnly: args['content-only'],
    rom: args.rom === undefined ? undefined : openRom(io, args.rom),
    romFile: args.rom,
    romName: args.rom,
    forceRom: args['force-rom'],
    jobs: positiveInteger(args.jobs, '--jobs') ?? 1,
    asStored: args['as-stored'],
    deleted: args.deleted,
    };
  },
  run: async (options, io) => (await import('../run/dump.js')).run(options, io),
});
