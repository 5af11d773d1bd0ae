/**
 * `npm run fuzz -- [--minutes N | --executions N] [--target NAME]`: a mutation fuzzer for every decoder,
 * seeded with the corpus (when ../shared/corpus is there), the samples, and images,
 * streams, call logs, stores and .reg texts made from them. Each target runs in a worker
 * thread watched by the main thread, so a hang is caught too. A failing input is saved
 * under test/regressions/, where test/regressions.test.ts keeps checking it.
 *
 * `--coverage N` instead replays the first N inputs of each target's run (the inputs are
 * the same on every run: they derive from the seeds and the iteration number) under V8's
 * precise block coverage, and reports the share of the decoder's lines they execute.
 *
 * Rules checked: only the project's typed errors escape (verify: nothing at all); no
 * call runs longer than HANG_MS; the process's memory stays under a fixed multiple of the
 * input plus a constant; the decoders keep working after an error (the same worker goes
 * on with the next input).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Session } from 'node:inspector';
import { openHive, readTree } from '@hivetool/hive';
import { encodeCallLog, encodeImage, encodeOemStream, writeRegistryToOemCalls, writeStoreGeneration } from '@hivetool/image';
import { renderTreeAsReg } from '@hivetool/registry';
import { FUZZ_TARGETS, checkTarget, layVolumeOnNand, makePartitionedImage, prng, reseal, type FuzzTargetName } from '@hivetool/test-support';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const REGRESSIONS = join(ROOT, 'test/regressions');
const CORPUS = process.env['HIVETOOL_CORPUS'] ?? resolve(ROOT, '../shared/corpus/ce6-mediaroom');
const HANG_MS = 10_000;
/** Memory bound per execution: this many times the input, plus a constant. */
const MEMORY_FACTOR = 64;
const MEMORY_BASE = 512 * 1024 * 1024;

/** Seeds per target: valid files of each format. */
function seeds(): Record<FuzzTargetName, Uint8Array[]> {
  const hives: Uint8Array[] = [];
  for (const dir of [CORPUS, join(ROOT, 'samples')]) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).filter((file) => file.endsWith('.hv'))) hives.push(new Uint8Array(readFileSync(join(dir, name))));
  }
  const trees = hives.map((bytes) => readTree(openHive(bytes)));
  const streams = trees.map(encodeOemStream);
  const encoder = new TextEncoder();
  // A FAT12 volume with a fragmented and a deleted hive, alone and behind an MBR.
  const fat = new Uint8Array(readFileSync(join(ROOT, 'packages/media/test/fixtures/fat12-fragmented.img')));
  const media = [fat, makePartitionedImage(fat, 0x01, new Uint8Array(readFileSync(join(ROOT, 'packages/media/test/fixtures/small.hv'))))];
  return {
    hive: hives,
    verify: hives,
    reg: trees.map((tree) => encoder.encode(renderTreeAsReg(tree))),
    image: trees.map(encodeImage),
    stream: streams,
    calls: streams.map((stream) => encodeCallLog(writeRegistryToOemCalls(stream, 512))),
    store: streams.map((stream) => writeStoreGeneration(stream, { slotSize: Math.ceil((stream.length * 1.2 + 4096) / 4) * 4, chunkPayload: 1024 }).store),
    media,
    // The FAT12 fixture laid on a simulated NAND, small page and large page.
    fal: (['ms16', 'samsung-lb'] as const).map((layout) => layVolumeOnNand([{ label: 'flashed', bytes: fat }], { layout, seed: 1 }).nand.image),
  };
}

/** One mutated copy of `seed`: bit flips, byte sets, truncation, splices, rewired links, oversized lengths. */
export function mutate(seed: Uint8Array, random: () => number): Uint8Array {
  let bytes = seed.slice();
  const pick = (n: number): number => Math.floor(random() * n);
  const rounds = 1 + pick(6);
  for (let round = 0; round < rounds && bytes.length > 0; round++) {
    const at = pick(bytes.length);
    const aligned = at & ~3;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    switch (pick(7)) {
      case 0:
        bytes[at] = bytes[at]! ^ (1 << pick(8));
        break;
      case 1:
        bytes[at] = [0, 0xff, 0x7f, 0x80, 1][pick(5)]!;
        break;
      case 2:
        bytes = bytes.subarray(0, pick(bytes.length + 1)).slice();
        break;
      case 3: {
        const length = 1 + pick(256);
        const from = pick(bytes.length);
        bytes.copyWithin(at, from, Math.min(bytes.length, from + length));
        break;
      }
      case 4:
        // A reference-like value: store nibble 0 or 2 and a plausible id.
        if (aligned + 4 <= bytes.length) view.setUint32(aligned, (((pick(2) * 2) << 28) | pick(5000)) >>> 0, true);
        break;
      case 5:
        if (aligned + 4 <= bytes.length) view.setUint32(aligned, [0xffffffff, 0x7fffffff, 0x0fffffff, 0x10000, bytes.length + 4][pick(5)]!, true);
        break;
      case 6:
        if (aligned + 2 <= bytes.length) view.setUint16(aligned, [0xffff, 0x8000, 0x00ff][pick(3)]!, true);
        break;
    }
  }
  return bytes;
}

