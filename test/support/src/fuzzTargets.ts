/**
 * The decoders hivetool exposes to untrusted bytes, each run the way the commands run it,
 * and the rule every one of them must keep: only the project's typed errors escape.
 * Shared by the fuzzer (`npm run fuzz`) and the regression test over test/regressions/.
 */
import { hiveStatistics, isHiveFormatError, openHive, readTree, rewriteHive, verifyHive, walkTree } from '@hivetool/hive';
import { walkHeap } from '@hivetool/hive/layout';
import { decodeCallLog, decodeOemStream, isImageFormatError, loadStore, openImage, reassembleOemCalls } from '@hivetool/image';
import { RegParseError, parseReg } from '@hivetool/registry';
import { bytesSource, examineMedia, openFal } from '@hivetool/media';

export type FuzzTargetName = 'hive' | 'verify' | 'reg' | 'image' | 'stream' | 'calls' | 'store' | 'media' | 'fal';

export const FUZZ_TARGETS: FuzzTargetName[] = ['hive', 'verify', 'reg', 'image', 'stream', 'calls', 'store', 'media', 'fal'];

/** Errors a decoder may throw for bad input: the project's own, never anything else. */
export function isExpectedError(error: unknown): boolean {
  return isHiveFormatError(error) || isImageFormatError(error) || error instanceof RegParseError;
}

/** Runs one target on `bytes`; returns normally or throws what the decoder threw. */
export function runTarget(target: FuzzTargetName, bytes: Uint8Array): void {
  switch (target) {
    case 'hive': {
      const hive = openHive(bytes);
      walkHeap(hive.bytes, hive.view, () => undefined);
      for (const root of hive.roots()) walkTree(root, root.name, { value: (value) => void value.data });
      hiveStatistics(hive);
      readTree(hive);
      rewriteHive(hive);
      hive.key('HKLM\\init\\BootVars');
      return;
    }
    case 'verify': {
      // verifyHive reports and never throws: any exception, or an internal finding, is a bug.
      const report = verifyHive(bytes);
      if (report.findings.some((finding) => finding.code === 'VERIFY_INTERNAL')) throw new Error('verifyHive reported VERIFY_INTERNAL');
      return;
    }
    case 'reg':
      parseReg(new TextDecoder().decode(bytes), 'fuzz.reg');
      return;
    case 'image':
      openImage(bytes).toTree();
      return;
    case 'stream':
      decodeOemStream(bytes);
      return;
    case 'calls':
      reassembleOemCalls(decodeCallLog(bytes));
      return;
    case 'store':
      loadStore(bytes);
      return;
    case 'fal':
      runFal(bytes);
      return;
    case 'media': {
      // Partitions, FAT volumes, folders and files of a disk image: damage is a finding,
      // never an exception, and no file is read past the size its entry gives.
      const report = examineMedia(bytesSource(bytes));
      for (const volume of report.volumes) for (const hive of volume.hives) if (hive.bytes.length > hive.size) throw new Error(`media: ${hive.path} read as ${hive.bytes.length} bytes, more than its size ${hive.size}`);
      return;
    }
  }
}

/** The NAND geometries the `fal` target reads every input with (small and large page). */
const FAL_GEOMETRIES = [
  { pageSize: 512, spareSize: 16, pagesPerBlock: 32 },
  { pageSize: 2048, spareSize: 64, pagesPerBlock: 64 },
];

function runFal(bytes: Uint8Array): void {
  // A NAND dump behind the FAL, layout detected: damage is a finding, never an exception;
  // the logical space never claims more sectors than the chip has pages.
  for (const geometry of FAL_GEOMETRIES) {
    const fal = openFal(bytesSource(bytes), geometry);
    const pages = Math.floor(bytes.length / (geometry.pageSize + geometry.spareSize));
    if (fal.logical.size > pages * geometry.pageSize) throw new Error(`fal: a logical space of ${fal.logical.size} bytes from ${pages} pages`);
    let stale = 0;
    for (const copy of fal.stale) if (copy.physicalPage >= pages || stale++ > pages) throw new Error(`fal: stale copy at page ${copy.physicalPage} of ${pages}`);
    examineMedia(fal.logical, { scanForRomHives: false });
  }
}

/** Runs a target and says whether it kept the rule; `verify`, `media` and `fal` may not throw at all. */
export function checkTarget(target: FuzzTargetName, bytes: Uint8Array): { ok: true } | { ok: false; error: unknown } {
  try {
    runTarget(target, bytes);
    return { ok: true };
  } catch (error) {
    if (target !== 'verify' && target !== 'media' && target !== 'fal' && isExpectedError(error)) return { ok: true };
    return { ok: false, error };
  }
}
