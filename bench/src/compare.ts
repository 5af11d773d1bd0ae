/**
 * Side-by-side benchmark against a build of an earlier commit (the read-side rows of
 * docs/PERFORMANCE.md): `npm run bench:compare`, and the last part of `npm run bench`.
 *
 * The baseline commit (BENCH_BASELINE, default af6968b) is extracted with `git archive`
 * into bench/out/baseline-COMMIT (ignored by git), given a copy of this checkout's
 * node_modules (the workspace links are relative, so they point at the baseline's own
 * packages) and built there (tsc + the CLI bundle) once. Each row runs the two builds in
 * alternating pairs, in fresh processes (after one warm-up pair, the order swapped every
 * pair), and reports the medians of CPU time (user + system), wall time and peak memory,
 * and the median of the per-pair ratios current / baseline. CPU time is the figure to
 * quote on a shared machine: wall time moves with the load.
 *
 * Inputs: the hive of `../shared/tools/gen_hive.py --keys 240000 --seed 7` (made once into
 * bench/out/gen-240k.hv; skipped, with a message, without python3 or the generator) and
 * the project's own 64 MiB benchmark hive, both with their `.reg` dumps for `build`
 * (`BENCH_HIVES=generator` or `=project` for one of them). `BENCH_PAIRS=N` changes the
 * number of pairs.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, cpSync, existsSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { stat, type Stat } from './measure.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../..');
const OUT = resolve(HERE, '../out');
/** Counted pairs of each row (after one warm-up pair). */
export const PAIRS = Number(process.env['BENCH_PAIRS'] ?? 5);
export const BASELINE_COMMIT = process.env['BENCH_BASELINE'] ?? 'af6968b';
const GENERATOR = resolve(REPO, '../shared/tools/gen_hive.py');

interface Sample {
  cpuMs: number;
  wallMs: number;
  rssMiB: number;
}

export interface Row {
  name: string;
  a: string;
  b: string;
  pairs: number;
  cpuMs: [Stat, Stat];
  wallMs: [Stat, Stat];
  rssMiB: [Stat, Stat];
  /** Medians of the per-pair ratios a / b. */
  cpuRatio: Stat;
  wallRatio: Stat;
  rssRatio: Stat;
}

function run(command: string, args: string[], cwd: string): void {
  const result = spawnSync(command, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} (in ${cwd}) failed: ${result.stderr?.toString() ?? result.error?.message ?? ''}`);
}

/** The baseline's `hivetool` binary, built once (see the file's comment). */
export function baselineBuild(commit = BASELINE_COMMIT): { dir: string; bin: string } {
  const dir = join(OUT, `baseline-${commit}`);
  const bin = join(dir, 'packages/cli/bin/hivetool.js');
  const marker = join(dir, '.built');
  if (existsSync(marker) && existsSync(bin)) return { dir, bin };
  process.stderr.write(`building ${commit} in ${dir}…\n`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const archive = spawnSync('git', ['archive', '--format=tar', commit], { cwd: REPO, maxBuffer: 1 << 30 });
  if (archive.status !== 0) throw new Error(`git archive ${commit} failed: ${archive.stderr.toString()}`);
  const untar = spawnSync('tar', ['-x', '-C', dir], { input: archive.stdout });
  if (untar.status !== 0) throw new Error(`tar failed: ${untar.stderr.toString()}`);
  cpSync(join(REPO, 'node_modules'), join(dir, 'node_modules'), { recursive: true, verbatimSymlinks: true });
  if (existsSync(join(REPO, 'packages/cli/node_modules'))) cpSync(join(REPO, 'packages/cli/node_modules'), join(dir, 'packages/cli/node_modules'), { recursive: true, verbatimSymlinks: true });
  run(process.execPath, [join(dir, 'node_modules/typescript/bin/tsc'), '--build'], dir);
  run(process.execPath, ['packages/cli/build.mjs'], dir);
  writeFileSync(marker, commit + '\n');
  return { dir, bin };
}

/** The hive of the table, made by the independent generator in ../shared; undefined (with a message) when it cannot be made. */
export function generatorHive(): string | undefined {
  const file = join(OUT, 'gen-240k.hv');
  if (existsSync(file)) return file;
  if (!existsSync(GENERATOR)) {
    process.stdout.write(`SKIPPED the generator's hive: ${GENERATOR} not found\n`);
    return undefined;
  }
  process.stderr.write(`generating ${file} (about a minute)…\n`);
  const result = spawnSync('python3', [GENERATOR, file + '.tmp', '--keys', '240000', '--seed', '7'], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (result.error !== undefined || result.status !== 0) {
    rmSync(file + '.tmp', { force: true });
    process.stdout.write(`SKIPPED the generator's hive: python3 ${GENERATOR} failed (${result.error?.message ?? result.stderr.toString().trim()})\n`);
    return undefined;
  }
  run('mv', [file + '.tmp', file], OUT);
  return file;
}

