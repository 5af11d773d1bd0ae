/**
 * Behaviour tests run hivetool in this process (runCli: main() with streams in memory).
 * These check that the binary a user runs gives the same exit status and the same bytes on
 * stdout and stderr, for each kind of ending: ok (0), findings or differences (1), could
 * not run (2), and the parser's own output (help, version, argument errors).
 */
import { describe, expect, test } from '@jest/globals';
import { runCliInProcess, runCliProcess } from '@hivetool/test-support';

const SAMPLE = 'samples/device.hv';
const OTHER = 'samples/multi-section.hv';

const RUNS: Array<[string, string[], number]> = [
  ['dump as .reg', ['dump', SAMPLE], 0],
  ['dump as JSON', ['dump', '-f', 'json', SAMPLE], 0],
  ['info', ['info', SAMPLE, OTHER], 0],
  ['verify --json', ['verify', '--json', SAMPLE], 0],
  ['diff of two different hives', ['diff', SAMPLE, OTHER], 1],
  ['a missing file', ['dump', 'samples/missing.hv'], 2],
  ['an unknown option', ['dump', '--no-such-option', SAMPLE], 2],
  ['an unknown command', ['frobnicate'], 2],
  ['no command', [], 2],
  ['--help', ['--help'], 0],
  ['dump --help', ['dump', '--help'], 0],
  ['--version', ['--version'], 0],
];

describe('the binary and main() in this process agree', () => {
  test.each(RUNS)('%s: same exit status, stdout and stderr', (_name, args, status) => {
    const child = runCliProcess(args);
    const inProcess = runCliInProcess(args);
    expect(child.status).toBe(status);
    expect(inProcess).toEqual(child);
  });

  test('standard input given to main() reads as a pipe into the binary does', () => {
    const input = 'REGEDIT4\n\n[HKEY_LOCAL_MACHINE\\Piped]\n"Value"=dword:00000007\n';
    const args = ['build', '-', '-o', '-'];
    const child = runCliProcess(args, { input });
    expect(child.status).toBe(0);
    expect(runCliInProcess(args, { input })).toEqual(child);
  });

  test('one run does not carry over into the next: --max-output and standard input', () => {
    const capped = runCliInProcess(['dump', SAMPLE, '--max-output', '10']);
    expect(capped.status).toBe(2);
    expect(capped.stderr).toMatch(/the output passed 10 bytes \(--max-output\)/);
    expect(runCliInProcess(['dump', SAMPLE])).toEqual(runCliProcess(['dump', SAMPLE]));
    const input = new Uint8Array(0);
    expect(runCliInProcess(['dump', '-'], { input }).status).toBe(2);
  });
});

describe('every command prints through one sink: --max-output caps reports and closing lines too', () => {
  test.each([
    ['recover --json', ['recover', '--json', SAMPLE, '-o', '/dev/null']],
    ['image pack', ['image', 'pack', SAMPLE, '-o', '/dev/null']],
    ['rewrite', ['rewrite', SAMPLE, '/dev/null']],
  ])('%s', (_name, args) => {
    const open = runCliInProcess(args);
    expect(open.status).toBe(0);
    expect(open.stdout.length).toBeGreaterThan(16);
    const capped = runCliInProcess([...args, '--max-output', '16']);
    expect(capped.status).toBe(2);
    expect(capped.stdout).toBe('');
    expect(capped.stderr).toBe('hivetool: the output passed 16 bytes (--max-output); raise the limit with --max-output\n');
  });
});
