import { padCutHive } from '@hivetool/forensics';
import { openHive, type Hive, type OpenHiveOptions } from '@hivetool/hive';
import { inputName, readHiveFile } from '../input.js';
import type { CommandIo } from '../command.js';

/**
 * Opens a hive file as `openHiveFile` does; a hive cut short (as `carve` writes one found
 * at the end of an image) is opened over its bytes padded with zeros, with a warning, so
 * that it is dumped as far as it goes.
 */
export function openHiveFileOrCut(io: CommandIo, path: string, options: OpenHiveOptions): Hive {
  const bytes = readHiveFile(io, path);
  const padded = padCutHive(bytes);
  if (padded === undefined) return openHive(bytes, options);
  io.report.note(`warning: ${inputName(path)}: the file ends after ${bytes.length} of the ${padded.length} bytes its header gives (a hive cut short); the missing bytes read as zeros, and the dump stops where they are needed`);
  return openHive(padded, options);
}
