import { createHash } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { encodeCompactHive, encodeLinkedHive, hexBytes, hiveStatistics, openHive, readTree, type EncodeHiveOptions, type Hive, type Sha256 } from '@hivetool/hive';
import { MAX_SECTIONS, SLOTS_PER_SECTION } from '@hivetool/hive/layout';
import { FORMAT_DESCRIPTIONS, identifyFormat } from '@hivetool/image/identify';
import { RegTreeBuilder, regTextBytes } from '@hivetool/registry';
import { ExitCode, UsageError, building } from '../failures.js';
import { inputName, readInputFile } from '../input.js';
import { tell, writeFileAtomic } from '../output.js';
import type { CliIo } from '../io.js';
import type { CommandIo } from '../command.js';

export interface BuildArguments {
  inputs: string[];
  output: string;
  layout: 'rom' | 'persistent';
  romSignature?: string | undefined;
  guid?: string | undefined;
  /** Build a persistent hive linked into this ROM hive, storing only the changes. */
  rom?: { file: string; hive: Hive } | undefined;
}

/** The .reg inputs' size cap: a hive's heap cannot pass 256 MiB, and the text is larger than the hive it makes. */
const MAX_REG_BYTES = 256 * 1024 * 1024;

/** Records a hive can hold: 4096 sections of 1024, less the roots record. */
const MAX_RECORDS = MAX_SECTIONS * SLOTS_PER_SECTION - 1;

/** Node's SHA-256 (native), for the derived signature and GUID. */
export const nodeSha256: Sha256 = (parts) => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
};

/**
 * Reads a .reg file as UTF-8 bytes for the parser: UTF-16 (either byte order, with or
 * without a BOM) is transcoded, UTF-8 used as it is, what is not UTF-8 read as
 * Windows-1252 with a warning (see `regTextBytes`). A hive, image or OEM file is named
 * for what it is instead of being parsed as text.
 */
export function readRegBytes(io: CliIo, path: string): Uint8Array {
  const bytes = readInputFile(io, path, MAX_REG_BYTES, true);
  const format = identifyFormat(bytes);
  if (format !== 'unknown') throw new UsageError(`${inputName(path)}: not .reg text: this is ${FORMAT_DESCRIPTIONS[format]}`, true);
  const text = regTextBytes(bytes, { isUtf8: (b) => isUtf8(b) });
  if (text.warning !== undefined) io.stderr(`hivetool: warning: ${inputName(path)}: ${text.warning}\n`);
  // One with no `[KEY]` line adds nothing to the hive (an empty file, or an empty pipe
  // into `build -`): said, since the hive built would otherwise silently lack it.
  if (!hasKeyLine(text.bytes)) {
    io.stderr(`hivetool: warning: ${inputName(path)}: ${isBlank(text.bytes) ? 'empty .reg input' : 'no key line ([HKEY_…\\…]) in this .reg input'}: it adds nothing to the hive\n`);
  }
  return text.bytes;
}

/** Whether a line of the UTF-8 text starts with `[` after blanks (a BOM is skipped). */
function hasKeyLine(bytes: Uint8Array): boolean {
  let lineStart = true;
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  for (let i = start; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (byte === 0x0a) lineStart = true;
    else if (lineStart && byte === 0x5b) return true;
    else if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) lineStart = false;
  }
  return false;
}

function isBlank(bytes: Uint8Array): boolean {
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  for (let i = start; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (byte !== 0x0a && byte !== 0x0d && byte !== 0x20 && byte !== 0x09) return false;
  }
  return true;
}

/** Applies each input to `builder`, then prints the warnings it gathered (preprocessor lines). */
function applyInputs(io: CliIo, builder: RegTreeBuilder, inputs: string[]): void {
  for (const input of inputs) builder.applyBytes(readRegBytes(io, input), inputName(input));
  for (const warning of builder.warnings) io.stderr(`hivetool: warning: ${warning.file}:${warning.line}: ${warning.what} [${warning.code}]\n`);
  const more = builder.warningCount - builder.warnings.length;
  if (more > 0) io.stderr(`hivetool: warning: ${more} more line(s) like these\n`);
}

/**
 * The inputs parsed into a compact tree. In a function of its own so that neither the
 * builder nor the text outlives it: the hive is encoded after the text can be freed.
 */
function parseInputs(io: CliIo, inputs: string[]): ReturnType<RegTreeBuilder['compact']> {
  const builder = new RegTreeBuilder({ maxRecords: MAX_RECORDS, unrecognisedLines: 'skip' });
  applyInputs(io, builder, inputs);
  return builder.compact();
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
export function run(args: BuildArguments, io: CommandIo): number {
  const guid = args.guid === undefined ? undefined : parseHex16(args.guid, '--guid');
  if (args.rom !== undefined) {
    if (args.romSignature !== undefined) throw new UsageError('--rom-signature cannot be used with --rom: a linked hive carries its ROM hive\'s signature');
    // New keys and values go to the head of their chains, as on the device, so that
    // unchanged chain tails can be shared with ROM.
    const builder = RegTreeBuilder.fromTree(readTree(args.rom.hive), { newEntriesFirst: true, maxRecords: MAX_RECORDS, unrecognisedLines: 'skip' });
    applyInputs(io, builder, args.inputs);
    const rom = args.rom;
    const bytes = building(args.output, () => encodeLinkedHive(rom.hive, builder.tree(), guid === undefined ? { sha256: nodeSha256 } : { volumeGuid: guid, sha256: nodeSha256 }));
    writeFileAtomic(io, args.output, bytes);
    const stored = countStored(bytes);
    tell(io, 
      args.output,
      `${args.output}: ${bytes.length} bytes, persistent hive linked into ${args.rom.file}: ${stored.keys} keys and ${stored.values} values stored, the rest linked; ROM signature ${hexBytes(args.rom.hive.header.romSignature)}\n`,
    );
    return ExitCode.OK;
  }
  // The tree stays in typed arrays from parse to file: no object per key or value.
  // A stray text line is left out with a warning, as compile leaves it out: compile's
  // reginit.ini keeps such lines (the signature is its MD5), and build reads it back.
  const tree = parseInputs(io, args.inputs);
  const options: EncodeHiveOptions = { layout: args.layout, sha256: nodeSha256 };
  if (args.romSignature !== undefined) options.romSignature = parseHex16(args.romSignature, '--rom-signature');
  if (guid !== undefined) options.volumeGuid = guid;
  const bytes = building(args.output, () => encodeCompactHive(tree, options));
  writeFileAtomic(io, args.output, bytes);
  const keys = tree.liveKeys;
  const values = tree.liveValues;
  const signature = hexBytes(bytes.subarray(0x28, 0x38));
  tell(io, args.output, `${args.output}: ${bytes.length} bytes, ${keys} keys, ${values} values, ${args.layout} layout, ROM signature ${signature}${args.romSignature === undefined ? ' (derived)' : ''}\n`);
  return ExitCode.OK;
}

/** Key and value records stored in a hive file. */
function countStored(bytes: Uint8Array): { keys: number; values: number } {
  const stats = hiveStatistics(openHive(bytes, { kind: 'persistent' }));
  return { keys: stats.blocks.keys, values: stats.blocks.values };
}
