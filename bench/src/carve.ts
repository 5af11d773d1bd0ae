/**
 * `npm run bench:carve`: `hivetool carve` on a 4 GiB sparse image holding a few hives
 * (holes read as zeros, so the disk holds only the hives). Whole process, as a user runs
 * it: wall time from outside, peak RSS from the child itself. Scan speed = image bytes /
 * wall time (Node start-up included). Median of BENCH_RUNS runs (default 3) after one
 * warm-up; results to stdout and bench/out/carve-results.json.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdirSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { generateHive } from './generate.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = resolve(HERE, '../out');
const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const GiB = 1024 ** 3;
const SIZE = 4 * GiB;

function median(samples: number[]): { median: number; min: number; max: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return { median: sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

mkdirSync(OUT, { recursive: true });
const image = join(OUT, 'sparse-4gib.img');
const { bytes: hive } = generateHive(1024 * 1024);
// Hives near the start, across the 2 GiB and 4 GiB-window boundaries of the scan, and at the end.
const offsets = [0x1000, 2 * GiB - 0x800, 3 * GiB + 4, SIZE - hive.length];
const fd = openSync(image, 'w');
ftruncateSync(fd, SIZE);
for (const offset of offsets) writeSync(fd, hive, 0, hive.length, offset);
closeSync(fd);

const outDir = join(OUT, 'carved');
const walls: number[] = [];
const rss: number[] = [];
for (let run = 0; run <= RUNS; run++) {
  rmSync(outDir, { recursive: true, force: true });
  const start = performance.now();
  const result = spawnSync(process.execPath, [join(HERE, 'measure-child.js'), 'carve', image, '-o', outDir, '--json'], { stdio: ['ignore', 'pipe', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  const wall = performance.now() - start;
  if (result.status !== 0) throw new Error(`carve failed: ${result.stderr?.toString() ?? ''}`);
  const found = (JSON.parse(result.stdout.toString()) as { images: Array<{ found: Array<{ offset: number; status: string }> }> }).images[0]!.found;
  if (JSON.stringify(found.map((entry) => [entry.offset, entry.status])) !== JSON.stringify(offsets.map((offset) => [offset, 'hive']))) throw new Error(`carve found ${JSON.stringify(found)}`);
  const report = JSON.parse(result.output[3]!.toString()) as { maxRssKiB: number };
  if (run === 0) continue;
  walls.push(wall);
  rss.push(report.maxRssKiB / 1024);
}
const wall = median(walls);
const results = {
  machine: { cpus: cpus().length, model: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / GiB), node: process.version },
  runs: RUNS,
  imageBytes: SIZE,
  hives: offsets.length,
  wallMs: wall,
  mbPerSecond: { median: SIZE / 1e6 / (wall.median / 1000), min: SIZE / 1e6 / (wall.max / 1000), max: SIZE / 1e6 / (wall.min / 1000) },
  rssMiB: median(rss),
};
writeFileSync(join(OUT, 'carve-results.json'), JSON.stringify(results, null, 2));
rmSync(image, { force: true });
rmSync(outDir, { recursive: true, force: true });
process.stdout.write(
  `carve, 4 GiB sparse image, ${offsets.length} hives of ${hive.length} bytes: wall ${wall.median.toFixed(0)} ms (${wall.min.toFixed(0)}–${wall.max.toFixed(0)}), ` +
    `${results.mbPerSecond.median.toFixed(0)} MB/s (${results.mbPerSecond.min.toFixed(0)}–${results.mbPerSecond.max.toFixed(0)}), peak RSS ${results.rssMiB.median.toFixed(0)} MiB (${results.rssMiB.min.toFixed(0)}–${results.rssMiB.max.toFixed(0)})\n`,
);
