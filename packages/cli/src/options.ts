/** Options several commands share, defined once, and the checks of option values. */
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
