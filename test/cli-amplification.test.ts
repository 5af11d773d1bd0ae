/**
 * Work bounded by input: `oem split --chunk 1` encodes its millions of calls as they are
 * made, in memory proportionate to the stream, not to the number of calls.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeCallLog } from '@hivetool/image';
import { REPO_ROOT, runCli } from '@hivetool/test-support';
import { scratchDirectory } from '@hivetool/test-support/scratch';

const scratch = scratchDirectory('hivetool-amplification-');
let stream = '';

beforeAll(async () => {
  const { generateHive } = (await import(join(REPO_ROOT, 'bench/dist/generate.js'))) as { generateHive(targetBytes: number): { bytes: Uint8Array } };
  const hive = join(scratch.path, 'big.hv');
  writeFileSync(hive, generateHive(4 * 1024 * 1024).bytes);
  stream = join(scratch.path, 'big.oem');
  expect(runCli(['oem', 'pack', hive, '-o', stream]).status).toBe(0);
}, 60_000);

/** Runs hivetool in a child that reports its peak resident memory (KiB) on its last stderr line. */
function runMeasured(args: string[]): { status: number | null; stdout: string; maxRssKiB: number } {
  const script = `import { main } from ${JSON.stringify(join(REPO_ROOT, 'packages/cli/dist/main.js'))};
process.exitCode = await main(${JSON.stringify(args)});
process.stderr.write('maxRSS ' + process.resourceUsage().maxRSS + '\\n');`;
  // Through a shell that forks it: on Linux a process started directly by this one (fork,
  // then exec) reports at least this process's peak RSS as its own maxRSS.
  const result = spawnSync('/bin/sh', ['-c', '"$0" "$@"; exit $?', process.execPath, '--input-type=module', '-e', script], { cwd: REPO_ROOT, encoding: 'utf8' });
  const rss = /maxRSS (\d+)\n$/.exec(result.stderr);
  expect(rss).not.toBeNull();
  return { status: result.status, stdout: result.stdout, maxRssKiB: Number(rss![1]) };
}

describe('oem split --chunk 1', () => {
  test('one call per stream byte, in memory bounded by the stream size', () => {
    const size = statSync(stream).size;
    const log = join(scratch.path, 'calls.log');
    const result = runMeasured(['oem', 'split', stream, '--chunk', '1', '-o', log]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`${size + 1} WriteRegistryToOEM calls`);
    // Each call is 8 bytes of header and its one byte: the log is 9 bytes per stream byte.
    expect(statSync(log).size).toBe(16 + 9 * size + 8);
    expect(decodeCallLog(new Uint8Array(readFileSync(log)))).toHaveLength(size + 1);
    // Holding the calls as objects took over 100 bytes each (1.95 GB for a 10 MB stream);
    // encoded as made, the peak is the stream, the log and its growing buffer.
    expect(result.maxRssKiB * 1024).toBeLessThan(200 * 1024 * 1024 + 40 * size);
  });
});
