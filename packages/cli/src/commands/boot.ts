/** `hivetool boot`: what the device does with its hives at the next boot. */
import { defineCommand } from '../command.js';
import { positionals } from '../arguments.js';
import { jsonOption } from '../options.js';
import type { BootArguments } from '../run/boot.js';

export const boot = defineCommand({
  command: 'boot [romdir] [storagedir]',
  describe: 'What the device does with its hives at the next boot',
  builder: (command) =>
    positionals(command, 'boot <romdir> <storagedir>', 'romdir', 'storagedir')
      .positional('romdir', { describe: "the image's boot.hv, default.hv and user.hv (names in any case)", type: 'string' })
      .positional('storagedir', { describe: "the device's persistent volume as a folder (missing files: a first boot)", type: 'string' })
      .option('clean', { requiresArg: true, choices: ['system', 'users', 'all'] as const, describe: 'the OAL answers TRUE to IOCTL_HAL_GET_HIVE_CLEAN_FLAG for these hives' })
      .option('ram-region', { requiresArg: true, type: 'string', describe: 'a dump of the IOCTL_HAL_GET_HIVE_RAM_REGION region: the combined hive, used when no file system registers' })
      .option('user', { requiresArg: true, type: 'string', describe: 'the user to load instead of DefaultUser (as SetCurrentUser would)' })
      .option('apply', { requiresArg: true, type: 'string', describe: 'write the storage folder as it is after this boot to this new folder (inputs never modified)' })
      .option('json', jsonOption('print JSON (docs/schemas/boot.schema.json)'))
      .example('$0 boot rom/ storage/', 'keep, wipe or create each hive, and why')
      .example('$0 boot rom/ storage/ --clean users --apply after/', 'the storage folder after a boot that removes the profiles')
      .epilogue('Exit codes: 0 every hive kept and no lint error, 1 a hive is wiped or created or the lint found errors, 2 could not run.'),
  options: (args): BootArguments => ({
    romDir: args.romdir as string,
    storageDir: args.storagedir as string,
    clean: args.clean,
    ramRegion: args['ram-region'],
    user: args.user,
    apply: args.apply,
    json: args.json,
  }),
  run: async (options, io) => (await import('../run/boot.js')).run(options, io),
});
