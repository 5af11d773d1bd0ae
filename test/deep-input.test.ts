/**
 * Deep and long input: a 100 000-deep key chain and a 1 000 000-long sibling chain are
 * walked, verified and dumped with no stack overflow (every walk is iterative), within
 * the limits: nesting past --max-depth and output past --max-output end in clean errors.
 */
import { describe, expect, test, beforeAll, afterAll } from '@jest/globals';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeHive, openHive, verifyHive, walkTree, type TreeKey } from '@hivetool/hive';
import { walkHeap } from '@hivetool/hive/layout';
import { recoverDeleted } from '@hivetool/forensics';
import { HIVETOOL_BIN, runCli } from '@hivetool/test-support';
import { spawnSync } from 'node:child_process';

let scratch: string;
let deepFile: string;
let longFile: string;
const DEPTH = 100_000;
const LENGTH = 1_000_000;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'hivetool-deep-'));
  let key: TreeKey = { name: 'leaf', values: [{ name: 'v', type: 4, data: Uint8Array.of(1, 0, 0, 0) }] };
  for (let level = 1; level < DEPTH; level++) key = { name: 'k', subkeys: [key] };
  deepFile = join(scratch, 'deep.hv');
  writeFileSync(deepFile, encodeHive({ roots: { 2: [key] } }, { maxDepth: DEPTH }));
  const keys: TreeKey[] = [];
  for (let i = 0; i < LENGTH; i++) keys.push({ name: `k${i}` });
  longFile = join(scratch, 'long.hv');
  writeFileSync(longFile, encodeHive({ roots: { 2: keys } }));
}, 120_000);

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe(`a ${DEPTH}-deep key chain`, () => {
  test('all of it deleted: recoverDeleted finds every key without exhausting the stack', () => {
    const bytes = new Uint8Array(readFileSync(deepFile));
    const hive = openHive(bytes, { limits: { maxDepth: DEPTH } });
    // Free every key block in place (header size | 1): stale keys whose child links form the chain.
    walkHeap(bytes, hive.view, (block) => {
      if (!block.free && block.type === 0xc) hive.view.setUint32(block.offset, block.size | 1, true);
    });
    const records = recoverDeleted(hive);
    expect(records.filter((record) => record.kind === 'key')).toHaveLength(DEPTH);
    // Paths built from stale keys keep at most 256 names; above them the path is `?`.
    const leaf = records.find((record) => record.name === 'leaf')!;
    expect(leaf.parentPath).toMatch(/^\?(\\k){1,256}$/);
    expect(Math.max(...records.map((record) => record.parentPath?.length ?? 0))).toBeLessThanOrEqual('HKEY_LOCAL_MACHINE'.length + 2 * 256);
  });

  test('walks and verifies with the depth limit raised', () => {
    const bytes = new Uint8Array(readFileSync(deepFile));
    let keys = 0;
    let deepest = 0;
    const hive = openHive(bytes, { limits: { maxDepth: DEPTH } });
    walkTree(hive.root(2), 'HKLM', { key: (_key, _path, depth) => { keys++; deepest = Math.max(deepest, depth); } });
    expect(keys).toBe(DEPTH);
    expect(deepest).toBe(DEPTH);
    const report = verifyHive(bytes, { maxDepth: DEPTH });
    expect(report.findings).toEqual([]);
    expect(report.counts.reachableKeys).toBe(DEPTH);
  });

  test('the command line: verify and raw dump succeed; deeper than the limit, or more output than allowed, is a clean error', () => {
    const verify = runCli(['verify', '--max-depth', String(DEPTH), deepFile]);
    expect(verify.status).toBe(0);
    expect(verify.stdout).toContain(`(${DEPTH} keys and 1 values reachable)`);
    const raw = runCli(['dump', '-f', 'raw', '-k', 'HKLM', '--max-depth', String(DEPTH), deepFile]);
    expect(raw.status).toBe(0);
    expect(raw.stdout.split('\n').filter((line) => / key /.test(line))).toHaveLength(DEPTH);
    const limited = runCli(['verify', deepFile]);
    expect(limited.status).toBe(1);
    expect(limited.stdout).toContain('DEPTH_LIMIT');
    const tooDeep = runCli(['dump', deepFile]);
    expect(tooDeep.status).toBe(2);
    expect(tooDeep.stderr).toMatch(/key nesting deeper than maxDepth .*\[DEPTH_LIMIT\]/);
    // Every line repeats its parents' path: the .reg text would be ~10 GB.
    const capped = runCli(['dump', '--max-depth', String(DEPTH), '--max-output', String(64 * 1024 * 1024), deepFile]);
    expect(capped.status).toBe(2);
    expect(capped.stderr).toMatch(/the output passed 67108864 bytes \(--max-output\); narrow it with --key, or raise the limit with --max-output$/m);
    expect(capped.stderr).not.toMatch(/RangeError|stack/i);
  });

  test('without --max-output, the cap is proportionate to the input: 64 MiB + 16 bytes per byte read', () => {
    const size = readFileSync(deepFile).length;
    const cap = 64 * 1024 * 1024 + 16 * size;
    for (const format of ['reg', 'json']) {
      const result = runCli(['dump', '-f', format, '--max-depth', String(DEPTH), '-o', '/dev/null', deepFile]);
      expect(result.status).toBe(2);
      expect(result.stderr).toBe(
        `hivetool: ${deepFile}: the output passed ${cap} bytes (the default --max-output for this input: 64 MiB + 16 bytes per byte read); narrow it with --key, or raise the limit with --max-output\n` +
          'hivetool: /dev/null: incomplete: a device or FIFO is written as the dump goes\n',
      );
    }
    // Standard input redirected from the file counts by the file's size.
    const redirected = spawnSync(process.execPath, [HIVETOOL_BIN, 'dump', '--max-depth', String(DEPTH), '-o', '/dev/null', '-'], { stdio: [openSync(deepFile, 'r'), 'pipe', 'pipe'], encoding: 'utf8' });
    expect(redirected.status).toBe(2);
    expect(redirected.stderr).toMatch(new RegExp(`^hivetool: <stdin>: the output passed ${cap} bytes \\(the default --max-output for this input`));
    // The advice names only options the command has.
    const keyed = runCli(['dump', '-k', 'HKLM', '--max-depth', String(DEPTH), '-o', '/dev/null', deepFile]);
    expect(keyed.stderr).toMatch(/bytes per byte read\); raise the limit with --max-output\n/);
  });
});

describe(`a ${LENGTH}-long sibling chain`, () => {
  test('dumps and verifies', () => {
    const verify = runCli(['verify', longFile]);
    expect(verify.status).toBe(0);
    expect(verify.stdout).toContain(`${LENGTH} keys, 0 values (${LENGTH} keys and 0 values reachable)`);
    const dump = runCli(['dump', longFile]);
    expect(dump.status).toBe(0);
    expect(dump.stdout.split('\n').filter((line) => line.startsWith('['))).toHaveLength(LENGTH);
    // The lazy lookup walks the chain too: the last key is found.
    expect(openHive(new Uint8Array(readFileSync(longFile))).key(`HKLM\\k${LENGTH - 1}`)?.name).toBe(`k${LENGTH - 1}`);
  });
});
