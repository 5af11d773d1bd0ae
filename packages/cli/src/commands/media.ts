/** `hivetool media`: partitions, FAT/TFAT volumes and the hive files on them, layer by layer. */
import { defineCommand } from '../command.js';
import { positionals } from '../arguments.js';
import { jsonOption, outputOption } from '../options.js';
import type { MediaArguments } from '../run/media.js';

export const media = defineCommand({
  command: 'media [image]',
  describe: 'List the partitions, FAT/TFAT volumes and hive files of a disk, SD-card or flash image, layer by layer',
  builder: (command) =>
    positionals(command, 'media <image>', 'image')
      .positional('image', { describe: 'raw disk, SD-card or flash image (no spare areas), any size; read, never changed', type: 'string' })
      .option('output', outputOption('folder to write every hive found into (created when missing), each named from its path in the image'))
      .option('json', jsonOption('print the report as JSON (docs/schemas/media.schema.json)'))
      .option('rom-scan', { type: 'boolean', default: true, describe: 'scan the whole image for ROM hives by signature, to pair each persistent hive with the ROM hive it links into (--no-rom-scan skips the scan)' })
      .example('$0 media sdcard.img', 'partitions, volumes and hive files, fragmented and deleted ones included')
      .example('$0 media disk.img -o found/', 'also write each hive found, and the ROM hives to read them with')
      .epilogue(
        'Hive files are found by name (*.hv) and by content (a hive header), read through their cluster chains (fragments joined); deleted entries are read from their first cluster as if contiguous and reported recovered only where the hive verifies, partial otherwise. On TFAT, an open transaction is reported and both FAT0 (last known good) and FAT1 (active) are read. Raw NAND dumps behind the flash translation layer are not read yet. Exit codes: 0 read without findings, 1 findings (damage in a layer, a live hive not whole), 2 could not run.',
      ),
  options: (args): MediaArguments => ({ image: args.image as string, outDir: args.output, json: args.json, romScan: args['rom-scan'] }),
  run: async (options, io) => (await import('../run/media.js')).run(options, io),
});
