import { encodeHive, hexBytes } from '@hivetool/hive';
import {
  FORMAT_DESCRIPTIONS,
  decodeCallLog,
  decodeOemStream,
  encodeCallLog,
  encodeImage,
  encodeOemStream,
  identifyFormat,
  inspectPreg,
  isImageFormatError,
  looksLikePreg,
  loadStore,
  oemStreamTrailer,
  reassembleOemCalls,
  writeRegistryToOemCalls,
  writeStoreGeneration,
} from '@hivetool/image';
import { ExitCode, UsageError, building, safeLine, withFile } from '../failures.js';
import { inputName, readInputFile } from '../input.js';
import { STDIO, print, tell, writeFileAtomic } from '../output.js';
import { combineRegistries, type PackRoms } from '../registrySources.js';
import { describePreg } from './preg.js';
import type { CommandIo } from '../command.js';

/** `hivetool oem pack INPUT... -o registry.oem`: the stream the OS hands to WriteRegistryToOEM. */
export function pack({ inputs, output, roms }: { inputs: string[]; output: string; roms: PackRoms }, io: CommandIo): number {
  const tree = combineRegistries(io, inputs, roms);
  const stream = building(output, () => encodeOemStream(tree));
  writeFileAtomic(io, output, stream);
  const info = oemStreamTrailer(stream);
  tell(io, output, `${output}: OEM stream, ${stream.length} bytes, ${info.keyCount} keys, ${info.valueCount} values, CRC-32 ${info.crc32.toString(16).padStart(8, '0')}\n`);
  return ExitCode.OK;
}

/** `hivetool oem unpack STREAM -o OUT --to hive|image`. */
export function unpack({ input, output, to }: { input: string; output: string; to: 'hive' | 'image' }, io: CommandIo): number {
  const { tree, info } = withFile(input, () => decodeOemStream(readInputFile(io, input)));
  const bytes = building(output, () => (to === 'hive' ? encodeHive(tree) : encodeImage(tree)));
  writeFileAtomic(io, output, bytes);
  tell(io, output, `${output}: ${to === 'hive' ? `hive, ROM signature ${hexBytes(bytes.subarray(0x28, 0x38))} (derived)` : 'registry image'}, ${bytes.length} bytes, ${info.keyCount} keys, ${info.valueCount} values\n`);
  return ExitCode.OK;
}

/** `hivetool oem split STREAM --chunk N -o calls.log`: the WriteRegistryToOEM calls of a save. */
export function split({ input, output, chunk }: { input: string; output: string; chunk: number }, io: CommandIo): number {
  const stream = readInputFile(io, input);
  withFile(input, () => decodeOemStream(stream)); // refuse anything but a whole, valid stream
  // The calls are encoded as they are made: with --chunk 1, millions of them, never held.
  const calls = Math.max(1, Math.ceil(stream.length / chunk)) + 1;
  writeFileAtomic(io, output, encodeCallLog(writeRegistryToOemCalls(stream, chunk)));
  tell(io, output, `${output}: ${calls} WriteRegistryToOEM calls (first REG_WRITE_BYTES_START, last cbData = 0), chunks of up to ${chunk} bytes\n`);
  return ExitCode.OK;
}

/** `hivetool oem join calls.log -o STREAM`: reassembles a recorded save, refusing a partial one. */
export function join({ input, output }: { input: string; output: string }, io: CommandIo): number {
  const { calls, stream, info } = withFile(input, () => {
    const calls = decodeCallLog(readInputFile(io, input));
    const stream = reassembleOemCalls(calls);
    return { calls, stream, ...decodeOemStream(stream) };
  });
  writeFileAtomic(io, output, stream);
  tell(io, output, `${output}: OEM stream from ${calls.length} calls, ${stream.length} bytes, ${info.keyCount} keys, ${info.valueCount} values\n`);
  return ExitCode.OK;
}

/** `hivetool oem store STREAM -o flash.bin (--slot-size N | --previous flash.bin)`. */
export function store({ input, output, ...options }: { input: string; output: string; slotSize?: number | undefined; previous?: string | undefined; chunk: number }, io: CommandIo): number {
  // The store given with --previous may be the output too (main.ts lets it through): the
  // store is updated in place, as the device's flash is. It is read whole before anything
  // is written, and replaced atomically (temporary file + rename; a link to it stays a link).

  const stream = readInputFile(io, input);
  withFile(input, () => decodeOemStream(stream));
  if ((options.slotSize === undefined) === (options.previous === undefined)) throw new UsageError('oem store needs either --slot-size N (a new store) or --previous STORE (the next generation of an existing one)');
  let previous: Uint8Array | undefined;
  if (options.previous !== undefined) {
    previous = readInputFile(io, options.previous);
    const format = identifyFormat(previous);
    // An erased store (all 0xFF) has no chunk yet; anything else must be a store.
    if (format !== 'oem-store' && !(format === 'unknown' && previous.every((byte) => byte === 0xff))) {
      throw new UsageError(`${options.previous}: this is ${FORMAT_DESCRIPTIONS[format]}, not an OEM store (given with --previous)`);
    }
  }
  const generation = (): ReturnType<typeof writeStoreGeneration> =>
    writeStoreGeneration(stream, {
      chunkPayload: options.chunk,
      ...(previous !== undefined ? { previous } : { slotSize: options.slotSize! }),
    });
  let result: ReturnType<typeof writeStoreGeneration>;
  if (options.previous !== undefined) {
    result = withFile(options.previous, generation);
  } else {
    try {
      result = generation();
    } catch (error) {
      // A new store: what can fail is the slot size asked for, not a file.
      if (!isImageFormatError(error)) throw error;
      throw new UsageError(`--slot-size ${options.slotSize!}: ${[error.expected === undefined ? error.what : `expected ${error.expected}`, error.actual === undefined ? '' : `found ${error.actual}`].filter(Boolean).join(', ')}`);
    }
  }
  writeFileAtomic(io, output, result.store);
  const kept = result.generation > 1 ? '; the other slot keeps the previous generation' : '';
  tell(io, output, `${output}: generation ${result.generation} written to slot ${result.slot} (${result.store.length / 2}-byte slots)${kept}\n`);
  return ExitCode.OK;
}

