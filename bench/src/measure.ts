/**
 * How the benchmarks measure: a command of the built CLI timed as a whole process, its
 * samples summarised as median, minimum and maximum (medians are what the docs quote).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const HERE = dirname(fileURLToPath(import.meta.url));
/** Counted runs of each measurement (after one warm-up). */
export const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);

export interface Stat {
  median: number;
  min: number;
  max: number;
}

export function stat(samples: number[]): Stat {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

/**
 * Runs `hivetool args` in a child process with stdout to /dev/null, RUNS times after a
 * warm-up (file cache, compiled code cache); wall ms and peak RSS. An exit status outside
 * `accepted` fails the benchmark.
 */
export function timeCommand(args: string[], accepted: readonly number[] = [0]): { wallMs: Stat; rssMiB: Stat } {
  const child = join(HERE, 'measure-child.js');
  const walls: number[] = [];
  const rss: number[] = [];
  for (let run = 0; run <= RUNS; run++) {
    const devNull = openSync('/dev/null', 'w');
    const start = performance.now();
    const result = spawnSync(process.execPath, [child, ...args], { stdio: ['ignore', devNull, 'pipe', 'pipe'] });
    const wall = performance.now() - start;
    closeSync(devNull);
    if (result.status === null || !accepted.includes(result.status)) throw new Error(`hivetool ${args.join(' ')} failed: ${result.stderr?.toString() ?? ''}`);
    const report = JSON.parse(result.output[3]!.toString()) as { maxRssKiB: number };
    if (run === 0) continue;
    walls.push(wall);
    rss.push(report.maxRssKiB / 1024);
  }
  return { wallMs: stat(walls), rssMiB: stat(rss) };
}