interface WorkerJob {
  target: FuzzTargetName;
  seedIndex: number;
  iteration: number;
}

function inputFor(all: Record<FuzzTargetName, Uint8Array[]>, job: WorkerJob): Uint8Array {
  const list = all[job.target];
  const random = prng(job.iteration * 7919 + job.seedIndex);
  const input = mutate(list[job.seedIndex % list.length]!, random);
  // Half the inputs of checksummed formats get their checksums recomputed, so that the
  // decoders behind the checksum see corrupt records too.
  if (random() < 0.5) reseal(job.target, input);
  return input;
}

function saveRegression(target: FuzzTargetName, input: Uint8Array, problem: string): string {
  mkdirSync(REGRESSIONS, { recursive: true });
  const name = `${target}-${createHash('sha256').update(input).digest('hex').slice(0, 16)}`;
  writeFileSync(join(REGRESSIONS, `${name}.bin`), input);
  writeFileSync(join(REGRESSIONS, `${name}.json`), JSON.stringify({ target, problem }, null, 2) + '\n');
  return name;
}

/** The worker: runs inputs back to back, telling the main thread which one it starts. */
function workerMain(): void {
  const { target, milliseconds, executions } = workerData as { target: FuzzTargetName; milliseconds: number; executions: number | undefined };
  const all = seeds();
  const port = parentPort!;
  let iteration = 0;
  // The time runs from the first execution, not from the worker's start: loading the seeds
  // takes a while, longer on a busy machine. --executions runs a fixed number instead.
  const deadline = Date.now() + milliseconds;
  while (executions === undefined ? Date.now() < deadline : iteration < executions) {
    const job: WorkerJob = { target, seedIndex: iteration % all[target].length, iteration };
    const input = inputFor(all, job);
    port.postMessage({ kind: 'start', job, size: input.length });
    const result = checkTarget(target, input);
    const rss = process.memoryUsage().rss;
    if (!result.ok) {
      const error = result.error;
      port.postMessage({ kind: 'failure', job, problem: `${error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error)}` });
    } else if (rss > MEMORY_BASE + MEMORY_FACTOR * input.length) {
      port.postMessage({ kind: 'failure', job, problem: `memory: rss ${rss} bytes for a ${input.length}-byte input` });
    }
    iteration++;
  }
  port.postMessage({ kind: 'done', executions: iteration });
}

async function fuzzTarget(target: FuzzTargetName, milliseconds: number, executions?: number): Promise<{ executions: number; failures: string[] }> {
  const all = seeds();
  return new Promise((resolvePromise) => {
    const failures: string[] = [];
    let current: WorkerJob | undefined;
    let started = Date.now();
    const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { target, milliseconds, executions } });
    const watchdog = setInterval(() => {
      if (current !== undefined && Date.now() - started > HANG_MS) {
        failures.push(saveRegression(target, inputFor(all, current), `hang: no result after ${HANG_MS} ms`));
        void worker.terminate();
      }
    }, 500);
    worker.on('message', (message: { kind: string; job?: WorkerJob; problem?: string; executions?: number }) => {
      if (message.kind === 'start') {
        current = message.job;
        started = Date.now();
      } else if (message.kind === 'failure') {
        failures.push(saveRegression(target, inputFor(all, message.job!), message.problem!));
      } else if (message.kind === 'done') {
        clearInterval(watchdog);
        resolvePromise({ executions: message.executions!, failures });
      }
    });
    worker.on('error', (error) => {
      clearInterval(watchdog);
      if (current !== undefined) failures.push(saveRegression(target, inputFor(all, current), `worker died: ${error.message}`));
      resolvePromise({ executions: 0, failures });
    });
    worker.on('exit', (code) => {
      clearInterval(watchdog);
      // A worker that ends without reporting could not start (or was stopped for a hang).
      if (failures.length === 0) failures.push(`the ${target} worker exited early (code ${code}) before reporting`);
      resolvePromise({ executions: 0, failures });
    });
  });
}


