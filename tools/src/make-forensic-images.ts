/**
 * Writes raw test images for the forensic commands, built from the corpus hives
 * (`HIVETOOL_CORPUS` or ../shared/corpus/ce6-mediaroom), with a manifest of what was put
 * where. Deterministic: the same seed gives the same bytes.
 *
 *   node tools/dist/make-forensic-images.js OUTDIR [--seed N]
 *
 * OUTDIR/flash.bin   the corpus hives (and a persistent one) at random 4-aligned offsets
 *                    in random bytes, an object store header before them, the last hive
 *                    cut by the end of the image
 * OUTDIR/nand.bin    the same hives, whole, in a raw NAND layout: 2048 data + 64 spare bytes a page
 * OUTDIR/ram.bin     a 4 MiB RAM capture starting at physical 0x80000000, default.hv at
 *                    the start of the region 0x80140000:0x80000
 * OUTDIR/deleted.hv  boot.hv with HKLM\Drivers\BuiltIn\PCI\Template deleted (the subtree)
 *                    and HKLM\nls DefaultLCID deleted, as a device deletes them
 * OUTDIR/manifest.json  offsets, lengths and SHA-256 of every hive placed, the RAM region, the deleted records
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeHive, openHive, readTree } from '@hivetool/hive';
import { CORPUS_DIR, DeviceHeap, addSpareAreas, buildImage, corpusAvailable, corpusBytes, ramCapture } from '@hivetool/test-support';

const args = process.argv.slice(2);
const outDir = args.find((arg) => !arg.startsWith('--'));
const seedAt = args.indexOf('--seed');
const seed = seedAt >= 0 ? Number(args[seedAt + 1]) : 15;
if (outDir === undefined || !Number.isInteger(seed)) {
  process.stderr.write('usage: node tools/dist/make-forensic-images.js OUTDIR [--seed N]\n');
  process.exit(2);
}
if (!corpusAvailable) {
  process.stderr.write(`make-forensic-images: the corpus hives are not at ${CORPUS_DIR} (set HIVETOOL_CORPUS)\n`);
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const hives = [
  { name: 'user.hv', bytes: corpusBytes('user.hv') },
  { name: 'persistent-user.hv', bytes: encodeHive(readTree(openHive(corpusBytes('user.hv'))), { layout: 'persistent' }) },
  { name: 'boot.hv', bytes: corpusBytes('boot.hv') },
  { name: 'default.hv', bytes: corpusBytes('default.hv') },
];
const flash = buildImage({ seed, hives, layout: 'scattered', fill: 'random', objectStore: true, truncateLast: true });
writeFileSync(join(outDir, 'flash.bin'), flash.bytes);
const whole = buildImage({ seed: seed + 1, hives, layout: 'scattered', fill: 'random', maxGap: 64 * 1024 });
writeFileSync(join(outDir, 'nand.bin'), addSpareAreas(whole.bytes, 2048, 64, seed));
const ram = ramCapture(corpusBytes('default.hv'), { seed: seed + 2, size: 4 * 1024 * 1024, base: 0x80000000, regionStart: 0x80140000, regionLength: 0x80000 });
writeFileSync(join(outDir, 'ram.bin'), ram.bytes);
const device = new DeviceHeap(corpusBytes('boot.hv'));
device.deleteKey('HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\PCI\\Template');
device.deleteValue('HKEY_LOCAL_MACHINE\\nls', 'DefaultLCID');
writeFileSync(join(outDir, 'deleted.hv'), device.bytes);
const manifest = {
  seed,
  'flash.bin': { hives: flash.hives, objectStores: flash.objectStores },
  'nand.bin': { pageSize: 2048, spareSize: 64, hives: whole.hives },
  'ram.bin': { region: ram.region, offset: ram.offset },
  'deleted.hv': device.deleted.map(({ kind, id, name, parentPath, type }) => ({ kind, id, name, parentPath, type })),
};
writeFileSync(join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
process.stdout.write(`wrote flash.bin, nand.bin, ram.bin, deleted.hv and manifest.json to ${outDir}\n`);
