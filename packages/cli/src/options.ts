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
