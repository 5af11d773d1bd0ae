import { describe, expect, test, beforeAll, afterAll } from '@jest/globals';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, runCli } from '@hivetool/test-support';

let fleet: string;
beforeAll(() => {
  fleet = mkdtempSync(join(tmpdir(), 'hivetool-fleet-'));
  for (const [dir, count] of [['site-a', 3], ['site-b/row-1', 4]] as const) {
    mkdirSync(join(fleet, dir), { recursive: true });
    for (let i = 0; i < count; i++) copyFileSync(join(REPO_ROOT, i % 2 === 0 ? 'samples/device.hv' : 'samples/multi-section.hv'), join(fleet, dir, `unit-${i}.hv`));
  }
  writeFileSync(join(fleet, 'site-a', 'notes.txt'), 'not a hive');
  const broken = new Uint8Array(readFileSync(join(REPO_ROOT, 'samples/device.hv')));
  new DataView(broken.buffer).setUint32(0x6010 + 12 + 8, 0x2000ffff, true); // HKLM points into a section the file does not have
  writeFileSync(join(fleet, 'site-b', 'row-1', 'unit-9.hv'), broken);
});
afterAll(() => {
  rmSync(fleet, { recursive: true, force: true });
});

describe('many files in one run', () => {
  test('verify -r over a directory tree, on worker threads: every hive, in order, one summary', () => {
    const single = runCli(['verify', '-r', fleet]);
    const threaded = runCli(['verify', '-r', '--jobs', '3', fleet]);
    expect(threaded.stdout).toBe(single.stdout);
    expect(threaded.status).toBe(1);
    const files = threaded.stdout.split('\n').filter((line) => line.startsWith(fleet)).map((line) => line.slice(fleet.length + 1).split(':')[0]);
    expect(files).toEqual(['site-a/unit-0.hv', 'site-a/unit-1.hv', 'site-a/unit-2.hv', 'site-b/row-1/unit-0.hv', 'site-b/row-1/unit-1.hv', 'site-b/row-1/unit-2.hv', 'site-b/row-1/unit-3.hv', 'site-b/row-1/unit-9.hv']);
    expect(threaded.stdout).toMatch(/unit-9\.hv[\s\S]*LINK_TO_MISSING_SECTION/);
    expect(threaded.stderr).toBe('hivetool: 8 files: 7 clean, 1 with errors, 0 could not be read\n');
  });

  test('info --jobs gives the same JSON as one thread; globs are expanded', () => {
    const one = JSON.parse(runCli(['info', '--json', '-r', fleet]).stdout) as { hives: Array<{ file: string }> };
    const many = JSON.parse(runCli(['info', '--json', '-r', '-j', '4', fleet]).stdout) as { hives: Array<{ file: string }> };
    expect(many).toEqual(one);
    expect(one.hives).toHaveLength(7); // unit-9 cannot be walked: reported, the rest described
    const globbed = runCli(['info', join(fleet, 'site-a', '*.hv')]);
    expect(globbed.status).toBe(0);
    expect(globbed.stderr).toBe('hivetool: 3 files: 3 described, 0 could not be read\n');
    expect(runCli(['info', join(fleet, 'nowhere', '*.hv')]).stderr).toMatch(/no file matches/);
  });

  test('dump -r: one .reg text for all, the bad file reported, the rest dumped', () => {
    const result = runCli(['dump', '-r', fleet]);
    expect(result.status).toBe(2);
    expect(result.stdout.match(/^REGEDIT4$/gm)).toHaveLength(1);
    expect(result.stdout.match(/^; .*unit-\d\.hv: rom hive/gm)).toHaveLength(8);
    expect(result.stderr).toMatch(/unit-9\.hv: not a valid hive: .*\[SECTION_MISSING\]\nhivetool: 8 files: 7 dumped, 1 failed\n$/);
  });
});
