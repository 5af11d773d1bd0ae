import { FORMAT_DESCRIPTIONS, MAX_PREG_REGIONS, MAX_PREG_REGION_SIZE, MIN_PREG_REGION_SIZE, PREG_HEADER_SIZE, decodePreg, encodePreg, identifyFormat, inspectPreg, isImageFormatError, looksLikePreg, type PregLayout, type PregReport } from '@hivetool/image';
import { ExitCode, UsageError } from '../failures.js';
import { inputName, readInputFile } from '../input.js';
import { StdoutSink, tell, writeFileAtomic } from '../output.js';
import type { CommandIo } from '../command.js';

/**
 * `hivetool oem preg …`: the PREG container of the common OAL (docs/formats/preg.md).
 * The stream inside is opaque (its layout is not published): extracted and checked, never decoded.
 */

const hex = (value: number | undefined): string => (value === undefined ? '—' : '0x' + value.toString(16).padStart(8, '0'));

/** Runs a codec call on a file's bytes; an image format error becomes one line naming the file. */
function onFile<T>(file: string, action: () => T): T {
  try {
    return action();
  } catch (error) {
    if (isImageFormatError(error)) throw new UsageError(`${inputName(file)}: ${error.message}`);
    throw error;
  }
}

/**
 * --region-size and --regions checked as options, before any file is read (the codec
 * would report them against the file).
 */
function checkLayout(layout: PregLayout): void {
  const { regionSize, regions } = layout;
  if (regionSize !== undefined && (regionSize < MIN_PREG_REGION_SIZE || regionSize > MAX_PREG_REGION_SIZE)) {
    throw new UsageError(`--region-size ${regionSize}: a PREG region holds from ${MIN_PREG_REGION_SIZE} bytes (the ${PREG_HEADER_SIZE}-byte header and a word) to 1 GiB`);
  }
  if (regions !== undefined && regions > MAX_PREG_REGIONS) throw new UsageError(`--regions ${regions}: the common OAL keeps the stream in 1 to ${MAX_PREG_REGIONS} regions`);
}

/** One line saying what a PREG container holds, or what is wrong with it. */
export function describePreg(report: PregReport, layout: PregLayout): string {
  const regions = report.regions === undefined ? '' : `, ${report.regions} region(s) of ${layout.regionSize} bytes`;
  switch (report.state) {
    case 'intact':
      return `PREG container intact: a ${report.size}-byte stream (opaque: its layout is not published), checksum ${hex(report.checksum)}${regions}`;
    case 'interrupted':
      return `PREG container INTERRUPTED: ${report.problem!.message}`;
    case 'damaged':
      return `PREG container DAMAGED: ${report.problem!.message}`;
  }
}

export interface PregVerifyArguments {
  files: string[];
  layout: PregLayout;
  json: boolean;
}

/** `hivetool oem preg verify FILE...`: exit 0 all intact, 1 one interrupted or damaged, 2 one not a PREG container (or unreadable). */
export function verify(args: PregVerifyArguments, io: CommandIo): number {
  checkLayout(args.layout);
  const sink = new StdoutSink(io);
  const results: Array<Record<string, unknown>> = [];
  let bad = 0;
  let notPreg = 0;
  for (const file of args.files) {
    const bytes = readInputFile(io, file);
    if (!looksLikePreg(bytes)) {
      notPreg++;
      const format = identifyFormat(bytes);
      const what = `not a PREG container (no 'PREG' signature and no erased header): this is ${FORMAT_DESCRIPTIONS[format]}`;
      if (args.json) results.push({ file, layout: null, error: what });
      else io.stderr(`hivetool: ${inputName(file)}: ${what}\n`);
      continue;
    }
    const report = onFile(file, () => inspectPreg(bytes, args.layout));
    if (report.state !== 'intact') bad++;
    if (args.json) {
      results.push({
        file,
        layout: 'preg',
        state: report.state,
        signature: report.signature ?? null,
        size: report.size ?? null,
        checksum: report.checksum ?? null,
        computedChecksum: report.computedChecksum ?? null,
        regions: report.regions ?? null,
        problem: report.problem === undefined ? null : { code: report.problem.code, offset: report.problem.offset, message: report.problem.message },
      });
    } else {
      sink.write(`${inputName(file)}: ${describePreg(report, args.layout)}\n`);
    }
  }
  if (args.json) sink.write(JSON.stringify({ format: 'hivetool-oem-preg-verify', schemaVersion: 1, files: results }, null, 2) + '\n');
  sink.close();
  if (notPreg > 0) return ExitCode.FAILED;
  return bad > 0 ? ExitCode.FINDINGS : ExitCode.OK;
}

/** `hivetool oem preg extract FILE -o STREAM`: the stream of an intact container, byte for byte. */
export function extract({ input, output, layout }: { input: string; output: string; layout: PregLayout }, io: CommandIo): number {
  checkLayout(layout);
  const bytes = readInputFile(io, input);
  if (!looksLikePreg(bytes)) throw new UsageError(`${inputName(input)}: not a PREG container: this is ${FORMAT_DESCRIPTIONS[identifyFormat(bytes)]}`);
  const stream = onFile(input, () => decodePreg(bytes, layout));
  writeFileAtomic(io, output, stream);
  tell(io, output, `${output}: the ${stream.length}-byte stream of ${inputName(input)} (opaque: written as stored, not decoded)\n`);
  return ExitCode.OK;
}

/** `hivetool oem preg pack STREAM -o FILE`: a container as the common OAL leaves it after a save. */
export function pack({ input, output, layout }: { input: string; output: string; layout: PregLayout }, io: CommandIo): number {
  checkLayout(layout);
  const stream = readInputFile(io, input);
  const container = onFile(input, () => encodePreg(stream, layout));
  writeFileAtomic(io, output, container);
  const regions = layout.regionSize === undefined ? '' : `, ${container.length / layout.regionSize} region(s) of ${layout.regionSize} bytes`;
  tell(io, output, `${output}: PREG container, ${container.length} bytes: ${PREG_HEADER_SIZE}-byte header and a ${stream.length}-byte stream${regions}\n`);
  return ExitCode.OK;
}
