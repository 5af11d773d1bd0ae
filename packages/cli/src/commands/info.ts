/** `hivetool info`: header fields, counts, value types, unknown bits. */
import { defineCommand } from '../command.js';
import { positionals } from '../arguments.js';
import { expandInputs } from '../batch.js';
import { KIND_OPTION, MAX_DEPTH_OPTION, RECURSIVE_OPTION, jobsOption, jsonOption, positiveInteger } from '../options.js';
import type { InfoArguments } from '../run/info.js';

export const info = defineCommand({
  command: 'info [files..]',
  describe: 'Show header fields, counts, value types, unknown bits',
  builder: (command) =>
    positionals(command, 'info <files..>', 'files')
      .positional('files', { describe: 'hive files (.hv)', type: 'string', array: true })
      .option('json', jsonOption('print JSON (docs/json-schema.md)'))
      .option('kind', KIND_OPTION)
      .option('max-depth', MAX_DEPTH_OPTION)
      .option('recursive', RECURSIVE_OPTION)
      .option('jobs', jobsOption('files to read at once, on worker threads'))
      .example('$0 info samples/device.hv', 'header and statistics')
      .example('$0 info -r --jobs 4 --json dumps/', 'every hive under dumps/, four at a time')
      .example('$0 info --json *.hv', 'the same for scripts'),
  options: (args): InfoArguments => ({
    files: expandInputs(args.files as string[], args.recursive),
    jobs: positiveInteger(args.jobs, '--jobs') ?? 1,
    json: args.json,
    kind: args.kind,
    maxDepth: positiveInteger(args['max-depth'], '--max-depth'),
  }),
  run: async (options, io) => (await import('../run/info.js')).run(options, io),
});
