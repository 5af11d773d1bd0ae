/** `hivetool lint`: the boot configuration of a ROM set. */
import { defineCommand } from '../command.js';
import { positionals } from '../arguments.js';
import { jsonOption } from '../options.js';

export const lint = defineCommand({
  command: 'lint [romdir]',
  describe: 'Check the boot configuration of a ROM set',
  builder: (command) =>
    positionals(command, 'lint <romdir>', 'romdir')
      .positional('romdir', { describe: "the image's boot.hv, default.hv and user.hv", type: 'string' })
      .option('json', jsonOption('print JSON (docs/schemas/lint.schema.json)'))
      .epilogue('Exit codes: 0 no lint error, 1 errors found, 2 could not run. The checks: docs/boot.md.'),
  options: (args) => ({ romDir: args.romdir as string, json: args.json }),
  run: async (options, io) => (await import('../run/lint.js')).run(options, io),
});
