/** Options several commands share, defined once, and the checks of option values. */
import { SPARE_LAYOUT_NAMES, parseSpareLayout } from '@hivetool/media';
import { UsageError } from './failures.js';

export const KIND_OPTION = { requiresArg: true, choices: ['auto', 'rom', 'persistent'], default: 'auto', describe: 'how to read references: auto decides from the roots record' } as const;
export const MAX_DEPTH_OPTION = { requiresArg: true, type: 'number', describe: 'deepest key nesting to follow (default 512, the Windows limit)' } as const;
export const RECURSIVE_OPTION = { alias: 'r', type: 'boolean', default: false, describe: 'a directory stands for the hive files under it' } as const;

export const CONTENT_ONLY_OPTION = { type: 'boolean', default: false, describe: 'JSON without storage details (file, ids, offsets, sources, signature), to compare registries' } as const;

/** --content-only shapes JSON only: with .reg text or raw records it would be ignored. */
export function contentOnlyWithJson(args: Record<string, unknown>): true {
  if (args['content-only'] === true && args['format'] !== 'json') throw new UsageError(`--content-only applies to --format json, not ${String(args['format'])}`);
  return true;
}

/** --region-size and --regions of the `oem preg` commands. */
export function pregLayout(args: { 'region-size'?: number | undefined; regions?: number | undefined }): { regionSize?: number; regions?: number } {
  const regionSize = positiveInteger(args['region-size'], '--region-size');
  const regions = positiveInteger(args.regions, '--regions');
  if (regions !== undefined && regionSize === undefined) throw new UsageError('--regions needs --region-size');
  return { ...(regionSize === undefined ? {} : { regionSize }), ...(regions === undefined ? {} : { regions }) };
}

/** A whole number ≥ 1 from an option, or undefined when the option was not given. */
export function positiveInteger(value: number | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`${option} takes a whole number of at least 1`);
  return value;
}

/** `-o FILE`: where a command writes, when it may also print to standard output. */
export function outputOption(describe: string) {
  return { requiresArg: true, alias: 'o', type: 'string', describe } as const;
}

/** `-o FILE` of a command that always writes a file. */
export function requiredOutputOption(describe: string) {
  return { requiresArg: true, alias: 'o', type: 'string', demandOption: true, describe } as const;
}

/** `--json`. */
export function jsonOption(describe: string) {
  return { type: 'boolean', default: false, describe } as const;
}

/** `-j N`: files handled at once, on worker threads. */
export function jobsOption(describe: string) {
  return { requiresArg: true, alias: 'j', type: 'number', default: 1, describe } as const;
}

/** `--rom ROM.hv`: the ROM hive persistent hives link into. */
export function romOption(describe: string) {
  return { requiresArg: true, type: 'string', describe } as const;
}

/** `--as-stored`: a hive with a cut flush read as stored, not as mounted. */
export function asStoredOption(what: string) {
  return { type: 'boolean', default: false, describe: `a hive with a cut flush (restoreFlags 2): ${what} the bytes as stored, not the hive as Windows CE mounts it` } as const;
}

/**
 * The NAND geometry and the flash translation layer, as `carve` and `media` take them
 * (one definition for both): `--fal` rebuilds the FAL's logical sector space from a raw
 * NAND dump (flash guide §2–§4), whose pages `--page-size` and `--spare-size` describe.
 */
export const NAND_OPTIONS = {
  fal: { type: 'boolean', default: false, describe: "the image is a raw NAND dump behind Windows CE's Flash Abstraction Layer: rebuild its logical sector space from the pages' spare areas (needs --page-size and --spare-size), then read partitions, volumes and hive files from it (carve: also each hive's earlier versions from stale pages)" },
  'page-size': { requiresArg: true, type: 'number', describe: 'NAND data bytes per page (with --fal a FAL sector), e.g. 512 (small page) or 2048 (large page)' },
  'spare-size': { requiresArg: true, type: 'number', describe: 'spare (out-of-band) bytes after each page, e.g. 16 for 512+16 or 64 for 2048+64' },
  'pages-per-block': { requiresArg: true, type: 'number', describe: 'with --fal: pages per erase block (default 32 for 512-byte pages, 64 for larger ones)' },
  'spare-layout': {
    requiresArg: true,
    type: 'string',
    describe: "with --fal: where the FMD keeps SectorInfo in the spare area: auto (default: detected from the data, with its evidence), ms16 (Microsoft's 16-byte small-page layout), samsung-sb (S3C6410 small page), samsung-lb (S3C6410 2 KiB page, 64-byte spare), ti-bch8 (TI OMAP, BCH8, 64-byte spare), or offsets sector=N,status=N,oem=N,bad=N[+N]",
  },
} as const;

/** What `--fal` and its options ask for, checked. */
export interface FalArguments {
  pageSize: number;
  spareSize: number;
  pagesPerBlock: number | undefined;
  /** A preset's name, `auto`, or the text of explicit offsets (parsed by the media codec). */
  layout: string;
}

/** `--fal` with its geometry, or undefined without `--fal` (its options refused then). */
export function falArguments(args: { fal?: boolean | undefined; 'page-size'?: number | undefined; 'spare-size'?: number | undefined; 'pages-per-block'?: number | undefined; 'spare-layout'?: string | undefined }): FalArguments | undefined {
  if (args.fal !== true) {
    if (args['pages-per-block'] !== undefined || args['spare-layout'] !== undefined) throw new UsageError('--pages-per-block and --spare-layout describe a NAND dump read through the flash translation layer: add --fal (with --page-size and --spare-size)');
    return undefined;
  }
  const pageSize = positiveInteger(args['page-size'], '--page-size');
  const spareSize = positiveInteger(args['spare-size'], '--spare-size');
  if (pageSize === undefined || spareSize === undefined) throw new UsageError('--fal needs the NAND geometry: --page-size and --spare-size (e.g. --page-size 2048 --spare-size 64)');
  const layout = args['spare-layout'] ?? 'auto';
  const parsed = layout === 'auto' ? undefined : parseSpareLayout(layout);
  if (typeof parsed === 'string') throw new UsageError(`--spare-layout ${JSON.stringify(layout)}: ${parsed}; or name a preset: auto, ${SPARE_LAYOUT_NAMES.join(', ')}`);
  return { pageSize, spareSize, pagesPerBlock: positiveInteger(args['pages-per-block'], '--pages-per-block'), layout };
}
