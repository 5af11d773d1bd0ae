/**
 * `npm run bench:fal`: `hivetool carve --fal` and `hivetool media --fal` over a DENSE NAND
 * dump of 1 GiB of page data (2048+64 pages, 64 per block, samsung-lb spare layout) made by
 * the test generator (`NandSimulator`): every page written — mapped, stale (rewritten) or,
 * in the last blocks, erased 0xFF — and the file written out whole (no holes: a sparse
 * file's holes would read as bad blocks, not as pages). Whole process, as a user runs it:
 * wall time from outside, CPU time (user + sys) and peak RSS from `/usr/bin/time -v`. Speed =
 * dump bytes / wall time and dump bytes / CPU time (Node start-up included); on a shared,
 * loaded machine the CPU-time figure is the steadier one. Median of BENCH_RUNS runs (default 3) after one warm-up;
 * results to stdout and bench/out/fal-results.json. `BENCH_FAL_MIB` sets the data size;
 * `BENCH_FAL_KEEP=1` keeps the dump in bench/out (to profile a command on it).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { NandSimulator } from '@hivetool/test-support';

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = resolve(HERE, '../out');
const BIN = resolve(HERE, '../../packages/cli/bin/hivetool.js');
const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const MIB = Number(process.env['BENCH_FAL_MIB'] ?? 1024);
const PAGE = 2048;
const SPARE = 64;
const PER_BLOCK = 64;

function median(samples: number[]): { median: number; min: number; max: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return { median: sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

mkdirSync(OUT, { recursive: true });
const image = join(OUT, `dense-nand-${MIB}mib.bin`);
const pages = (MIB * 1024 * 1024) / PAGE;
const blocks = pages / PER_BLOCK;
// 85 % of the pages hold a logical sector once, 10 % are rewrites (the first copies go
// stale), the rest of the chip (two reserved blocks, one bad, the last blocks) stays erased.
const sectors = Math.floor(pages * 0.85);
const rewrites = Math.floor(pages * 0.1);
const nand = new NandSimulator({ layout: 'samsung-lb', pageSize: PAGE, spareSize: SPARE, pagesPerBlock: PER_BLOCK, blocks, seed: 26, reservedBlocks: 2, badBlocks: 1, logicalSectors: sectors });
const data = new Uint8Array(PAGE);
for (let i = 0; i < PAGE; i++) data[i] = (i * 31) & 0xff;
for (let sector = 0; sector < sectors; sector++) {
  data[0] = sector & 0xff;
  data[1] = (sector >>> 8) & 0xff;
  nand.writeSector(sector, data);
}
for (let n = 0; n < rewrites; n++) nand.writeSector((n * 7919) % sectors, data);
const fd = openSync(image, 'w');
for (let at = 0; at < nand.image.length; at += 64 * 1024 * 1024) writeSync(fd, nand.image, at, Math.min(64 * 1024 * 1024, nand.image.length - at), at);
closeSync(fd);
const dumpBytes = nand.image.length;

/** One whole-process run: wall time, and the peak RSS `/usr/bin/time -v` reports (KiB). */
function measure(args: string[]): { wall: number; cpu: number; rssKiB: number } {
  const time = existsSync('/usr/bin/time');
  const start = performance.now();
  const result = time ? spawnSync('/usr/bin/time', ['-v', process.execPath, BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 * 1024 * 1024 }) : spawnSync(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  const wall = performance.now() - start;
  if (result.status === 2 || result.status === 70 || result.status === null) throw new Error(`hivetool ${args.join(' ')} failed: ${result.stderr?.toString() ?? ''}`);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(result.stderr?.toString() ?? '');
  const user = /User time \(seconds\): ([\d.]+)/.exec(result.stderr?.toString() ?? '');
  const sys = /System time \(seconds\): ([\d.]+)/.exec(result.stderr?.toString() ?? '');
  const cpu = user === null || sys === null ? NaN : (Number(user[1]) + Number(sys[1])) * 1000;
  return { wall, cpu, rssKiB: rss === null ? NaN : Number(rss[1]) };
}

const outDir = join(OUT, 'fal-carved');
const commands: Record<string, string[]> = {
  'carve --fal': ['carve', '--fal', '--page-size', String(PAGE), '--spare-size', String(SPARE), image, '-o', outDir, '--json'],
  'media --fal': ['media', '--fal', '--page-size', String(PAGE), '--spare-size', String(SPARE), '--no-rom-scan', image, '--json'],
};
const results: Record<string, unknown> = {
  machine: { cpus: cpus().length, model: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 1024 ** 3), node: process.version },
  runs: RUNS,
  dumpBytes,
  pages,
  counts: { logicalSectors: sectors, rewrites, written: sectors + rewrites },
};
for (const [name, args] of Object.entries(commands)) {
  const walls: number[] = [];
  const cpuTimes: number[] = [];
  const rss: number[] = [];
  for (let run = 0; run <= RUNS; run++) {
    rmSync(outDir, { recursive: true, force: true });
    const { wall, cpu, rssKiB } = measure(args);
    if (run === 0) continue;
    walls.push(wall);
    cpuTimes.push(cpu);
    rss.push(rssKiB / 1024);
  }
  const wall = median(walls);
  const cpu = median(cpuTimes);
  const entry = {
    wallMs: wall,
    cpuMs: cpu,
    mbPerSecond: { median: dumpBytes / 1e6 / (wall.median / 1000), min: dumpBytes / 1e6 / (wall.max / 1000), max: dumpBytes / 1e6 / (wall.min / 1000) },
    mbPerCpuSecond: { median: dumpBytes / 1e6 / (cpu.median / 1000), min: dumpBytes / 1e6 / (cpu.max / 1000), max: dumpBytes / 1e6 / (cpu.min / 1000) },
    rssMiB: median(rss),
  };
  results[name] = entry;
  process.stdout.write(`${name}, dense NAND dump of ${(dumpBytes / 1024 ** 2).toFixed(0)} MiB (${pages} pages of ${PAGE}+${SPARE}): wall ${wall.median.toFixed(0)} ms (${wall.min.toFixed(0)}–${wall.max.toFixed(0)}), ${entry.mbPerSecond.median.toFixed(0)} MB/s; CPU ${cpu.median.toFixed(0)} ms (${cpu.min.toFixed(0)}–${cpu.max.toFixed(0)}), ${entry.mbPerCpuSecond.median.toFixed(0)} MB/s of CPU time; peak RSS ${entry.rssMiB.median.toFixed(0)} MiB (${entry.rssMiB.min.toFixed(0)}–${entry.rssMiB.max.toFixed(0)})\n`);
}
writeFileSync(join(OUT, 'fal-results.json'), JSON.stringify(results, null, 2));
if (process.env['BENCH_FAL_KEEP'] !== '1') rmSync(image, { force: true });
rmSync(outDir, { recursive: true, force: true });
