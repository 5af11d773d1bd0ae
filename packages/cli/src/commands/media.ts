/** `hivetool media`: partitions, FAT/TFAT volumes and the hive files on them, layer by layer. */
import { defineCommand } from '../command.js';
import { positionals } from '../arguments.js';
import { UsageError } from '../failures.js';
import { NAND_OPTIONS, jsonOption, outputOption, positiveInteger } from '../options.js';
import type { MediaArguments } from '../run/media.js';

const FAL_ONLY = ['page-size', 'spare-size', 'pages-per-block', 'spare-layout', 'export-logical'] as const;

export const media = defineCommand({
  command: 'media [image]',
  describe: 'List the partitions, FAT/TFAT volumes and hive files of a disk, SD-card or flash image, layer by layer',
  builder: (command) =>
    positionals(command, 'media <image>', 'image')
      .positional('image', { describe: 'raw disk, SD-card or flash image, or with --fal a raw NAND dump (pages with their spare areas), any size; read, never changed', type: 'string' })
      .option('output', outputOption('folder to write every hive found into (created when missing), each named from its path in the image'))
      .option('json', jsonOption('print the report as JSON (docs/schemas/media.schema.json)'))
      .option('rom-scan', { type: 'boolean', default: true, describe: 'scan the whole image for ROM hives by signature, to pair each persistent hive with the ROM hive it links into (--no-rom-scan skips the scan)' })
      .option('fal', NAND_OPTIONS.fal)
      .option('page-size', { ...NAND_OPTIONS['page-size'], describe: `with --fal: ${NAND_OPTIONS['page-size'].describe}` })
      .option('spare-size', { ...NAND_OPTIONS['spare-size'], describe: `with --fal: ${NAND_OPTIONS['spare-size'].describe}` })
      .option('pages-per-block', NAND_OPTIONS['pages-per-block'])
      .option('spare-layout', NAND_OPTIONS['spare-layout'])
      .option('export-logical', { requiresArg: true, type: 'string', describe: 'with --fal: write the rebuilt logical sector space to this file (unmapped sectors as zeros), for other tools; never an input' })
      .example('$0 media sdcard.img', 'partitions, volumes and hive files, fragmented and deleted ones included')
      .example('$0 media disk.img -o found/', 'also write each hive found, and the ROM hives to read them with')
      .example('$0 media --fal --page-size 2048 --spare-size 64 nand.bin -o found/', 'a raw NAND dump: the FAL layer rebuilt (layout detected), then its volumes and hives')
      .example('$0 media --fal --page-size 512 --spare-size 16 --spare-layout ms16 nand.bin --export-logical logical.img', 'the logical sector space written for other tools')
      .epilogue(
        "Hive files are found by name (*.hv) and by content (a hive header), read through their cluster chains (fragments joined); deleted entries are read from their first cluster as if contiguous and reported recovered only where the hive verifies, partial otherwise. On TFAT, an open transaction is reported and both FAT0 (last known good) and FAT1 (active) are read. With --fal, a page is mapped by the logical sector in its spare area when its status says the write completed and it is not dirty; two such copies of a sector: the later physical page wins, as the FAL does, and the pair is reported; writes that never completed are reported, not mapped; bad and reserved blocks are skipped, read-only blocks mapped from page 0; stale copies are counted. Data is read as stored: no ECC correction. The flash MDD/PDD model of CE 6 R2 and later is not read (its metadata is unpublished). Exit codes: 0 read without findings, 1 findings (damage in a layer, a live hive not whole), 2 could not run.",
      ),
  options: (args): MediaArguments => {
    const fal = args.fal as boolean;
    if (!fal) {
      const given = FAL_ONLY.filter((name) => args[name] !== undefined);
      if (given.length > 0) throw new UsageError(`--${given[0]} describes a NAND dump and is read only with --fal (e.g. media --fal --page-size 2048 --spare-size 64 IMAGE)`);
    }
    let falArguments: MediaArguments['fal'];
    if (fal) {
      const pageSize = positiveInteger(args['page-size'] as number | undefined, '--page-size');
      const spareSize = positiveInteger(args['spare-size'] as number | undefined, '--spare-size');
      if (pageSize === undefined || spareSize === undefined) throw new UsageError('--fal needs the NAND geometry: --page-size and --spare-size (e.g. 512 and 16 for a small-page chip, 2048 and 64 for a large-page one; see the chip\'s datasheet or the dump\'s size)');
      falArguments = { pageSize, spareSize, pagesPerBlock: positiveInteger(args['pages-per-block'] as number | undefined, '--pages-per-block'), layout: (args['spare-layout'] as string | undefined) ?? 'auto' };
    }
    return { image: args.image as string, outDir: args.output, json: args.json, romScan: args['rom-scan'], fal: falArguments, exportLogical: args['export-logical'] as string | undefined };
  },
  run: async (options, io) => (await import('../run/media.js')).run(options, io),
});
