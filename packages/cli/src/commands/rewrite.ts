/** `hivetool rewrite`: a hive re-emitted from its parts, byte for byte. */
import { defineCommand } from '../command.js';
import { positionals } from '../arguments.js';

export const rewrite = defineCommand({
  command: 'rewrite [input] [output]',
  describe: 'Re-emit a hive from its parts, byte for byte',
  builder: (command) =>
    positionals(command, 'rewrite <input> <output>', 'input', 'output')
      .positional('input', { describe: 'hive file to read', type: 'string' })
      .positional('output', { describe: 'hive file to write (atomically; never the input)', type: 'string' })
      .example('$0 rewrite default.hv copy.hv', 'copy.hv has the same bytes'),
  options: (args) => ({ input: args.input!, output: args.output! }),
  run: async (options, io) => (await import('../run/rewrite.js')).run(options, io),
});
