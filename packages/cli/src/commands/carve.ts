/** `hivetool carve`: hives found in raw flash, RAM and disk images. */
import { defineCommand } from '../command.js';
import { positionals } from '../arguments.js';
import { NAND_OPTIONS, falArguments, jsonOption, positiveInteger, requiredOutputOption } from '../options.js';
import type { CarveArguments } from '../run/carve.js';

/** `--max-candidates` when not given: far more than any real image holds, few enough to read. */
export const DEFAULT_MAX_CANDIDATES = 4096;

export const carve = defineCommand({
  command: 'carve [images..]',
  describe: 'Find hives in raw flash, RAM and disk images (as files of their FAT volumes, and by signature) and write each one out',
  builder: (command) =>
    positionals(command, 'carve <images..>', 'images')
      .positional('images', { describe: 'raw images (NAND/NOR dumps, RAM captures, disk images, nk.bin), any size', type: 'string', array: true })
      .option('output', requiredOutputOption('directory for the hives found, written as <image>@0x<offset>.hv'))
      .option('json', jsonOption('print the report as JSON (docs/json-schema.md)'))
      .option('keep-damaged', { type: 'boolean', default: false, describe: 'also write candidates that fail validation, as <image>@0x<offset>.damaged.hv (a header no hive can have, cut by the end of the image, is one of them)' })
      .option('max-candidates', { requiresArg: true, type: 'number', default: DEFAULT_MAX_CANDIDATES, describe: 'report and write at most N candidates per image; the rest are still examined, and counted by status in a closing line (and in the JSON)' })
      .option('fal', NAND_OPTIONS.fal)
      .option('page-size', { ...NAND_OPTIONS['page-size'], describe: `${NAND_OPTIONS['page-size'].describe}; without --fal, the spare area after each page (--spare-size) is stripped before the scan` })
      .option('spare-size', NAND_OPTIONS['spare-size'])
      .option('pages-per-block', NAND_OPTIONS['pages-per-block'])
      .option('spare-layout', NAND_OPTIONS['spare-layout'])
      .option('layers', { type: 'boolean', default: true, describe: 'read the storage layers first (MBR partitions, FAT12/16/32 and TFAT volumes, their files): a hive that is a file is read through its cluster chain, so a fragmented one comes back whole, and is reported once, as the file (IMAGE@v<volume>-<path>.hv); the signature scan still covers the whole image. --no-layers carves by signature only' })
      .option('ram-region', { requiresArg: true, type: 'string', describe: 'START:LENGTH[@BASE]: scan only the HiveRAMInfo region at physical START of a capture starting at physical BASE' })
      .example('$0 carve flash.bin -o found/', 'every hive in a flash dump')
      .example('$0 carve sdcard.img -o found/', 'hive files of the card\'s FAT volumes (fragmented and deleted ones too), then hives by signature elsewhere')
      .example('$0 carve --no-layers sdcard.img -o found/', 'signature carving only, as before the layers')
      .example('$0 carve --page-size 2048 --spare-size 64 nand.bin -o found/', 'a raw NAND dump with spare areas')
      .example('$0 carve --fal --page-size 2048 --spare-size 64 nand.bin -o found/', 'a NAND dump behind the flash translation layer: hive files whole, and their older versions from stale pages')
      .example('$0 carve --ram-region 0x80100000:0x40000@0x80000000 ram.bin -o found/', 'the hive region of a RAM capture')
      .epilogue('Exit codes: 0 every candidate was a whole hive (or none was found), 1 some were damaged or truncated, 2 could not run.'),
  options: (args): CarveArguments => ({
    images: args.images as string[],
    outDir: args.output,
    json: args.json,
    keepDamaged: args['keep-damaged'],
    pageSize: positiveInteger(args['page-size'], '--page-size'),
    spareSize: args['spare-size'],
    ramRegion: args['ram-region'],
    maxCandidates: positiveInteger(args['max-candidates'], '--max-candidates') ?? DEFAULT_MAX_CANDIDATES,
    layers: args.layers,
    fal: falArguments(args),
  }),
  run: async (options, io) => (await import('../run/carve.js')).run(options, io),
});
