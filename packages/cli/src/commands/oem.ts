/** `hivetool oem …`: WriteRegistryToOEM streams, the A/B flash store and PREG containers. */
import { defineCommand, type CommandGroup } from '../command.js';
import { inputToOutput, packInputs, packOptions, positionals } from '../arguments.js';
import { jsonOption, outputOption, positiveInteger, pregLayout, requiredOutputOption } from '../options.js';

const pack = defineCommand({
  command: 'pack [inputs..]',
  describe: 'Hives or an image → OEM stream',
  builder: (command) =>
    packInputs(command, 'oem pack <inputs..>', 'hives (a system and a user hive combine), or a registry image', 'the OEM stream to write (- for standard output)')
      .example('$0 oem pack --rom default.hv --user-rom user.hv system.hv profile-user.hv -o registry.oem', 'the device registry as the OS hands it to WriteRegistryToOEM'),
  options: packOptions,
  run: async (options, io) => (await import('../run/oem.js')).pack(options, io),
});

const unpack = defineCommand({
  command: 'unpack [input]',
  describe: 'OEM stream → hive or image',
  builder: (command) =>
    inputToOutput(command, 'oem unpack <input>', 'an OEM stream', 'the hive or image to write')
      .option('to', { requiresArg: true, choices: ['hive', 'image'] as const, default: 'hive' as const, describe: 'what to write: a hive (ROM layout) or a registry image' }),
  options: (args) => ({ input: args.input!, output: args.output, to: args.to as 'hive' | 'image' }),
  run: async (options, io) => (await import('../run/oem.js')).unpack(options, io),
});

const split = defineCommand({
  command: 'split [input]',
  describe: 'Record the WriteRegistryToOEM calls of a save',
  builder: (command) =>
    positionals(command, 'oem split <input>', 'input')
      .positional('input', { type: 'string', describe: 'an OEM stream' })
      .option('chunk', { requiresArg: true, type: 'number', default: 4096, describe: 'cbData of each call' })
      .option('output', requiredOutputOption('the call log to write')),
  options: (args) => ({ input: args.input!, output: args.output, chunk: positiveInteger(args.chunk, '--chunk')! }),
  run: async (options, io) => (await import('../run/oem.js')).split(options, io),
});

const join = defineCommand({
  command: 'join [input]',
  describe: 'Recorded calls → stream (partial saves refused)',
  builder: (command) =>
    inputToOutput(command, 'oem join <input>', 'a call log (from oem split)', 'the OEM stream to write'),
  options: (args) => ({ input: args.input!, output: args.output }),
  run: async (options, io) => (await import('../run/oem.js')).join(options, io),
});

const store = defineCommand({
  command: 'store [input]',
  describe: 'Write the next generation into an A/B store',
  builder: (command) =>
    inputToOutput(command, 'oem store <input>', 'an OEM stream', 'the store to write')
      .option('slot-size', { requiresArg: true, type: 'number', describe: 'bytes per slot, for a new store' })
      .option('previous', { requiresArg: true, type: 'string', describe: 'the existing store (the new generation goes to its other slot)' })
      .option('chunk', { requiresArg: true, type: 'number', default: 4096, describe: 'payload bytes per chunk' }),
  options: (args) => ({ input: args.input!, output: args.output, slotSize: positiveInteger(args['slot-size'], '--slot-size'), previous: args.previous, chunk: positiveInteger(args.chunk, '--chunk')! }),
  run: async (options, io) => (await import('../run/oem.js')).store(options, io),
});

const load = defineCommand({
  command: 'load [input]',
  describe: 'Newest complete generation of an A/B store',
  builder: (command) =>
    positionals(command, 'oem load <input>', 'input')
      .positional('input', { type: 'string', describe: 'a store' })
      .option('output', outputOption('write the stream to this file'))
      .option('json', jsonOption("print JSON: the generation, slot and both slots' state")),
  options: (args) => ({ input: args.input!, output: args.output, json: args.json }),
  run: async (options, io) => (await import('../run/oem.js')).load(options, io),
});

const verify = defineCommand({
  command: 'verify [files..]',
  describe: 'Check streams, call logs, stores and PREG containers',
  builder: (command) =>
    positionals(command, 'oem verify <files..>', 'files')
      .positional('files', { type: 'string', array: true, describe: 'OEM streams, call logs, stores or PREG containers (recognised by their contents)' })
      .epilogue('Says which layout each file has (a PREG container, the common OAL\'s flash layout, is checked as `oem preg verify` does). Exit codes: 0 every file is good, 1 one is bad (damaged, interrupted, or not one of these layouts), 2 a file could not be read.'),
  options: (args) => ({ files: args.files as string[] }),
  run: async (options, io) => (await import('../run/oem.js')).verify(options, io),
});

/** `--region-size` and `--regions`, which every `oem preg` command takes. */
interface PregLayoutArguments {
  'region-size'?: number | undefined;
  regions?: number | undefined;
}

const pregVerify = defineCommand({
  command: 'verify [files..]',
  describe: 'Check PREG containers (exit 0 intact, 1 interrupted or damaged, 2 not PREG)',
  builder: (command) =>
    positionals(command, 'oem preg verify <files..>', 'files')
      .positional('files', { type: 'string', array: true, describe: 'flash dumps of PREG regions' })
      .option('json', jsonOption('print JSON')),
  options: (args) => ({ files: args.files as string[], layout: pregLayout(args as PregLayoutArguments), json: args.json }),
  run: async (options, io) => (await import('../run/preg.js')).verify(options, io),
});

const pregExtract = defineCommand({
  command: 'extract [input]',
  describe: 'The stream of a PREG container (opaque, byte for byte)',
  builder: (command) =>
    inputToOutput(command, 'oem preg extract <input>', 'a PREG dump', 'the stream to write'),
  options: (args) => ({ input: args.input as string, output: args.output, layout: pregLayout(args as PregLayoutArguments) }),
  run: async (options, io) => (await import('../run/preg.js')).extract(options, io),
});

const pregPack = defineCommand({
  command: 'pack [input]',
  describe: 'A stream → PREG container (to test an OAL)',
  builder: (command) =>
    inputToOutput(command, 'oem preg pack <input>', 'the stream', 'the container to write'),
  options: (args) => ({ input: args.input as string, output: args.output, layout: pregLayout(args as PregLayoutArguments) }),
  run: async (options, io) => (await import('../run/preg.js')).pack(options, io),
});

const preg: CommandGroup = {
  command: 'preg',
  describe: "PREG containers: the common OAL's flash copy of the stream",
  shared: (group) =>
    group
      .option('region-size', { requiresArg: true, type: 'number', describe: 'bytes per flash region (a dump of several regions, concatenated)' })
      .option('regions', { requiresArg: true, type: 'number', describe: 'how many regions (1–8; with --region-size)' }),
  subcommands: [pregVerify, pregExtract, pregPack],
  demand: 'name a preg command: verify, extract or pack',
};

export const oem: CommandGroup = {
  command: 'oem',
  describe: 'WriteRegistryToOEM streams and the A/B flash store',
  subcommands: [pack, unpack, split, join, store, load, verify, preg],
  demand: 'name an oem command: pack, unpack, split, join, store, load, verify or preg',
};
