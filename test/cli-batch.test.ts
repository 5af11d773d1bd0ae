import { describe, expect, test, beforeAll, afterAll } from '@jest/globals';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT, runCli, runCliProcess } from '@hivetool/test-support';

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
    const threaded = runCliProcess(['verify', '-r', '--jobs', '3', fleet]);
    expect(threaded.stdout).toBe(single.stdout);
    expect(threaded.status).toBe(1);
    const files = threaded.stdout.split('\n').filter((line) => line.startsWith(fleet)).map((line) => line.slice(fleet.length + 1).split(':')[0]);
    expect(files).toEqual(['site-a/unit-0.hv', 'site-a/unit-1.hv', 'site-a/unit-2.hv', 'site-b/row-1/unit-0.hv', 'site-b/row-1/unit-1.hv', 'site-b/row-1/unit-2.hv', 'site-b/row-1/unit-3.hv', 'site-b/row-1/unit-9.hv']);
    expect(threaded.stdout).toMatch(/unit-9\.hv[\s\S]*LINK_TO_MISSING_SECTION/);
    expect(threaded.stderr).toBe('hivetool: 8 files: 7 clean, 1 with errors, 0 could not be read\n');
  });

  test('info --jobs gives the same JSON as one thread; globs are expanded', () => {
    const one = JSON.parse(runCli(['info', '--json', '-r', fleet]).stdout) as { hives: Array<{ file: string; problems: string[] }> };
    const many = JSON.parse(runCliProcess(['info', '--json', '-r', '-j', '4', fleet]).stdout) as { hives: Array<{ file: string; problems: string[] }> };
    expect(many).toEqual(one);
    // unit-9's broken root link is skipped by the walk: described as far as it can be read,
    // the record skipped reported.
    expect(one.hives).toHaveLength(8);
    expect(one.hives.map((hive) => hive.problems.length)).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(one.hives[7]!.problems[0]).toMatch(/^damaged hive: 1 damaged record\(s\) or link\(s\) skipped, .*\[LINK_TO_MISSING_SECTION\]; what was shown is what is intact/);
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
    // The broken root link is skipped (docs/verify.md, "skip the record"): the file still fails.
    expect(result.stderr).toMatch(/unit-9\.hv: damaged hive: 1 damaged record\(s\) or link\(s\) skipped, .*\[LINK_TO_MISSING_SECTION\]; what was shown is what is intact.*\nhivetool: 8 files: 7 dumped, 1 failed\n$/);
  });

  test('dump --jobs: each format byte for byte as on one thread, stderr and exit code too', () => {
    const notHive = join(fleet, 'site-a', 'notes.txt');
    for (const format of ['reg', 'json', 'raw']) {
      // A file that cannot be opened first, so the first part written is not the first file's.
      const args = ['dump', '-f', format, notHive, '-r', fleet];
      const single = runCli(args);
      const threaded = runCliProcess([...args, '--jobs', '3']);
      expect(threaded.status).toBe(2);
      expect(threaded.stdout).toBe(single.stdout);
      expect(threaded.stderr).toBe(single.stderr);
      // The raw heap listing does not follow the broken link; the tree formats skip it and fail.
      expect(threaded.stderr).toMatch(
        format === 'raw' ? /notes\.txt: .*\nhivetool: 9 files: 8 dumped, 1 failed\n$/ : /notes\.txt: .*\n[\s\S]*unit-9\.hv: damaged hive: 1 damaged record\(s\) or link\(s\) skipped, .*\[LINK_TO_MISSING_SECTION\]; what was shown is what is intact.*\nhivetool: 9 files: 7 dumped, 2 failed\n$/,
      );
    }
    // The file that is not a hive keeps its place, with its error, as in verify --json.
    const hives = (JSON.parse(runCliProcess(['dump', '-f', 'json', '-j', '2', notHive, join(fleet, 'site-a', '*.hv')]).stdout) as { hives: Array<{ file: string; error?: string }> }).hives;
    expect(hives.map((hive) => hive.error === undefined)).toEqual([false, true, true, true]);
    expect(hives[0]!.file).toBe(notHive);
  });

  test('dump --jobs -o writes the file only when every part succeeded, and leaves no temporary parts', () => {
    const out = join(fleet, 'all.reg');
    const good = runCliProcess(['dump', '-j', '2', '-o', out, join(fleet, 'site-a', '*.hv')]);
    expect(good.status).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(runCli(['dump', join(fleet, 'site-a', '*.hv')]).stdout);
    rmSync(out);
    const bad = runCliProcess(['dump', '-j', '2', '-o', out, '-r', join(fleet, 'site-b')]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/all\.reg: not written\n.*4 read \(not written\), 1 failed/);
    expect(() => readFileSync(out)).toThrow();
    // The parts rendered on the worker threads are gone (only dump --jobs makes these).
    expect(readdirSync(tmpdir()).filter((name) => name.startsWith('hivetool-dump-'))).toEqual([]);
  });

  test('dump --jobs without a usable temporary directory says so and what to do', () => {
    for (const format of ['reg', 'json']) {
      const result = runCliProcess(['dump', '-f', format, '-j', '2', '-r', join(fleet, 'site-a')], { env: { TMPDIR: join(fleet, 'nowhere') } });
      expect(result.status).toBe(2);
      expect(result.stdout).toBe(''); // not even the start of the JSON document
      expect(result.stderr).toBe(`hivetool: dump --jobs needs a temporary directory for the parts, and ${join(fleet, 'nowhere')} gave: no such file or directory; set TMPDIR, or leave out --jobs\n`);
    }
  });

  test('dump into a pipe whose reader stops early: exit 0, nothing on stderr, on one thread or several', () => {
    for (const jobs of ['1', '3']) {
      const script = `node ${JSON.stringify(join(REPO_ROOT, 'packages/cli/bin/hivetool.js'))} dump -j ${jobs} -r ${JSON.stringify(fleet)} | head -c 100 > /dev/null; echo "exit \${PIPESTATUS[0]}"`;
      const result = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
      expect(result.stdout).toBe('exit 0\n');
      expect(result.stderr).toBe('');
    }
    expect(readdirSync(tmpdir()).filter((name) => name.startsWith('hivetool-dump-'))).toEqual([]);
  });
});
