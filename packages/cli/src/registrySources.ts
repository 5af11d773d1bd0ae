import { hiveRole, openHive, readTree, walkTree, type Hive } from '@hivetool/hive';
import { FORMAT_DESCRIPTIONS, decodeOemStream, identifyFormat, openImage } from '@hivetool/image';
import { rootName, type HiveTree } from '@hivetool/registry';
import { UsageError, withFile } from './failures.js';
import { inputName, readInputFile } from './input.js';
import type { CommandIo } from './command.js';
import { checkedAgainstRom } from './rom.js';
import { checkWholeFile } from './damage.js';

/** A ROM hive named on the command line. */
export interface NamedRom {
  file: string;
  hive: Hive;
}

/**
 * The ROM hives persistent inputs are read through, by role (`--rom` or ROMDIR's
 * default.hv for system hives, `--user-rom` or ROMDIR's user.hv for user hives), and what
 * to do with a persistent input whose ROM is not given.
 */
export interface PackRoms {
  system?: NamedRom | undefined;
  user?: NamedRom | undefined;
  /** `--own-records-only`: pack what a persistent hive stores, without its ROM (with a warning). */
  ownRecordsOnly?: boolean | undefined;
  /** `--force-rom`: read a hive that fails the ROM check anyway. */
  forceRom?: boolean | undefined;
}

/**
 * A registry read from a hive (a persistent one through the ROM of its role), a registry image or
 * an OEM stream, recognised by its magic.
 */
export function readRegistry(io: CommandIo, file: string, roms: PackRoms): HiveTree {
  return withFile(file, () => readAnyRegistry(io, file, roms));
}

function readAnyRegistry(io: CommandIo, file: string, roms: PackRoms): HiveTree {
  const bytes = readInputFile(io, file);
  const format = identifyFormat(bytes);
  switch (format) {
    case 'hive':
      return readHiveForPack(io, file, openHive(bytes), roms);
    case 'image':
      return openImage(bytes).toTree();
    case 'oem-stream':
      return decodeOemStream(bytes).tree;
    default:
      throw new UsageError(`${inputName(file)}: this is ${FORMAT_DESCRIPTIONS[format]}; expected a hive, a registry image or an OEM stream`);
  }
}

/**
 * Several registries combined into one, root by root (a system hive's HKLM and HKCR with
 * a user hive's HKCU, as the RAM registry holds them together). A root found in two
 * inputs is refused rather than merged silently.
 */
export function combineRegistries(io: CommandIo, files: string[], roms: PackRoms): HiveTree {
  const combined: HiveTree = { roots: {} };
  const owner = new Map<number, string>();
  for (const file of files) {
    const tree = readRegistry(io, file, roms);
    for (const [key, keys] of Object.entries(tree.roots)) {
      const index = Number(key);
      if (keys === undefined || keys.length === 0) continue;
      const previous = owner.get(index);
      if (previous !== undefined) throw new UsageError(`${rootName(index)} is in both ${previous} and ${file}: give each root once`);
      owner.set(index, file);
      combined.roots[index] = keys;
    }
  }
  return combined;
}

/**
 * A hive to pack: a persistent one is read through the ROM of its role, checked by the
 * one ROM check; one that links into a ROM not given is refused (exit 2), or with
 * `--own-records-only` packed as stored, with a warning saying what is left out.
 */
function readHiveForPack(io: CommandIo, file: string, hive: Hive, roms: PackRoms): HiveTree {
  // A new file is made from it: any whole-file damage stops (damage.ts).
  checkWholeFile(hive, file, 'copy');
  if (hive.kind !== 'persistent') return readTree(hive);
  const role = hiveRole(hive.rootRefs());
  const rom = role === 'user' ? roms.user : roms.system;
  if (rom === undefined) {
    let links = 0;
    let keys = 0;
    let values = 0;
    walkTree(hive, { key: () => void keys++, value: () => void values++, unresolved: () => void links++ }, { paths: false });
    // Nothing in the ROM: nothing to lose.
    if (links === 0) return readTree(hive);
    const which = role === 'user' ? 'the ROM user.hv (--user-rom, or --rom-dir)' : 'the ROM default.hv (--rom, or --rom-dir)';
    if (roms.ownRecordsOnly !== true) {
      throw new UsageError(
        `${inputName(file)}: a persistent ${role === 'user' ? 'user' : 'system'} hive stores only its changes (${keys} key(s), ${values} value(s)); the rest of its registry is in the ROM hive it links into (${links} link(s)), which was not given [ROM_REQUIRED]; give ${which}, or --own-records-only to pack only what the file stores`,
        true,
      );
    }
    io.report.note(`warning: ${inputName(file)}: --own-records-only: packing only the ${keys} key(s) and ${values} value(s) the file stores; the ${links} link(s) into the ROM hive, and the registry behind them, are left out`);
    return readTree(hive);
  }
  const opened = openHive(hive.file, { kind: 'persistent', rom: rom.hive, limits: hive.limits, recovery: hive.recovery });
  return readTree(checkedAgainstRom(io.report, file, opened, rom.file, roms.forceRom === true, 'its records from the ROM are packed unverified (the output cannot mark them)').hive);
}
