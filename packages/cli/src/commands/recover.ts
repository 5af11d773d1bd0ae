/** `hivetool recover`: repair an interrupted flush as Windows CE does at mount. */
import { defineCommand } from '../command.js';
import { inputToOutput } from '../arguments.js';
import { jsonOption } from '../options.js';

export const recover = defineCommand({
  command: 'recover [input]',
  describe: 'Repair an interrupted flush as Windows CE does at mount',
  builder: (command) =>
    inputToOutput(command, 'recover <input>', 'hive file to read (never changed)', 'the repaired hive to write (atomically; never the input)')
      .option('truncate', { type: 'boolean', default: false, describe: 'also cut the file at restoreStart, dropping the restore records after the hive' })
      .option('json', jsonOption('print what was done as JSON'))
      .example('$0 recover system.hv -o fixed.hv', 'finish or undo the cut flush, keep the file length')
      .epilogue('Exit codes: 0 repaired (or nothing to repair), 1 the hive has errors the repair does not touch, 2 could not run.'),
  options: (args) => ({ input: args.input as string, output: args.output, truncate: args.truncate, json: args.json }),
  run: async (options, io) => (await import('../run/recover.js')).run(options, io),
});
