import { openHive, readTree, type Hive } from '@hivetool/hive';
import { FORMAT_DESCRIPTIONS, decodeOemStream, identifyFormat, openImage } from '@hivetool/image';
import { rootName, type HiveTree } from '@hivetool/registry';
import { UsageError, withFile } from './failures.js';
import { inputName, readInputFile } from './input.js';
import { checkWholeFile } from './damage.js';
import type { CliIo } from './io.js';

/**
 * A registry read from a hive (through its ROM when `rom` is given), a registry image or
 * an OEM stream, recognised by its magic.
 */
export function readRegistry(io: CliIo, file: string, rom: Hive | undefined): HiveTree {
  return withFile(file, () => readAnyRegistry(io, file, rom));
}

function readAnyRegistry(io: CliIo, file: string, rom: Hive | undefined): HiveTree {
  const bytes = readInputFile(io, file);
  const format = identifyFormat(bytes);
  switch (format) {
    case 'hive': {
      const hive = openHive(bytes, rom === undefined ? {} : { rom });
      // A new file is made from it: any whole-file damage stops (damage.ts).
      checkWholeFile(hive, file, 'copy');
      return readTree(hive);
    }
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
export function combineRegistries(io: CliIo, files: string[], rom: Hive | undefined): HiveTree {
  const combined: HiveTree = { roots: {} };
  const owner = new Map<number, string>();
  for (const file of files) {
    const tree = readRegistry(io, file, rom);
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
