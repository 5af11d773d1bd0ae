import { padCutHive } from '@hivetool/forensics';
import { openHive, type Hive, type OpenHiveOptions } from '@hivetool/hive';
import { FORMAT_DESCRIPTIONS, identifyFormat } from '@hivetool/image/identify';
import { inputName, readInputFile } from '../input.js';
import { UsageError } from '../failures.js';
import type { Reporter } from '../report.js';

/**
 * Opens a hive file as `openHiveFile` does; a hive cut short (as `carve` writes one found
 * at the end of an image) is opened over its bytes padded with zeros, with a warning, so
 * that it is dumped as far as it goes.
 */
export function openHiveFileOrCut(path: string, options: OpenHiveOptions, report: Reporter): Hive {
  const bytes = readInputFile(path);
  const format = identifyFormat(bytes);
  if (format !== 'hive' && format !== 'unknown') throw new UsageError(`${inputName(path)}: not a hive file: this is ${FORMAT_DESCRIPTIONS[format]}`);
  const padded = padCutHive(bytes);
  if (padded === undefined) return openHive(bytes, options);
  report.note(`warning: ${inputName(path)}: the file ends after ${bytes.length} of the ${padded.length} bytes its header gives (a hive cut short); the missing bytes read as zeros, and the dump stops where they are needed`);
  return openHive(padded, options);
}
