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

  it('refuses an unknown target with its usage and exit code 2', () => {
    const result = runNode(join(REPO_ROOT, 'tools/dist/fuzz.js'), ['--target', 'nonsense']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^usage: npm run fuzz -- \[--minutes N\] \[--target hive\|verify\|reg\|image\|stream\|calls\|store\]/);
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
