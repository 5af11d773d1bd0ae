/**
 * Commands agree with each other: image dump has dump's -r and --content-only; JSON lists
 * files that failed as verify does; an absent root is a missing key; options that would be
 * ignored are refused; the --max-output advice names only the command's own options.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { REPO_ROOT, runCli, runCliProcess } from '@hivetool/test-support';
import { scratchDirectory } from '@hivetool/test-support/scratch';

const scratch = scratchDirectory('hivetool-consistency-');
const SAMPLE = 'samples/device.hv';
const validateDump = new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(join(REPO_ROOT, 'docs/schemas/dump.schema.json'), 'utf8')) as object);
let images = '';

beforeAll(() => {
  images = join(scratch.path, 'images');
  mkdirSync(join(images, 'site'), { recursive: true });
  expect(runCli(['image', 'pack', SAMPLE, '-o', join(images, 'site', 'a.fdf')]).status).toBe(0);
  expect(runCli(['image', 'pack', 'samples/multi-section.hv', '-o', join(images, 'b.fdf')]).status).toBe(0);
  copyFileSync(join(REPO_ROOT, SAMPLE), join(images, 'not-an-image.hv'));
});

describe('image dump has dump\'s -r and --content-only', () => {
  test('-r: a directory stands for the registry images under it, in name order; hives there are passed over', () => {
    const result = runCli(['image', 'dump', '-r', images]);
    expect(result.status).toBe(0);
    expect(result.stdout.match(/^; .*: image$/gm)).toEqual([`; ${join(images, 'b.fdf')}: image`, `; ${join(images, 'site', 'a.fdf')}: image`]);
    expect(runCli(['image', 'dump', images]).stderr).toMatch(/is a directory: add --recursive/);
  });

  test('--content-only: no file, ids, offsets or sources; valid by the schema; records otherwise from source "image"', () => {
    const full = JSON.parse(runCli(['image', 'dump', '-f', 'json', join(images, 'site', 'a.fdf')]).stdout) as { hives: Array<{ keys: Array<{ source: string; values: Array<{ source: string }> }> }> };
    expect(validateDump(full)).toBe(true);
    const sources = new Set(full.hives[0]!.keys.flatMap((key) => [key.source, ...key.values.map((value) => value.source)]));
    expect([...sources]).toEqual(['image']);
    // The schema and its guide name that source.
    expect(readFileSync(join(REPO_ROOT, 'docs/json-schema.md'), 'utf8')).toMatch(/`image`, the registry image/);
    expect(readFileSync(join(REPO_ROOT, 'docs/schemas/dump.schema.json'), 'utf8')).toMatch(/image \(the registry image, with image dump\)/);
    const result = runCli(['image', 'dump', '-f', 'json', '--content-only', join(images, 'site', 'a.fdf')]);
    expect(result.status).toBe(0);
    const document = JSON.parse(result.stdout) as unknown;
    expect(validateDump(document)).toBe(true);
    expect(result.stdout).not.toMatch(/"(file|offset|id|source|fileLength)":/);
    expect(result.stdout).toContain('"kind":"image"');
  });

  test('--content-only with .reg text or raw records is refused, not ignored', () => {
    for (const args of [['dump', '--content-only', SAMPLE], ['dump', '-f', 'raw', '--content-only', SAMPLE], ['image', 'dump', '--content-only', join(images, 'b.fdf')]]) {
      const result = runCli(args);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/^hivetool: --content-only applies to --format json, not (reg|raw)\n$/);
    }
  });
});

describe('files that failed are in the JSON, as in verify --json', () => {
  test('dump -f json and info --json list {file, error} in the failed file\'s place', () => {
    const missing = join(scratch.path, 'missing.hv');
    const dump = runCli(['dump', '-f', 'json', missing, SAMPLE]);
    expect(dump.status).toBe(2);
    const document = JSON.parse(dump.stdout) as { hives: Array<{ file: string; error?: string }> };
    expect(validateDump(document)).toBe(true);
    expect(document.hives.map((hive) => [hive.file, hive.error])).toEqual([
      [missing, 'no such file or directory'],
      [SAMPLE, undefined],
    ]);
    const jobs = JSON.parse(runCliProcess(['dump', '-f', 'json', '-j', '2', SAMPLE, missing]).stdout) as { hives: Array<{ file: string; error?: string }> };
    expect(jobs.hives.map((hive) => hive.error)).toEqual([undefined, 'no such file or directory']);
    const info = runCli(['info', '--json', SAMPLE, missing]);
    expect(info.status).toBe(2);
    const infos = JSON.parse(info.stdout) as { hives: Array<{ file: string; error?: string; kind?: string }> };
    expect(infos.hives).toEqual([expect.objectContaining({ file: SAMPLE, kind: 'rom' }), { file: missing, error: 'no such file or directory' }]);
    const verify = JSON.parse(runCli(['verify', '--json', SAMPLE, missing]).stdout) as { hives: Array<{ file: string; error?: string }> };
    expect(verify.hives[1]).toEqual({ file: missing, error: 'no such file or directory' });
  });
});

describe('a root with no keys is a missing key', () => {
  test('-k HKU on a hive without HKEY_USERS: exit 2, like a missing subkey', () => {
    const root = runCli(['dump', '-k', 'HKU', SAMPLE]);
    expect(root.status).toBe(2);
    expect(root.stdout).toBe('');
    expect(root.stderr).toBe(`hivetool: ${SAMPLE}: key not found: HKU (this file has no HKEY_USERS root)\n`);
    const sub = runCli(['dump', '-k', 'HKU\\x', SAMPLE]);
    expect(sub.status).toBe(2);
    expect(runCli(['image', 'dump', '-k', 'HKU', join(images, 'b.fdf')]).status).toBe(2);
    expect(runCli(['dump', '-k', 'HKCU', SAMPLE]).status).toBe(0);
  });
});

describe('--max-output advice names only the command\'s options', () => {
  test.each([
    [['dump', SAMPLE], '; narrow it with --key, or raise the limit with --max-output'],
    [['dump', '-k', 'HKLM', SAMPLE], '; raise the limit with --max-output'],
    [['diff', SAMPLE, 'samples/multi-section.hv'], '; raise the limit with --max-output'],
    [['info', SAMPLE], '; raise the limit with --max-output'],
    [['verify', SAMPLE], '; raise the limit with --max-output'],
  ])('%j', (args, advice) => {
    const result = runCli([...args, '--max-output', '100']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/the output passed 100 bytes \(--max-output\)/);
    expect(result.stderr.split('\n')[0]!.endsWith(advice)).toBe(true);
  });
});