/** The modules each target exercises, for the coverage report (compiled JavaScript). */
const DECODER_MODULES: Record<FuzzTargetName, string[]> = {
  hive: ['hive/dist/reader.js', 'hive/dist/records.js', 'hive/dist/walk.js', 'hive/dist/header.js', 'hive/dist/directory.js', 'hive/dist/heap.js', 'hive/dist/info.js', 'hive/dist/readTree.js', 'hive/dist/lossless.js'],
  verify: ['hive/dist/verify.js'],
  reg: ['registry/dist/regParser.js'],
  image: ['image/dist/image.js'],
  stream: ['image/dist/stream.js'],
  calls: ['image/dist/oemCalls.js'],
  store: ['image/dist/store.js'],
  media: ['media/dist/mbr.js', 'media/dist/fat.js', 'media/dist/directory.js', 'media/dist/hives.js', 'media/dist/media.js'],
  fal: ['media/dist/fal.js', 'media/dist/spareLayouts.js'],
};

interface ScriptCoverage {
  url: string;
  functions: Array<{ ranges: Array<{ startOffset: number; endOffset: number; count: number }> }>;
}

/** Per character of a module's source: whether a block around it ran, and whether its function was called. */
interface Ran {
  blocks: Uint8Array;
  functions: Uint8Array;
}

/**
 * Adds one coverage take of `script` to `ran`. Each character takes the count of the
 * innermost range around it: ranges sorted by start, an enclosing range before the ranges
 * nested in it. A function's first range is the whole function.
 */
function addCoverage(ran: Ran, script: ScriptCoverage): void {
  const length = ran.blocks.length;
  const byStart = <T extends { startOffset: number; endOffset: number }>(a: T, b: T): number => a.startOffset - b.startOffset || b.endOffset - a.endOffset;
  const mark = (into: Uint8Array, ranges: Array<{ startOffset: number; endOffset: number; count: number }>): void => {
    const counts = new Int32Array(length).fill(-1);
    for (const range of ranges.sort(byStart)) counts.fill(range.count, range.startOffset, Math.min(range.endOffset, length));
    for (let i = 0; i < length; i++) if (counts[i]! > 0) into[i] = 1;
  };
  mark(ran.blocks, script.functions.flatMap((fn) => fn.ranges));
  mark(ran.functions, script.functions.map((fn) => fn.ranges[0]!));
}

function post<T>(session: Session, method: string, params: object = {}): T {
  let result: T | undefined;
  let failure: Error | null = null;
  // The in-process session answers synchronously.
  session.post(method, params, (error, answer) => {
    failure = error;
    result = answer as T;
  });
  if (failure !== null) throw failure;
  return result!;
}

/**
 * Lines of `source` with code on them (not blank, not only a comment or an import), how
 * many of them ran, and the same two figures counting only the lines inside functions
 * that were called (a module also holds encoders and helpers the decoder never calls).
 * A line ran when a character on it lies in a block that ran.
 */
