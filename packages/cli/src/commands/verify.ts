/** `hivetool verify`: check hives, their links into ROM and signature; predict the boot. */
import { defineCommand } from '../command.js';
import { expandInputs } from '../batch.js';
import { UsageError } from '../failures.js';
import { openRom } from '../rom.js';
import { KIND_OPTION, MAX_DEPTH_OPTION, RECURSIVE_OPTION, asStoredOption, jobsOption, jsonOption, positiveInteger, romOption } from '../options.js';
import type { VerifyArguments } from '../run/verify.js';

export const verify = defineCommand({
  command: 'verify [files..]',
  describe: 'Check hives, links into ROM, signature; predict the boot',
  builder: (command) =>
    command
      .positional('files', { describe: 'hive files (.hv); with only --rom, the ROM hive itself is checked', type: 'string', array: true })
      .option('rom', romOption('the ROM hive the files link into (default.hv for system.hv, ROM user.hv for a user.hv)'))
      .option('json', jsonOption('print JSON (docs/verify.md)'))
      .option('strict', { type: 'boolean', default: false, describe: 'warnings count as errors for the exit code' })
      .option('kind', KIND_OPTION)
      .option('max-depth', MAX_DEPTH_OPTION)
      .option('recursive', RECURSIVE_OPTION)
      .option('jobs', jobsOption('files to check at once, on worker threads'))
      .option('as-stored', asStoredOption('check'))
      .example('$0 verify --rom default.hv -r --jobs 4 fleet/', 'every hive under fleet/ against the ROM, four at a time')
      .example('$0 verify --rom default.hv system.hv', 'will the device keep system.hv at the next boot?')
      .example('$0 verify --rom default.hv', 'check the ROM hive and show its signature')
      .epilogue('Exit codes: 0 no errors, 1 errors found (or warnings, with --strict) or a recovery pending at the next mount, 2 could not run.'),
  options: (args, io): VerifyArguments => {
    const files = expandInputs((args.files as string[] | undefined) ?? [], args.recursive);
    if (files.length === 0 && args.rom === undefined) throw new UsageError('verify needs a hive file, or --rom ROM.hv to check a ROM hive');
    return {
      files,
      jobs: positiveInteger(args.jobs, '--jobs') ?? 1,
      rom: args.rom === undefined ? undefined : { file: args.rom, hive: openRom(io, args.rom, false) },
      json: args.json,
      strict: args.strict,
      kind: args.kind,
      maxDepth: positiveInteger(args['max-depth'], '--max-depth'),
      asStored: args['as-stored'],
    };
  },
  run: async (options, io) => (await import('../run/verify.js')).run(options, io),
});