/** The `.reg` dump of `hive` by the current build (what `build` is timed on), made once beside it. */
export function regOf(hive: string, bin: string): string {
  const file = hive.replace(/\.hv$/, '.reg');
  if (existsSync(file)) return file;
  run(process.execPath, [bin, 'dump', hive, '-o', file], OUT);
  return file;
}

function once(bin: string, args: string[], accepted: readonly number[]): Sample {
  const devNull = openSync('/dev/null', 'w');
  const start = performance.now();
  const result = spawnSync(process.execPath, ['--import', join(HERE, 'rusage.js'), bin, ...args], { cwd: OUT, stdio: ['ignore', devNull, 'pipe', 'pipe'] });
  const wallMs = performance.now() - start;
  closeSync(devNull);
  if (result.status === null || !accepted.includes(result.status)) throw new Error(`${bin} ${args.join(' ')} failed (${result.status}): ${result.stderr?.toString() ?? ''}`);
  const usage = JSON.parse(result.output[3]!.toString()) as { userUs: number; systemUs: number; maxRssKiB: number };
  return { cpuMs: (usage.userUs + usage.systemUs) / 1000, wallMs, rssMiB: usage.maxRssKiB / 1024 };
}

/** `a` and `b` run alternately (`PAIRS` counted pairs after one warm-up pair); medians and per-pair ratios. */
export function comparePair(name: string, a: { label: string; bin: string; args: string[] }, b: { label: string; bin: string; args: string[] }, accepted: readonly number[] = [0]): Row {
  const as: Sample[] = [];
  const bs: Sample[] = [];
  for (let pair = 0; pair <= PAIRS; pair++) {
    let sa: Sample;
    let sb: Sample;
    if (pair % 2 === 0) {
      sa = once(a.bin, a.args, accepted);
      sb = once(b.bin, b.args, accepted);
    } else {
      sb = once(b.bin, b.args, accepted);
      sa = once(a.bin, a.args, accepted);
    }
    if (pair === 0) continue;
    as.push(sa);
    bs.push(sb);
  }
  const of = (samples: Sample[], key: keyof Sample): Stat => stat(samples.map((s) => s[key]));
  const ratio = (key: keyof Sample): Stat => stat(as.map((s, i) => s[key] / bs[i]![key]));
  const row: Row = {
    name,
    a: a.label,
    b: b.label,
    pairs: PAIRS,
    cpuMs: [of(as, 'cpuMs'), of(bs, 'cpuMs')],
    wallMs: [of(as, 'wallMs'), of(bs, 'wallMs')],
    rssMiB: [of(as, 'rssMiB'), of(bs, 'rssMiB')],
    cpuRatio: ratio('cpuMs'),
    wallRatio: ratio('wallMs'),
    rssRatio: ratio('rssMiB'),
  };
  printRow(row);
  return row;
}

function printRow(row: Row): void {
  const r = (s: Stat): string => `${s.median.toFixed(2)}× (${s.min.toFixed(2)}–${s.max.toFixed(2)})`;
  process.stdout.write(
    `${row.name}\n` +
      `  ${row.a}: cpu ${row.cpuMs[0].median.toFixed(0)} ms, wall ${row.wallMs[0].median.toFixed(0)} ms, peak ${row.rssMiB[0].median.toFixed(0)} MiB\n` +
      `  ${row.b}: cpu ${row.cpuMs[1].median.toFixed(0)} ms, wall ${row.wallMs[1].median.toFixed(0)} ms, peak ${row.rssMiB[1].median.toFixed(0)} MiB\n` +
      `  ${row.a} / ${row.b}, per pair: cpu ${r(row.cpuRatio)}, wall ${r(row.wallRatio)}, peak memory ${r(row.rssRatio)}\n`,
  );
}

