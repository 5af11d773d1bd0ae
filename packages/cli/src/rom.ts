/** The one way hivetool opens the ROM hive named by --rom, on any thread. */
import { walkTree, type Hive } from '@hivetool/hive';
import { UsageError, describeFailure } from './failures.js';
import { openHiveFile } from './input.js';
import { checkWholeFile } from './damage.js';
import type { CliIo } from './io.js';

/**
 * Opens the hive named by --rom, which must be a ROM hive. `walk`: read it whole now (on
 * the thread that parses the options; worker threads that open it again, and verify,
 * which reports a damaged ROM hive as findings, do not).
 */
export function openRom(io: CliIo, path: string, walk = true): Hive {
  try {
    const rom = openHiveFile(io, path, { source: 'rom' });
    if (rom.kind !== 'rom') throw new UsageError(`${path}: this is a persistent hive (its roots carry store nibble 0); --rom takes the ROM hive (default.hv or the ROM user.hv)`, true);
    // Walked whole now, so that damage in the ROM hive is reported against it, with
    // offsets in it, rather than surfacing later while reading the hive that links into it.
    // (Not for verify, which reports damage in the ROM hive as findings.)
    // The whole-file checks too: a ROM hive others are read through must be sound (damage.ts).
    if (walk) {
      checkWholeFile(rom, path, 'copy');
      walkTree(rom, { key: () => undefined, value: () => undefined, unresolved: () => undefined });
    }
    return rom;
  } catch (error) {
    if (error instanceof UsageError && error.named) throw error;
    const line = describeFailure(error, path);
    if (line === undefined) throw error;
    throw new UsageError(`${line.startsWith(`${path}: `) ? line : `${path}: ${line}`}; this is the --rom hive`, true);
  }
}
