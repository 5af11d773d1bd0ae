/**
 * The fuzzer and the benchmarks run as plain Node programs, outside jest: these tests run
 * them briefly so a change that only breaks them there (an import that needs jest's
 * globals, say) is caught by `npm test`.
 */
import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { REPO_ROOT, runNode } from '@hivetool/test-support';

describe('npm run fuzz', () => {
  it('fuzzes a decoder for the time given and reports executions and failures', () => {
    const result = runNode(join(REPO_ROOT, 'tools/dist/fuzz.js'), ['--minutes', '0.02', '--target', 'stream']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const line = /^stream +(\d+) executions in \d+ s \(\d+\/s\), 0 failure\(s\)$/m.exec(result.stdout);
    expect(line).not.toBeNull();
    expect(Number(line![1])).toBeGreaterThan(100);
  });

  it('reports the line coverage the first inputs of a run reach, growing with the inputs replayed', () => {
    const figures = (inputs: number): { covered: number; lines: number; reached: number } => {
      const result = runNode(join(REPO_ROOT, 'tools/dist/fuzz.js'), ['--coverage', String(inputs), '--target', 'stream']);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      const line = /^stream +(\d+)\/(\d+) lines \([\d.]+%\); in the functions called, \1\/(\d+) \([\d.]+%\): stream\.js [\d.]+%$/m.exec(result.stdout);
      expect(line).not.toBeNull();
      return { covered: Number(line![1]), lines: Number(line![2]), reached: Number(line![3]) };
    };
    const few = figures(50);
    const more = figures(2000);
    // The same module, more of it run by the longer replay (its inputs start with the 50).
    expect(more.lines).toBe(few.lines);
    expect(few.covered).toBeGreaterThan(0);
    expect(more.covered).toBeGreaterThan(few.covered);
    for (const { covered, reached, lines } of [few, more]) {
      expect(covered).toBeLessThanOrEqual(reached);
      expect(reached).toBeLessThan(lines); // the module holds the encoder too, which the decoder never calls
    }
  });

  it('refuses an unknown target with its usage and exit code 2', () => {
    const result = runNode(join(REPO_ROOT, 'tools/dist/fuzz.js'), ['--target', 'nonsense']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^usage: npm run fuzz -- \[--minutes N \| --coverage INPUTS\] \[--target hive\|verify\|reg\|image\|stream\|calls\|store\]/);
  });
});

describe('bench generator', () => {
  it('generates a hive of about the size asked for that hivetool reads back', async () => {
    const { generateHive } = (await import(join(REPO_ROOT, 'bench/dist/generate.js'))) as {
      generateHive(targetBytes: number): { bytes: Uint8Array; keys: number; values: number };
    };
    const { openHive, hiveStatistics } = await import('@hivetool/hive');
    const { bytes, keys, values } = generateHive(256 * 1024);
    expect(bytes.length).toBeGreaterThan(200 * 1024);
    expect(bytes.length).toBeLessThan(400 * 1024);
    const stats = hiveStatistics(openHive(bytes));
    expect(stats.reachable.keys).toBe(keys);
    expect(stats.reachable.values).toBe(values);
  });
});
