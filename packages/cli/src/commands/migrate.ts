/** `hivetool migrate`: carry a device's hive onto a new ROM (an OS update) with a three-way merge. */
import { defineCommand } from '../command.js';
import { UsageError } from '../failures.js';
import { openRom } from '../rom.js';
import { jsonOption, outputOption, romOption } from '../options.js';
import type { MigrateArguments } from '../run/migrate.js';

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : value === undefined ? [] : [String(value)]);

export const migrate = defineCommand({
  command: 'migrate [input]',
  describe: "Carry a device's hive onto a new ROM (OS update): three-way merge",
  builder: (command) =>
    command
      .usage('$0 migrate --old-rom OLD.hv --new-rom NEW.hv HIVE -o OUT.hv')
      .positional('input', { describe: "the device's persistent hive (system.hv or a user.hv), built against --old-rom", type: 'string' })
      .option('old-rom', romOption('the ROM hive the device runs now (default.hv for system.hv, the ROM user.hv for a user.hv)'))
      .option('new-rom', romOption('the same ROM hive of the new image'))
      .option('output', outputOption('the migrated hive to write (atomically): linked into --new-rom, holding only what differs from it'))
      .option('prefer', { requiresArg: true, choices: ['image', 'device'] as const, default: 'image' as const, describe: 'who wins a conflict (both changed a value or key, differently): the new image, or the device' })
      .option('keep-device', { requiresArg: true, type: 'string', array: true, describe: "conflicts under this key (e.g. HKLM\\Comm) go to the device; repeatable; the most specific key wins" })
      .option('keep-image', { requiresArg: true, type: 'string', array: true, describe: 'conflicts under this key go to the new image; repeatable; the most specific key wins' })
      .option('patch', { requiresArg: true, type: 'string', describe: "also write the device's changes against the old ROM as a .reg patch (for compile/build)" })
      .option('dry-run', { type: 'boolean', default: false, describe: 'report what the migration would do; write nothing' })
      .option('json', jsonOption('print the report as JSON (docs/migrate.md, docs/schemas/migrate.schema.json)'))
      .option('force-rom', { type: 'boolean', default: false, describe: 'migrate a hive that fails the ROM check against --old-rom (another build, the wrong role)' })
      .example('$0 migrate --old-rom old/default.hv --new-rom new/default.hv system.hv -o new-system.hv', "the device's settings, over the new image")
      .example('$0 migrate --old-rom old/default.hv --new-rom new/default.hv system.hv --dry-run --keep-device HKLM\\Comm', 'what would happen, the device winning conflicts under HKLM\\Comm')
      .example('$0 migrate --old-rom old/default.hv --new-rom new/default.hv system.hv -o out.hv --patch device.reg', "also the device's changes as a .reg patch")
      .epilogue('Exit codes: 0 migrated, no conflicts; 1 migrated, with conflicts decided by the policy (device changes dropped included); 2 could not migrate (nothing written).'),
  options: (args, io): MigrateArguments => {
    const input = args.input as string | undefined;
    if (input === undefined) throw new UsageError("migrate needs the device's hive: hivetool migrate --old-rom OLD.hv --new-rom NEW.hv HIVE -o OUT.hv");
    if (args['old-rom'] === undefined || args['new-rom'] === undefined) throw new UsageError('migrate needs both ROM hives: --old-rom (the one the device runs now) and --new-rom (the new image\'s)');
    if (args.output === undefined && !args['dry-run']) throw new UsageError('migrate writes the migrated hive to -o FILE (--output); or give --dry-run to only see the report');
    if (args.output !== undefined && args['dry-run']) throw new UsageError('--dry-run writes nothing: give either -o FILE or --dry-run');
    if (args.output === '-') throw new UsageError('-o -: migrate prints its report on standard output; name the file to write the migrated hive to');
    const patch = args.patch;
    if (patch !== undefined && args['dry-run']) throw new UsageError('--dry-run writes nothing: --patch cannot be given with it');
    if (patch !== undefined && patch === args.output) throw new UsageError(`${patch}: --patch and -o name the same file: give each its own`);
    return {
      input,
      oldRom: { file: args['old-rom'], hive: openRom(io, args['old-rom']) },
      newRom: { file: args['new-rom'], hive: openRom(io, args['new-rom']) },
      output: args.output,
      prefer: args.prefer as 'image' | 'device',
      keepDevice: strings(args['keep-device']),
      keepImage: strings(args['keep-image']),
      patch,
      json: args.json,
      forceRom: args['force-rom'],
    };
  },
  run: async (options, io) => (await import('../run/migrate.js')).run(options, io),
});