/** `verifyHive` timed in-process (verify-child.js, CPU time) by the current and the baseline build, alternating; MB/s of each. */
function compareVerifyInProcess(hive: string, baselineDir: string): Record<string, unknown> {
  const child = join(HERE, 'verify-child.js');
  const baselineModule = join(baselineDir, 'packages/hive/dist/index.js');
  const times: [number[], number[]] = [[], []];
  let bytes = 0;
  for (let pair = 0; pair <= PAIRS; pair++) {
    for (const side of pair % 2 === 0 ? [0, 1] : [1, 0]) {
      const result = spawnSync(process.execPath, side === 0 ? [child, hive] : [child, hive, baselineModule], { encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`verify benchmark failed: ${result.stderr}`);
      const report = JSON.parse(result.stdout) as { cpuMs: number; bytes: number };
      bytes = report.bytes;
      if (pair > 0) times[side]!.push(report.cpuMs);
    }
  }
  const [a, b] = [stat(times[0]), stat(times[1])];
  const ratio = stat(times[0].map((t, i) => t / times[1][i]!));
  const mbs = (ms: number): number => bytes / 1e6 / (ms / 1000);
  process.stdout.write(
    `verifyHive in-process (after reading the file; CPU time of the call)\n  current: ${a.median.toFixed(1)} ms = ${mbs(a.median).toFixed(0)} MB/s; baseline: ${b.median.toFixed(1)} ms = ${mbs(b.median).toFixed(0)} MB/s; current / baseline per pair ${ratio.median.toFixed(2)}× (${ratio.min.toFixed(2)}–${ratio.max.toFixed(2)})\n`,
  );
  return { currentMs: a, baselineMs: b, ratio, currentMBps: mbs(a.median), baselineMBps: mbs(b.median) };
}

/**
 * Every read-side row of docs/PERFORMANCE.md, current against the baseline, on the
 * generator's hive and on `projectHive` (the project's 64 MiB benchmark hive).
 */
export function compareWithBaseline(projectHive: string | undefined): Record<string, unknown> {
  mkdirSync(OUT, { recursive: true });
  const current = join(REPO, 'packages/cli/bin/hivetool.js');
  const baseline = baselineBuild();
  const results: Record<string, unknown> = { baseline: BASELINE_COMMIT, pairs: PAIRS };
  process.stdout.write(`\nside by side with ${BASELINE_COMMIT} (${baseline.dir}): ${PAIRS} alternating pairs per row after one warm-up pair; medians\n\n`);
  // BENCH_HIVES=generator or =project: one of the two (a shorter sitting).
  const which = process.env['BENCH_HIVES'] ?? 'both';
  const hives: Array<[string, string]> = [];
  const generated = which === 'project' ? undefined : generatorHive();
  if (generated !== undefined) hives.push(['gen_hive.py 240 000 keys', generated]);
  if (projectHive !== undefined && which !== 'generator') hives.push(['project 64 MiB', projectHive]);
  for (const [label, hive] of hives) {
    const rows: Row[] = [];
    const cur = (args: string[]): { label: string; bin: string; args: string[] } => ({ label: 'current', bin: current, args });
    const base = (args: string[]): { label: string; bin: string; args: string[] } => ({ label: BASELINE_COMMIT, bin: baseline.bin, args });
    rows.push(comparePair(`dump -f reg, ${label}`, cur(['dump', hive, '-o', '/dev/null']), base(['dump', hive, '-o', '/dev/null'])));
    rows.push(comparePair(`verify, ${label}`, cur(['verify', hive]), base(['verify', hive])));
    rows.push(comparePair(`info, ${label}`, cur(['info', hive]), base(['info', hive])));
    rows.push(comparePair(`dump -f json against dump -f reg (current), ${label}`, { label: 'json', bin: current, args: ['dump', '-f', 'json', hive, '-o', '/dev/null'] }, { label: 'reg', bin: current, args: ['dump', hive, '-o', '/dev/null'] }));
    const reg = regOf(hive, current);
    rows.push(comparePair(`build of the .reg dump, ${label}`, cur(['build', reg, '-o', join(OUT, 'compare-built-current.hv')]), base(['build', reg, '-o', join(OUT, 'compare-built-baseline.hv')])));
    const inProcess = compareVerifyInProcess(hive, baseline.dir);
    process.stdout.write('\n');
    results[label] = { hive, rows, verifyInProcess: inProcess };
  }
  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { benchHive } = await import('./hives.js');
  const results = compareWithBaseline(benchHive(64).file);
  writeFileSync(join(OUT, 'compare-results.json'), JSON.stringify({ date: new Date().toISOString(), ...results }, null, 2) + '\n');
}
