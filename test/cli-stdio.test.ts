/**
 * `-` is standard input for the files a command reads, and `-o -` standard output for
 * what it writes; where it cannot be, it is refused with a message, never dropped.
 */
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openHive, readTree } from '@hivetool/hive';
import { HIVETOOL_BIN, REPO_ROOT, runCli, runCliProcess } from '@hivetool/test-support';
import { scratchDirectory } from '@hivetool/test-support/scratch';

const scratch = scratchDirectory('hivetool-stdio-');
const SAMPLE = 'samples/device.hv';
const sample = (): Buffer => readFileSync(join(REPO_ROOT, SAMPLE));

/** Runs hivetool with binary standard input and output. */
function runBinary(args: string[], input?: Uint8Array): { status: number | null; stdout: Buffer; stderr: string } {
  const result = spawnSync(process.execPath, [HIVETOOL_BIN, ...args], { cwd: REPO_ROOT, input, maxBuffer: 64 * 1024 * 1024 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr.toString('utf8') };
}

describe('- as standard input', () => {
  test('dump -: the same .reg as dump FILE, named <stdin>', () => {
    const piped = runCli(['dump', '-'], { input: sample() });
    expect(piped.stderr).toBe('');
    expect(piped.status).toBe(0);
    expect(piped.stdout).toContain('; <stdin>: rom hive');
    expect(piped.stdout).toBe(runCli(['dump', SAMPLE]).stdout.replace(`; ${SAMPLE}:`, '; <stdin>:'));
  });

  test('dump -f json -, info --json -, verify -, diff - FILE, image dump -, with --jobs 2 too', () => {
    const json = JSON.parse(runCli(['dump', '-f', 'json', '-'], { input: sample() }).stdout) as { hives: Array<{ file: string; keys: unknown[] }> };
    expect(json.hives[0]!.file).toBe('<stdin>');
    expect(json.hives[0]!.keys.length).toBe(13);
    const info = JSON.parse(runCli(['info', '--json', '-'], { input: sample() }).stdout) as { hives: Array<{ file: string; kind: string }> };
    expect(info.hives).toMatchObject([{ file: '<stdin>', kind: 'rom' }]);
    const verify = runCli(['verify', '-'], { input: sample() });
    expect(verify.status).toBe(0);
    expect(verify.stdout).toMatch(/^<stdin>: rom hive, 28672 bytes/);
    const diff = runCli(['diff', '-', SAMPLE], { input: sample() });
    expect(diff.status).toBe(0);
    expect(diff.stdout).toBe(`--- <stdin>\n+++ ${SAMPLE}\nno differences\n`);
    const image = runBinary(['image', 'pack', SAMPLE, '-o', '-']);
    expect(image.status).toBe(0);
    expect(image.stderr).toMatch(/^hivetool: <stdout>: registry image, \d+ bytes, 12 keys, 33 values/);
    const fromImage = runCli(['image', 'dump', '-'], { input: image.stdout });
    expect(fromImage.status).toBe(0);
    expect(fromImage.stdout).toContain('; <stdin>: image');
    const jobs = runCliProcess(['dump', '-j', '2', '-', SAMPLE], { input: sample() });
    expect(jobs.status).toBe(0);
    expect(jobs.stdout.match(/^; (.*): rom hive/gm)).toEqual(['; <stdin>: rom hive', `; ${SAMPLE}: rom hive`]);
  });

  test('with --jobs 2, - is the run\'s standard input in the worker threads too (in-process: the given bytes)', () => {
    for (const args of [['dump'], ['dump', '-f', 'json'], ['info', '--json'], ['verify'], ['find', 'txt']]) {
      const one = runCli([...args, '-', SAMPLE], { input: sample() });
      const two = runCli([...args, '-j', '2', '-', SAMPLE], { input: sample() });
      expect([args, two.status, two.stdout]).toEqual([args, one.status, one.stdout]);
      expect(two.stdout).toContain('<stdin>');
    }
  });

  const script = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
  if (!script) process.stderr.write('cli-stdio: `script` (util-linux) is not installed: the terminal-on-stdin test with --jobs is skipped\n');
  (script ? test : test.skip)('with --jobs 2, a terminal on standard input is refused, as with one thread', () => {
    for (const command of ['info', 'dump', 'verify', 'find txt']) {
      // `script` gives the command a terminal as standard input.
      const result = spawnSync('script', ['-qec', `${process.execPath} ${HIVETOOL_BIN} ${command} - ${SAMPLE} --jobs 2`, '/dev/null'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 30_000 });
      expect([command, result.status, result.stdout]).toEqual([command, 2, expect.stringContaining('hivetool: <stdin>: standard input is a terminal: pipe or redirect a file into it')]);
    }
  });

  test('build - reads .reg text from standard input; an empty one warns', () => {
    const out = join(scratch.path, 'piped.hv');
    const built = runCli(['build', '-', '-o', out], { input: 'REGEDIT4\n\n[HKEY_LOCAL_MACHINE\\Piped]\n"Value"=dword:00000007\n' });
    expect(built.stderr).toBe('');
    expect(built.status).toBe(0);
    expect(readTree(openHive(new Uint8Array(readFileSync(out)))).roots[2]![0]!.name).toBe('Piped');
    const empty = runCli(['build', '-', '-o', join(scratch.path, 'empty.hv')], { input: '' });
    expect(empty.status).toBe(0);
    expect(empty.stderr).toBe('hivetool: warning: <stdin>: empty .reg input: it adds nothing to the hive\n');
    const reg = join(scratch.path, 'comments.reg');
    writeFileSync(reg, 'REGEDIT4\n; only a comment\n');
    expect(runCli(['build', reg, '-o', join(scratch.path, 'c.hv')]).stderr).toBe(`hivetool: warning: ${reg}: no key line ([HKEY_…\\…]) in this .reg input: it adds nothing to the hive\n`);
  });

  test('a damaged or empty standard input is named <stdin> in the error line', () => {
    const empty = runCli(['dump', '-'], { input: '' });
    expect(empty.status).toBe(2);
    expect(empty.stderr).toMatch(/^hivetool: <stdin>: not a valid hive: .* at offset 0x00000000.*\[TRUNCATED\]\n$/);
  });
});

describe('-o - as standard output', () => {
  test('rewrite - -, build -o -: the bytes on standard output, the summary on standard error', () => {
    const rewritten = runBinary(['rewrite', '-', '-'], sample());
    expect(rewritten.status).toBe(0);
    expect(rewritten.stdout.equals(sample())).toBe(true);
    expect(rewritten.stderr).toBe('hivetool: <stdout>: 28672 bytes, identical to <stdin>\n');
    const built = runBinary(['build', '-', '-o', '-'], Buffer.from('[HKEY_LOCAL_MACHINE\\A]\n'));
    expect(built.status).toBe(0);
    expect(readTree(openHive(new Uint8Array(built.stdout))).roots[2]![0]!.name).toBe('A');
    const dumped = runCli(['dump', SAMPLE, '-o', '-']);
    expect(dumped.stdout).toBe(runCli(['dump', SAMPLE]).stdout);
    const store = join(scratch.path, 'flash.bin');
    const stream = join(scratch.path, 'registry.oem');
    expect(runCli(['oem', 'pack', SAMPLE, '-o', stream]).status).toBe(0);
    expect(runCli(['oem', 'store', stream, '--slot-size', '65536', '-o', store]).status).toBe(0);
    const loaded = runBinary(['oem', 'load', store, '-o', '-']);
    expect(loaded.status).toBe(0);
    expect(loaded.stdout.equals(readFileSync(stream))).toBe(true);
    expect(loaded.stderr).toMatch(/^hivetool: .*flash\.bin: generation 1 from slot A/);
  });
});

describe('where - cannot be, it is refused', () => {
  test.each([
    [['dump', '-', '-'], /^hivetool: - \(standard input\) can be given once\n$/],
    [['dump', '--rom', '-', SAMPLE], /^hivetool: --rom takes a file name: - \(standard input\) is accepted only for the files the command reads\n$/],
    [['oem', 'load', '--json', '-o', '-', 'x.bin'], /^hivetool: --json and -o - both write to standard output: give -o a file name\n$/],
  ])('%j', (args, message) => {
    const result = runCli(args, { input: sample() });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});

describe('- in the newer commands', () => {
  test('find and oem preg name standard input <stdin>', () => {
    const found = runCli(['find', '--json', 'txtfile', '-'], { input: sample() });
    expect(found.status).toBe(0);
    const matches = (JSON.parse(found.stdout) as { matches: Array<{ file: string }> }).matches;
    expect(matches.length).toBeGreaterThan(0);
    expect(new Set(matches.map((match) => match.file))).toEqual(new Set(['<stdin>']));
    const container = join(scratch.path, 'stdin.preg');
    expect(runCli(['oem', 'preg', 'pack', '-', '-o', container], { input: sample() }).status).toBe(0);
    const verified = runCli(['oem', 'preg', 'verify', '-'], { input: readFileSync(container) });
    expect([verified.status, verified.stdout]).toEqual([0, expect.stringMatching(/^<stdin>: PREG container intact/)]);
  });

  test.each([
    [['carve', '-', '-o', 'never'], /^hivetool: carve reads images by offset, in windows: - \(standard input\) cannot be scanned; save it to a file first\n$/],
    [['boot', '-', 'storage'], /^hivetool: <romdir> is a folder: - \(standard input\) cannot stand for it\n$/],
    [['lint', '-'], /^hivetool: <romdir> is a folder: - \(standard input\) cannot stand for it\n$/],
  ])('%j is refused with a message', (args, message) => {
    const result = runCli(args, { input: sample() });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});
