import { encodeHive, encodeLinkedHive, hexBytes, hiveStatistics, openHive, readTree, type EncodeHiveOptions, type Hive } from '@hivetool/hive';
import { RegTreeBuilder, countTree } from '@hivetool/registry';
import { ExitCode, UsageError, building } from '../failures.js';
import { inputName, readInputFile } from '../input.js';
import { tell, writeFileAtomic } from '../output.js';

export interface BuildArguments {
  inputs: string[];
  output: string;
  layout: 'rom' | 'persistent';
  romSignature?: string | undefined;
  guid?: string | undefined;
  /** Build a persistent hive linked into this ROM hive, storing only the changes. */
  rom?: { file: string; hive: Hive } | undefined;
}

/**
 * Reads a .reg file as regedit writes them: UTF-16LE with a BOM (version 5.00 exports),
 * otherwise UTF-8, falling back to Windows-1252 for ANSI REGEDIT4 files that are not
 * valid UTF-8.
 */
export function readRegText(path: string): string {
  const bytes = readInputFile(path, 256 * 1024 * 1024, true);
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

/**
 * A .reg input's text. One with no `[KEY]` line adds nothing to the hive (an empty file,
 * or an empty pipe into `build -`): said in a warning, since the hive built would
 * otherwise silently lack what the user meant to put in it.
 */
function regInput(path: string): string {
  const text = readRegText(path);
  if (!/^[ \t]*\[/m.test(text)) process.stderr.write(`hivetool: warning: ${inputName(path)}: ${text.trim() === '' ? 'empty .reg input' : 'no key line ([HKEY_…\\…]) in this .reg input'}: it adds nothing to the hive\n`);
  return text;
}

/** 32 hex digits → 16 bytes, for --rom-signature and --guid. */
export function parseHex16(text: string, option: string): Uint8Array {
  const digits = text.replace(/^0x/i, '').replace(/[\s:-]/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(digits)) throw new UsageError(`${option} takes 16 bytes as 32 hex digits, e.g. 6e950daec1672852a98cf772c09550c9`);
  return Uint8Array.from(digits.match(/../g)!, (pair) => parseInt(pair, 16));
}

/**
 * `hivetool build INPUT.reg... -o OUT.hv`; with `--rom ROM.hv`, the .reg files are
 * changes to the ROM's registry and the output is a persistent hive linked into it.
 */
export function runBuild(args: BuildArguments): number {
  const guid = args.guid === undefined ? undefined : parseHex16(args.guid, '--guid');
  if (args.rom !== undefined) {
    if (args.romSignature !== undefined) throw new UsageError('--rom-signature cannot be used with --rom: a linked hive carries its ROM hive\'s signature');
    // New keys and values go to the head of their chains, as on the device, so that
    // unchanged chain tails can be shared with ROM.
    const builder = RegTreeBuilder.fromTree(readTree(args.rom.hive), { newEntriesFirst: true });
    for (const input of args.inputs) builder.apply(regInput(input), inputName(input));
    const rom = args.rom;
    const bytes = building(args.output, () => encodeLinkedHive(rom.hive, builder.tree(), guid === undefined ? {} : { volumeGuid: guid }));
    writeFileAtomic(args.output, bytes);
    const stored = countStored(bytes);
    tell(args.output, `${args.output}: ${bytes.length} bytes, persistent hive linked into ${args.rom.file}: ${stored.keys} keys and ${stored.values} values stored, the rest linked; ROM signature ${hexBytes(args.rom.hive.header.romSignature)}\n`,
    );
    return ExitCode.OK;
  }
  const builder = new RegTreeBuilder();
  for (const input of args.inputs) builder.apply(regInput(input), inputName(input));
  const tree = builder.tree();
  const options: EncodeHiveOptions = { layout: args.layout };
  if (args.romSignature !== undefined) options.romSignature = parseHex16(args.romSignature, '--rom-signature');
  if (guid !== undefined) options.volumeGuid = guid;
  const bytes = building(args.output, () => encodeHive(tree, options));
  writeFileAtomic(args.output, bytes);
  const { keys, values } = countTree(tree);
  const signature = hexBytes(bytes.subarray(0x28, 0x38));
  tell(args.output, `${args.output}: ${bytes.length} bytes, ${keys} keys, ${values} values, ${args.layout} layout, ROM signature ${signature}${args.romSignature === undefined ? ' (derived)' : ''}\n`);
  return ExitCode.OK;
}

/** Key and value records stored in a hive file. */
function countStored(bytes: Uint8Array): { keys: number; values: number } {
  const stats = hiveStatistics(openHive(bytes, { kind: 'persistent' }));
  return { keys: stats.blocks.keys, values: stats.blocks.values };
}
