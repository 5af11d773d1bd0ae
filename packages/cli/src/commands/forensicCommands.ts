/**
 * The command-line definitions of `carve` and `find` (options, help, examples). Light: the
 * commands' code is imported only when one of them runs.
 */
import type { Argv, CommandModule } from 'yargs';
import { expandInputs } from '../batch.js';
import { positionals } from '../arguments.js';
import type { Reporter } from '../report.js';
import { positiveInteger } from '../options.js';

function carveOptions(command: Argv) {
  return positionals(command, 'carve <images..>', 'images')
    .positional('images', { describe: 'raw images (NAND/NOR dumps, RAM captures, disk images, nk.bin), any size', type: 'string', array: true })
    .option('output', { requiresArg: true, alias: 'o', type: 'string', demandOption: true, describe: 'directory for the hives found, written as <image>@0x<offset>.hv' })
    .option('json', { type: 'boolean', default: false, describe: 'print the report as JSON (docs/json-schema.md)' })
    .option('keep-damaged', { type: 'boolean', default: false, describe: 'also write candidates that fail validation, as <image>@0x<offset>.damaged.hv' })
    .option('page-size', { requiresArg: true, type: 'number', describe: 'NAND data bytes per page: strip the spare area after each page before scanning (with --spare-size)' })
    .option('spare-size', { requiresArg: true, type: 'number', describe: 'NAND spare (out-of-band) bytes per page, e.g. 64 for 2048+64' })
    .option('ram-region', { requiresArg: true, type: 'string', describe: 'START:LENGTH[@BASE]: scan only the HiveRAMInfo region at physical START of a capture starting at physical BASE' })
    .example('$0 carve flash.bin -o found/', 'every hive in a flash dump')
    .example('$0 carve --page-size 2048 --spare-size 64 nand.bin -o found/', 'a raw NAND dump with spare areas')
    .example('$0 carve --ram-region 0x80100000:0x40000@0x80000000 ram.bin -o found/', 'the hive region of a RAM capture')
    .epilogue('Exit codes: 0 every candidate was a whole hive (or none was found), 1 some were damaged or truncated, 2 could not run.');
}

/** `hivetool carve IMAGE... -o OUTDIR`; `done` receives the exit code. */
export function carveCommand(report: Reporter, done: (code: number) => void): CommandModule<object, ReturnType<typeof carveOptions> extends Argv<infer T> ? T : never> {
  return {
    command: 'carve [images..]',
    describe: 'Find hives in raw flash, RAM and disk images and write each one out',
    builder: carveOptions,
    handler: async (args) => {
      const { runCarve } = await import('./carve.js');
      done(
        await runCarve(
          { images: args.images as string[], outDir: args.output, json: args.json, keepDamaged: args['keep-damaged'], pageSize: positiveInteger(args['page-size'], '--page-size'), spareSize: args['spare-size'], ramRegion: args['ram-region'] },
          report,
        ),
      );
    },
  };
}

function findOptions(command: Argv) {
  return positionals(command, 'find <pattern> <files..>', 'pattern', 'files')
    .positional('pattern', { describe: 'text to find (case-insensitive), or a regular expression with --regex', type: 'string' })
    .positional('files', { describe: 'hives, registry images or OEM streams', type: 'string', array: true })
    .option('key', { type: 'boolean', default: false, describe: 'search key paths (with none of --key, --name, --data: all three)' })
    .option('name', { type: 'boolean', default: false, describe: 'search value names' })
    .option('data', { type: 'boolean', default: false, describe: 'search value data: strings decoded, numbers in decimal and 0x hex, any data as hex digits' })
    .option('type', { requiresArg: true, type: 'string', describe: 'only values of this type (REG_SZ, sz, dword, binary, multi_sz, or a number)' })
    .option('regex', { type: 'boolean', default: false, describe: 'PATTERN is a regular expression (case-insensitive; RE2 syntax, matched in linear time: no backreferences or lookaround)' })
    .option('recursive', { alias: 'r', type: 'boolean', default: false, describe: 'a directory stands for the hive files under it' })
    .option('json', { type: 'boolean', default: false, describe: 'print the matches as JSON (docs/json-schema.md)' })
    .option('jobs', { requiresArg: true, alias: 'j', type: 'number', default: 1, describe: 'files to search at once, on worker threads (output still in file order)' })
    .option('deleted', { type: 'boolean', default: false, describe: 'also search deleted records recovered from free space (marked deleted)' })
    .example('$0 find -r --jobs 4 --data 192.168. fleet/', 'every value holding an address in 192.168.*')
    .example('$0 find --name --regex "^Dll$" default.hv', 'every value named Dll')
    .epilogue('Prints FILE: PATH\\VALUE = DATA (FILE: PATH for a key), in file order. Exit codes: 0 something matched, 1 nothing matched, 2 a file could not be read.');
}

/** `hivetool find PATTERN FILE...`; `done` receives the exit code. */
export function findCommand(report: Reporter, done: (code: number) => void): CommandModule<object, ReturnType<typeof findOptions> extends Argv<infer T> ? T : never> {
  return {
    command: 'find [pattern] [files..]',
    describe: 'Search key paths, value names and data across many hives',
    builder: findOptions,
    handler: async (args) => {
      const { runFind } = await import('./find.js');
      done(
        await runFind(
          {
            pattern: args.pattern as string,
            files: expandInputs(args.files as string[], args.recursive),
            keys: args.key,
            names: args.name,
            data: args.data,
            type: args.type,
            regex: args.regex,
            json: args.json,
            jobs: positiveInteger(args.jobs, '--jobs') ?? 1,
            deleted: args.deleted,
          },
          report,
        ),
      );
    },
  };
}