/** `hivetool oem load flash.bin [-o STREAM] [--json]`: the newest complete generation. */
export function load({ input, output, json }: { input: string; output?: string | undefined; json: boolean }, io: CommandIo): number {
  if (json && output === STDIO) throw new UsageError('--json and -o - both write to standard output: give -o a file name');
  const loaded = withFile(input, () => loadStore(readInputFile(io, input)));
  if (output !== undefined) {
    writeFileAtomic(io, output, loaded.stream);
  }
  // With the stream on standard output (-o -), the summary goes to standard error.
  const say = (text: string): void => tell(io, output ?? '', text);
  if (json) {
    print(io, JSON.stringify({ format: 'hivetool-oem-load', schemaVersion: 1, file: inputName(input), generation: loaded.generation, slot: loaded.slot, streamLength: loaded.stream.length, slots: loaded.slots }, null, 2) + '\n');
  } else {
    say(`${inputName(input)}: generation ${loaded.generation} from slot ${loaded.slot} (${loaded.stream.length}-byte stream)${output === undefined ? '' : `, written to ${output}`}\n`);
    for (const slot of loaded.slots) say(`  slot ${slot.slot}: ${slot.generation === undefined ? 'no generation' : `generation ${slot.generation}`}, ${slot.complete ? 'complete' : 'incomplete'}: ${slot.reason}\n`);
  }
  return ExitCode.OK;
}

/**
 * `hivetool oem verify FILE...`: checks streams, call logs, stores and PREG containers,
 * saying which layout each file has; exit 1 when one is bad.
 */
export function verify({ files }: { files: string[] }, io: CommandIo): number {
  let bad = 0;
  for (const path of files) {
    const bytes = readInputFile(io, path);
    const file = inputName(path);
    const format = identifyFormat(bytes);
    try {
      if (format === 'oem-preg' || (format === 'unknown' && looksLikePreg(bytes))) {
        // The common OAL's flash layout: a 12-byte header before the stream (format guide §10).
        const report = inspectPreg(bytes);
        print(io, `${file}: layout PREG (the common OAL's flash container): ${describePreg(report, {})}\n`);
        if (report.state !== 'intact') bad++;
        continue;
      }
      switch (format) {
        case 'oem-stream': {
          const { info } = decodeOemStream(bytes);
          print(io, 
            `${file}: layout bare stream (no container, as FlashFX stores savedreg.reg): hivetool OEM stream OK: ${bytes.length} bytes, ${info.keyCount} keys, ${info.valueCount} values, CRC-32 ${info.crc32.toString(16).padStart(8, '0')}\n`,
          );
          break;
        }
        case 'oem-calls': {
          const calls = decodeCallLog(bytes);
          const { info } = decodeOemStream(reassembleOemCalls(calls));
          print(io, `${file}: WriteRegistryToOEM call log OK: ${calls.length} calls, a whole save of ${info.keyCount} keys and ${info.valueCount} values\n`);
          break;
        }
        case 'oem-store': {
          const loaded = loadStore(bytes);
          print(io, `${file}: OEM store OK: generation ${loaded.generation} in slot ${loaded.slot}\n`);
          for (const slot of loaded.slots) print(io, `  slot ${slot.slot}: ${slot.reason}\n`);
          break;
        }
        case 'unknown':
          print(io, 
            `${file}: BAD: no PREG header and no stream layout hivetool knows; if this is FlashFX's savedreg.reg, it is a bare stream in the unpublished format filesys writes, which cannot be checked\n`,
          );
          bad++;
          break;
        default:
          print(io, `${file}: BAD: this is ${FORMAT_DESCRIPTIONS[format]}, not an OEM stream, call log, store or PREG container\n`);
          bad++;
      }
    } catch (error) {
      if (!isImageFormatError(error)) throw error;
      print(io, `${safeLine(`${file}: BAD: ${error.message}`)}\n`);
      bad++;
    }
  }
  return bad > 0 ? ExitCode.FINDINGS : ExitCode.OK;
}
