/** `hivetool migrate`: carry a device's hives onto a new ROM (an OS update) with a three-way merge. */
import { defineCommand } from '../command.js';
import { UsageError } from '../failures.js';
import { openRom } from '../rom.js';
import { jsonOption, outputOption, romOption } from '../options.js';
import type { MigrateArguments } from '../run/migrate.js';

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : value === undefined ? [] : [String(value)]);

const ROOTS_RULE = 'HKEY_CURRENT_USER goes to the user hive, every other root (HKEY_LOCAL_MACHINE, HKEY_CLASSES_ROOT) to the system hive';

export const migrate = defineCommand({
  command: 'migrate [inputs..]',
  describe: "Carry a device's hives onto a new ROM (OS update): three-way merge",
  builder: (command) =>
    command
      .usage('$0 migrate OLD-ROMDIR NEW-ROMDIR STORAGEDIR -o OUTDIR\n$0 migrate --old-rom OLD.hv --new-rom NEW.hv HIVE -o OUT.hv')
      .positional('inputs', {
        describe: "OLD-ROMDIR NEW-ROMDIR STORAGEDIR: the image the device runs now and the new one (boot.hv, default.hv, user.hv), and the device's persistent volume as a folder (its hives found where the old image's boot looks for them); or, with --old-rom/--new-rom, the device's one persistent hive (system.hv or a user.hv)",
        type: 'string',
        array: true,
      })
      .option('old-rom', romOption('single-hive form: the ROM hive the device runs now (default.hv for system.hv, the ROM user.hv for a user.hv)'))
      .option('new-rom', romOption('single-hive form: the same ROM hive of the new image'))
      .option('output', outputOption("the migrated hive to write (atomically), linked into the new ROM, holding only what differs from it; in the folder form, the folder the hives are written to, each at the path the new image's boot configuration names (SystemHive, ProfileDir)"))
      .option('device-reg', { requiresArg: true, type: 'string', describe: `the device's whole registry instead of its persistent hive(s): .reg text (REGEDIT4 or Windows Registry Editor Version 5.00, as a remote registry tool exports it), a registry image or an OEM stream; ${ROOTS_RULE}` })
      .option('prefer', { requiresArg: true, choices: ['image', 'device'] as const, default: 'image' as const, describe: 'who wins a conflict (both changed a value or key, differently): the new image, or the device' })
      .option('keep-device', { requiresArg: true, type: 'string', array: true, describe: "conflicts under this key (e.g. HKLM\\Comm) go to the device; repeatable; the most specific key wins" })
      .option('keep-image', { requiresArg: true, type: 'string', array: true, describe: 'conflicts under this key go to the new image; repeatable; the most specific key wins' })
      .option('patch', { requiresArg: true, type: 'string', describe: "also write the device's changes against the old ROM as a .reg patch (for compile/build); in the folder form, a folder that gets one patch per hive (system.reg, user-NAME.reg)" })
      .option('dry-run', { type: 'boolean', default: false, describe: 'report what the migration would do; write nothing' })
      .option('json', jsonOption('print the report as JSON (docs/migrate.md, docs/schemas/migrate.schema.json)'))
      .option('force-rom', { type: 'boolean', default: false, describe: 'migrate a hive that fails the ROM check against the old ROM (another build, the wrong role)' })
      .example('$0 migrate rom-v1/ rom-v2/ storage/ -o storage-v2/', "every hive of the device, where the new image's boot looks for them")
      .example('$0 migrate rom-v1/ rom-v2/ --device-reg device.reg -o storage-v2/', 'a RAM-based device: its registry exported as .reg text')
      .example('$0 migrate --old-rom old/default.hv --new-rom new/default.hv system.hv -o new-system.hv', "the device's settings, over the new image")
      .example('$0 migrate --old-rom old/default.hv --new-rom new/default.hv system.hv --dry-run --keep-device HKLM\\Comm', 'what would happen, the device winning conflicts under HKLM\\Comm')
      .example('$0 migrate --old-rom old/default.hv --new-rom new/default.hv system.hv -o out.hv --patch device.reg', "also the device's changes as a .reg patch")
      .epilogue(`With --device-reg, ${ROOTS_RULE}. Exit codes: 0 migrated, no conflicts; 1 migrated, with conflicts decided by the policy (device changes dropped included), the worst over the hives; 2 could not migrate (nothing written).`),
  options: (args, io): MigrateArguments => {
    const inputs = strings(args.inputs);
    const deviceReg = args['device-reg'] as string | undefined;
    const dryRun = args['dry-run'] as boolean;
    if (args.output === undefined && !dryRun) throw new UsageError('migrate writes the migrated hive to -o FILE (--output), in the folder form the hives to -o OUTDIR; or give --dry-run to only see the report');
    if (args.output !== undefined && dryRun) throw new UsageError('--dry-run writes nothing: give either -o FILE or --dry-run');
    if (args.output === '-') throw new UsageError('-o -: migrate prints its report on standard output; name the file to write the migrated hive to');
    const patch = args.patch;
    if (patch !== undefined && dryRun) throw new UsageError('--dry-run writes nothing: --patch cannot be given with it');
    if (patch !== undefined && patch === args.output) throw new UsageError(`${patch}: --patch and -o name the same file: give each its own`);
    const policy = { prefer: args.prefer as 'image' | 'device', keepDevice: strings(args['keep-device']), keepImage: strings(args['keep-image']) };
    const single = args['old-rom'] !== undefined || args['new-rom'] !== undefined || (inputs.length === 1 && deviceReg === undefined) || (inputs.length === 0 && deviceReg !== undefined);
    if (single) {
      if (deviceReg !== undefined && inputs.length > 0) throw new UsageError(`--device-reg ${deviceReg} stands for the device's hive: give either HIVE or --device-reg, not both`);
      const input = deviceReg ?? inputs[0];
      if (input === undefined) throw new UsageError("migrate needs the device's hive: hivetool migrate --old-rom OLD.hv --new-rom NEW.hv HIVE -o OUT.hv (or OLD-ROMDIR NEW-ROMDIR STORAGEDIR -o OUTDIR)");
      if (inputs.length > 1) throw new UsageError(`migrate --old-rom/--new-rom takes one hive, given ${inputs.length}: the folder form (OLD-ROMDIR NEW-ROMDIR STORAGEDIR) takes no --old-rom/--new-rom`);
      if (args['old-rom'] === undefined || args['new-rom'] === undefined) throw new UsageError('migrate needs both ROM hives: --old-rom (the one the device runs now) and --new-rom (the new image\'s)');
      return {
        form: 'hive',
        input,
        deviceReg: deviceReg !== undefined,
        oldRom: { file: args['old-rom'], hive: openRom(io, args['old-rom']) },
        newRom: { file: args['new-rom'], hive: openRom(io, args['new-rom']) },
        output: args.output,
        ...policy,
        patch,
        json: args.json,
        forceRom: args['force-rom'],
      };
    }
    const wanted = deviceReg === undefined ? 3 : 2;
    if (inputs.length !== wanted) {
      throw new UsageError(
        deviceReg === undefined
          ? `migrate takes OLD-ROMDIR NEW-ROMDIR STORAGEDIR (given ${inputs.length} folder(s)): the ROM folder the device runs now, the new image's, and the device's persistent volume; or --old-rom OLD.hv --new-rom NEW.hv HIVE for one hive`
          : `migrate --device-reg ${deviceReg} takes OLD-ROMDIR NEW-ROMDIR (given ${inputs.length} folder(s)): the registry stands for STORAGEDIR`,
      );
    }
    return {
      form: 'folders',
      oldRomDir: inputs[0]!,
      newRomDir: inputs[1]!,
      storageDir: deviceReg === undefined ? inputs[2] : undefined,
      deviceReg,
      outDir: args.output,
      ...policy,
      patchDir: patch,
      json: args.json,
      forceRom: args['force-rom'],
    };
  },
  run: async (options, io) => (await import('../run/migrate.js')).run(options, io),
});
