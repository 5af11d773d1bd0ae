import { encodeHive, hexBytes } from '@hivetool/hive';
import { DEFAULT_IMAGE_LIMITS, RegistryImage, encodeImage, openImage, type ImageValue } from '@hivetool/image';
import { countTree, parseKeyPath, rootName } from '@hivetool/registry';
import { ExitCode, UsageError, building, withFile } from '../failures.js';
import { inputName, readInputFile } from '../input.js';
import { inputBytes, limitOutputToInput, outputSink, tell, writeFileAtomic, type TextSink } from '../output.js';
import { jsonDocumentEnd, jsonDocumentStart, jsonVisitor } from '../dump/json.js';
import { regVisitor, skippedNamesWarning } from '../dump/reg.js';
import { partSeparator, type DumpVisitor } from '../dump/tree.js';
import { regSink } from '../regeditSink.js';
import { parseHex16 } from './build.js';
import { combineRegistries, type PackRoms } from '../registrySources.js';
import type { RegStyle } from '@hivetool/registry';
import type { CommandIo } from '../command.js';

/** `hivetool image pack HIVE... -o Restore.fdf`: what RegCopyFile would save. */
export function pack({ inputs, output, roms }: { inputs: string[]; output: string; roms: PackRoms }, io: CommandIo): number {
  const tree = combineRegistries(io, inputs, roms);
  const bytes = building(output, () => encodeImage(tree));
  writeFileAtomic(io, output, bytes);
  // The counts are in the header of the image just made: no need to check it all again.
  const image = new RegistryImage(bytes, DEFAULT_IMAGE_LIMITS);
  tell(io, output, `${output}: registry image, ${bytes.length} bytes, ${image.keyCount} keys, ${image.valueCount} values (volatile keys are not saved)\n`);
  return ExitCode.OK;
}

/** `hivetool image unpack Restore.fdf -o OUT.hv`: the image's registry as a hive. */
export function unpack({ input, output, layout, romSignature }: { input: string; output: string; layout: 'rom' | 'persistent'; romSignature?: string | undefined }, io: CommandIo): number {
  const tree = withFile(input, () => openImage(readInputFile(io, input)).toTree());
  const signature = romSignature === undefined ? {} : { romSignature: parseHex16(romSignature, '--rom-signature') };
  const bytes = building(output, () => encodeHive(tree, { layout, ...signature }));
  writeFileAtomic(io, output, bytes);
  const { keys, values } = countTree(tree);
  tell(io, output, `${output}: ${bytes.length} bytes, ${keys} keys, ${values} values, ${layout} layout, ROM signature ${hexBytes(bytes.subarray(0x28, 0x38))}\n`);
  return ExitCode.OK;
}

export interface ImageDumpArguments {
  files: string[];
  format: 'reg' | 'json';
  key?: string | undefined;
  output?: string | undefined;
  regStyle?: RegStyle | undefined;
  /** JSON without storage details, as `dump --content-only`. */
  contentOnly?: boolean | undefined;
}

/** `hivetool image dump IMAGE...`: the same .reg and JSON as `dump`, with kind `image`. */
export function dump(args: ImageDumpArguments, io: CommandIo): number {
  limitOutputToInput(inputBytes(io, args.files), args.key === undefined ? 'narrow it with --key, or raise the limit with --max-output' : 'raise the limit with --max-output');
  const output: TextSink = outputSink(io, args.output);
  // regedit-style .reg text is UTF-16LE, as desktop regedit writes and reads it.
  const sink = args.format === 'reg' ? regSink(output, args.regStyle ?? 'ce') : output;
  const filter = args.key === undefined ? undefined : parseKeyPath(args.key);
  if (args.key !== undefined && filter === undefined) throw new UsageError(`key path "${args.key}" does not start with a root (HKLM, HKCU, HKCR, HKU)`);
  const filterRoot = filter === undefined ? undefined : rootName(filter.root);
  const filterNames = filter === undefined ? [] : filter.names.map((name) => name.toUpperCase());
  const filterDepth = filterNames.length;
  try {
    if (args.format === 'json') sink.write(jsonDocumentStart());
    args.files.forEach((file, index) => {
      const bytes = readInputFile(io, file);
      const image = withFile(file, () => openImage(bytes));
      const header = { file: inputName(file), kind: 'image', fileLength: bytes.length, romSignature: null };
      let finish = (): void => undefined;
      let visitor: DumpVisitor;
      if (args.format === 'json') {
        sink.write(partSeparator('json', index === 0));
        const json = jsonVisitor(header, sink, args.contentOnly ?? false);
        visitor = json;
        finish = () => json.finish();
      } else {
        sink.write(partSeparator('reg', index === 0, args.regStyle));
        const reg = regVisitor(header, sink, args.regStyle ?? 'ce');
        visitor = reg;
        finish = () => {
          const { skippedKeys, skippedValues } = reg.writer;
          if (skippedKeys + skippedValues > 0) io.report.note(skippedNamesWarning(inputName(file), skippedKeys, skippedValues));
        };
      }
      let id = 0;
      let matched = 0;
      let started: string | undefined;
      // With --key: the image depth of the key found, while its subtree is being walked.
      let found = -1;
      // The names of the keys on the walk's path (a name may hold a `\`: --key is matched
      // name by name, as the hive reader's lookup does).
      const names: string[] = [];
      const store = { bytes };
      image.walk({
        // Image depths count from the root (1: a top-level key); the visitor's from the
        // path it is given: a root, or the --key key itself (depth 0).
        key(key, path, depth) {
          names.length = depth - 1;
          names.push(key.name);
          const root = path.slice(0, path.indexOf('\\'));
          let below = depth;
          if (filter !== undefined) {
            if (root !== filterRoot) return;
            if (filterDepth > 0) {
              if (found >= 0 && depth <= found) found = -1;
              if (found < 0) {
                if (depth !== filterDepth || names.some((name, index) => name.toUpperCase() !== filterNames[index])) return;
                visitor.start(path);
                found = depth;
              }
              below = depth - found;
            }
          }
          if (found < 0 && root !== started) visitor.start((started = root));
          matched++;
          visitor.key({ flags: key.flags, id: id++, offset: key.offset, source: 'image', store, nameOffset: key.nameOffset, nameLength: key.nameLength }, below);
          key.values.forEach((value: ImageValue) => visitor.value({ ...value, id: id++, source: 'image', store, dataLength: value.data.length }));
        },
      });
      if (args.key !== undefined && matched === 0) throw new UsageError(`${file}: key not found: ${args.key}`);
      finish();
    });
    if (args.format === 'json') sink.write(jsonDocumentEnd());
  } catch (error) {
    sink.abort();
    throw error;
  }
  sink.close();
  return ExitCode.OK;
}