function lineCoverage(source: string, ran: Ran): { lines: number; covered: number; reachedLines: number } {
  let lines = 0;
  let covered = 0;
  let reachedLines = 0;
  let offset = 0;
  for (const line of source.split('\n')) {
    const text = line.trim();
    const isCode = text !== '' && !/^(\/\/|\*|\/\*|import |export \{|export \*)/.test(text);
    if (isCode) {
      lines++;
      const start = offset + line.indexOf(text[0]!);
      let lineRan = false;
      for (let i = start; i < start + text.length && !lineRan; i++) lineRan = ran.blocks[i] === 1;
      if (lineRan) covered++;
      // A line that ran is in a called function even where it starts inside one that was not.
      if (lineRan || ran.functions[start] === 1) reachedLines++;
    }
    offset += line.length + 1;
  }
  return { lines, covered, reachedLines };
}

/** Inputs made, then run, per coverage take. */
const COVERAGE_BATCH = 100;

const percent = (part: number, whole: number): string => `${((100 * part) / Math.max(1, whole)).toFixed(1)}%`;

/** Replays the first `inputs` inputs of each target under precise coverage and prints the figures. */
function coverageReport(targets: FuzzTargetName[], inputs: number): void {
  const all = seeds();
  const session = new Session();
  session.connect();
  post(session, 'Profiler.enable');
  post(session, 'Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  process.stdout.write(`coverage of the first ${inputs} inputs of each target (compiled JavaScript lines with code)\n`);
  for (const target of targets) {
    const sources = new Map<string, string>();
    const ran = new Map<string, Ran>();
    let failures = 0;
    // Inputs are made (mutated, resealed with the codecs' own sealing) in batches with
    // the coverage of that taken and dropped: only the decoders' runs are counted.
    for (let first = 0; first < inputs; first += COVERAGE_BATCH) {
      const batch: Uint8Array[] = [];
      for (let iteration = first; iteration < Math.min(inputs, first + COVERAGE_BATCH); iteration++) {
        batch.push(inputFor(all, { target, seedIndex: iteration % all[target].length, iteration }));
      }
      post(session, 'Profiler.takePreciseCoverage'); // drops what making the batch ran
      for (const input of batch) if (!checkTarget(target, input).ok) failures++;
      const { result } = post<{ result: ScriptCoverage[] }>(session, 'Profiler.takePreciseCoverage');
      for (const script of result) {
        if (!DECODER_MODULES[target].some((module) => script.url.endsWith(`/packages/${module}`))) continue;
        if (!sources.has(script.url)) sources.set(script.url, readFileSync(fileURLToPath(script.url), 'utf8'));
        const length = sources.get(script.url)!.length;
        if (!ran.has(script.url)) ran.set(script.url, { blocks: new Uint8Array(length), functions: new Uint8Array(length) });
        addCoverage(ran.get(script.url)!, script);
      }
    }
    const parts: string[] = [];
    const total = { lines: 0, covered: 0, reachedLines: 0 };
    for (const module of DECODER_MODULES[target]) {
      const url = [...ran.keys()].find((entry) => entry.endsWith(`/packages/${module}`));
      if (url === undefined) continue;
      const figures = lineCoverage(sources.get(url)!, ran.get(url)!);
      total.lines += figures.lines;
      total.covered += figures.covered;
      total.reachedLines += figures.reachedLines;
      parts.push(`${module.split('/').pop()} ${percent(figures.covered, figures.lines)}`);
    }
    process.stdout.write(
      `${target.padEnd(7)} ${total.covered}/${total.lines} lines (${percent(total.covered, total.lines)}); ` +
        `in the functions called, ${total.covered}/${total.reachedLines} (${percent(total.covered, total.reachedLines)})` +
        `${failures > 0 ? `; ${failures} failure(s)` : ''}: ${parts.join(', ')}\n`,
    );
  }
  session.disconnect();
}

async function main(args: string[]): Promise<number> {
  const minutesAt = args.indexOf('--minutes');
  const minutes = minutesAt >= 0 ? Number(args[minutesAt + 1]) : 1;
  const targetAt = args.indexOf('--target');
  const targets = targetAt >= 0 ? [args[targetAt + 1] as FuzzTargetName] : FUZZ_TARGETS;
  if (!Number.isFinite(minutes) || minutes <= 0 || targets.some((target) => !FUZZ_TARGETS.includes(target))) {
    process.stderr.write(`usage: npm run fuzz -- [--minutes N | --executions N | --coverage INPUTS] [--target ${FUZZ_TARGETS.join('|')}]\n`);
    return 2;
  }
  const executionsAt = args.indexOf('--executions');
  const executions = executionsAt >= 0 ? Number(args[executionsAt + 1]) : undefined;
  if (executions !== undefined && (!Number.isInteger(executions) || executions < 1)) {
    process.stderr.write('usage: npm run fuzz -- --executions N [--target NAME]\n');
    return 2;
  }
  const coverageAt = args.indexOf('--coverage');
  if (coverageAt >= 0) {
    const inputs = Number(args[coverageAt + 1]);
    if (!Number.isInteger(inputs) || inputs < 1) {
      process.stderr.write('usage: npm run fuzz -- --coverage INPUTS [--target NAME]\n');
      return 2;
    }
    coverageReport(targets, inputs);
    return 0;
  }
  const perTarget = (minutes * 60_000) / targets.length;
  const span = executions === undefined ? `for ${minutes} minute(s) (${(perTarget / 1000).toFixed(0)} s each)` : `for ${executions} executions each`;
  process.stdout.write(`fuzzing ${targets.join(', ')} ${span}; corpus ${existsSync(CORPUS) ? 'found' : 'NOT found, seeds from samples only'}\n`);
  let failed = 0;
  for (const target of targets) {
    const started = Date.now();
    const { executions: done, failures } = await fuzzTarget(target, perTarget, executions);
    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(`${target.padEnd(7)} ${done} executions in ${seconds.toFixed(0)} s (${(done / seconds).toFixed(0)}/s), ${failures.length} failure(s)${failures.length > 0 ? `: saved ${failures.join(', ')}` : ''}\n`);
    failed += failures.length;
  }
  return failed > 0 ? 1 : 0;
}

if (isMainThread) {
  process.exitCode = await main(process.argv.slice(2));
} else {
  workerMain();
}
