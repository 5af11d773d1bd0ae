/**
 * `npm run bench:tables [HIVE]`: a hive dumped as a table (CSV, Parquet) against its .reg
 * dump, each into a file, as whole processes. The machine is shared and noisy, so the runs
 * alternate (reg, csv, reg, parquet, …: each pair sees the same load) and the medians of
 * the pairs' ratios are reported, of CPU time (user + system: what the work costs, less
 * swayed by other processes than wall time) and of wall time, with peak RSS. Without HIVE, the 64 MB hive of
 * docs/PERFORMANCE.md is generated into bench/out (python3 and the shared gen_hive.py).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { RUNS, stat } from './measure.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = resolve(HERE, '../out');
const CHILD = join(HERE, 'measure-child.js');

function defaultHive(): string {
  const file = join(OUT, 'gen-64mb-seed7.hv');
  if (existsSync(file)) return file;
  const tool = resolve(HERE, '../../../shared/tools/gen_hive.py');
  const result = spawnSync('python3', [tool, file, '--keys', '240000', '--seed', '7'], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`${tool} failed: pass a hive as the argument instead`);
  return file;
}

/** One run of `hivetool dump -f FORMAT -o OUT HIVE`: wall ms, CPU ms (user + system) and peak RSS (MiB). */
function once(format: string, hive: string): { ms: number; cpuMs: number; rssMiB: number } {
  const output = join(OUT, `table-bench.${format}`);
  const start = performance.now();
  const result = spawnSync(process.execPath, [CHILD, 'dump', '-f', format, '-o', output, hive], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  const ms = performance.now() - start;
  rmSync(output, { force: true });
  if (result.status !== 0) throw new Error(`dump -f ${format} failed: ${result.stderr?.toString() ?? ''}`);
  const report = JSON.parse(result.output[3]!.toString()) as { maxRssKiB: number; cpuMs: number };
  return { ms, cpuMs: report.cpuMs, rssMiB: report.maxRssKiB / 1024 };
}

mkdirSync(OUT, { recursive: true });
const hive = process.argv[2] ?? defaultHive();
const pairs = Math.max(1, Math.min(RUNS, 5));
for (const format of ['csv', 'parquet']) {
  once('reg', hive); // warm-up: file cache, compiled code cache
  const reg: number[] = [];
  const table: number[] = [];
  const ratios: number[] = [];
  const regCpu: number[] = [];
  const tableCpu: number[] = [];
  const cpuRatios: number[] = [];
  const rss: number[] = [];
  const regRss: number[] = [];
  for (let i = 0; i < pairs; i++) {
    const a = once('reg', hive);
    const b = once(format, hive);
    reg.push(a.ms);
    regRss.push(a.rssMiB);
    table.push(b.ms);
    rss.push(b.rssMiB);
    ratios.push(b.ms / a.ms);
    regCpu.push(a.cpuMs);
    tableCpu.push(b.cpuMs);
    cpuRatios.push(b.cpuMs / a.cpuMs);
  }
  const line = (name: string, ms: number[], mib: number[]): string => `${name.padEnd(8)} median ${(stat(ms).median / 1000).toFixed(2)} s (${(stat(ms).min / 1000).toFixed(2)}–${(stat(ms).max / 1000).toFixed(2)}), peak RSS median ${stat(mib).median.toFixed(0)} MiB`;
  const cpu = (name: string, ms: number[]): string => `${name.padEnd(8)} CPU median ${(stat(ms).median / 1000).toFixed(2)} s (${(stat(ms).min / 1000).toFixed(2)}–${(stat(ms).max / 1000).toFixed(2)})`;
  process.stdout.write(`${line('reg', reg, regRss)}\n${line(format, table, rss)}\n${format}/reg   median of ${pairs} pair ratios, wall: ${stat(ratios).median.toFixed(2)}×\n`);
  process.stdout.write(`${cpu('reg', regCpu)}\n${cpu(format, tableCpu)}\n${format}/reg   median of ${pairs} pair ratios, CPU: ${stat(cpuRatios).median.toFixed(2)}×\n`);
}
