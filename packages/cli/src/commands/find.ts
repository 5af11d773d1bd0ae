/** `hivetool find`: key paths, value names and data across many hives. */
import { defineCommand } from '../command.js';
import { positionals } from '../arguments.js';
import { expandInputs } from '../batch.js';
import { RECURSIVE_OPTION, jobsOption, jsonOption, outputOption, positiveInteger, romOption } from '../options.js';
import { UsageError } from '../failures.js';
import { checkBinaryTableOutput } from '../table/output.js';
import { FORCE_ROM_OPTION, openRom } from '../rom.js';
import type { FindArguments } from '../run/find.js';

export const find = defineCommand({
  command: 'find [pattern] [files..]',
  describe: 'Search key paths, value names and data across many hives (text, JSON, or a CSV, JSON Lines or Parquet table)',
  builder: (command) =>
    positionals(command, 'find <pattern> <files..>', 'pattern', 'files')
      .positional('pattern', { describe: 'text to find (case-insensitive), or a regular expression with --regex', type: 'string' })
      .positional('files', { describe: 'hives, registry images or OEM streams', type: 'string', array: true })
      .option('key', { type: 'boolean', default: false, describe: 'search key paths (with none of --key, --name, --data: all three)' })
      .option('name', { type: 'boolean', default: false, describe: 'search value names' })
      .option('data', { type: 'boolean', default: false, describe: 'search value data: strings decoded, numbers in decimal and 0x hex, any data as hex digits; binary data (REG_BINARY, REG_NONE, other types whose bytes are not text) also read as UTF-16LE text from an even and an odd byte, and as Latin-1 text (one character per byte), up to 64 KiB per value; such a match is marked (as UTF-16LE text) or (as Latin-1 text)' })
      .option('type', { requiresArg: true, type: 'string', describe: 'only values of this type (REG_SZ, sz, dword, binary, multi_sz, or a number)' })
      .option('regex', { type: 'boolean', default: false, describe: 'PATTERN is a regular expression (case-insensitive; RE2 syntax, matched in linear time: no backreferences or lookaround; at most 1000 characters and 500 compiled instructions, x{100} counting 100)' })
      .option('recursive', RECURSIVE_OPTION)
      .option('json', jsonOption('print the matches as JSON (docs/json-schema.md); the same as -f json'))
      .option('format', { requiresArg: true, alias: 'f', choices: ['text', 'json', 'csv', 'jsonl', 'parquet'] as const, default: 'text' as const, describe: 'text lines; json (as --json); or a table, one row per match (file, key path, value name, type, data, hex, size, offset, source, deleted: docs/tables.md) as csv (RFC 4180), jsonl (JSON Lines) or parquet (binary: needs -o FILE or -o -)' })
      .option('output', outputOption('write the matches to this file (atomically; not written if a file cannot be searched to the end) instead of stdout'))
      .option('jobs', jobsOption('files to search at once, on worker threads (output still in file order)'))
      .option('deleted', { type: 'boolean', default: false, describe: 'also search deleted records recovered from free space (marked deleted)' })
      .option('rom', romOption("the ROM hive persistent hives link into: search the device's effective registry"))
      .option('force-rom', FORCE_ROM_OPTION)
      .example('$0 find --rom default.hv --name SystemHive system.hv', 'through the ROM: what the device reads')
      .example('$0 find -r --jobs 4 --data 192.168. fleet/', 'every value holding an address in 192.168.*')
      .example('$0 find --name --regex "^Dll$" default.hv', 'every value named Dll')
      .example('$0 find --data Pacific default.hv', 'also time zone names inside binary values (as UTF-16LE text)')
      .example('$0 find -r --jobs 4 --name ^Dll$ --regex -f csv -o dlls.csv fleet/', 'a table of every value named Dll in the fleet')
      .epilogue('Prints FILE: PATH\\VALUE = DATA (FILE: PATH for a key), in file order. Exit codes: 0 something matched, 1 nothing matched, 2 a file could not be read.'),
  options: (args, io): FindArguments => {
    if (args.json && args.format !== 'text' && args.format !== 'json') throw new UsageError(`--json and -f ${args.format} ask for two formats: give one`);
    const format = args.json ? 'json' : args.format;
    checkBinaryTableOutput(format, args.output, io.stdoutIsTTY);
    return {
    pattern: args.pattern as string,
    files: expandInputs(args.files as string[], args.recursive),
    keys: args.key,
    names: args.name,
    data: args.data,
    type: args.type,
    regex: args.regex,
    format,
    output: args.output,
    jobs: positiveInteger(args.jobs, '--jobs') ?? 1,
    deleted: args.deleted,
    // Opened here so that a bad ROM hive is one error line, before any file is searched.
    rom: args.rom === undefined ? undefined : (openRom(io, args.rom), args.rom),
    forceRom: args['force-rom'],
    };
  },
  run: async (options, io) => (await import('../run/find.js')).run(options, io),
});
