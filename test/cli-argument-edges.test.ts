/**
 * Arguments at their edges: `--` ends the options, option values checked as options (not
 * reported against a file), an empty output name, `recover --json` when it cannot run,
 * and the exit codes the help lists.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '@hivetool/test-support';
import { scratchDirectory } from '@hivetool/test-support/scratch';

const scratch = scratchDirectory('hivetool-argument-edges-');
const at = (name: string): string => join(scratch.path, name);

beforeAll(() => {
  writeFileSync(at('dashes.reg'), 'REGEDIT4\n\n[HKEY_LOCAL_MACHINE\\-x]\n"--json"="--"\n');
  for (const args of [
    ['build', at('dashes.reg'), '-o', at('dashes.hv')],
    ['oem', 'pack', at('dashes.hv'), '-o', at('dashes.oem')],
    ['oem', 'preg', 'pack', at('dashes.oem'), '-o', at('dashes.preg')],
  ]) {
    const made = runCli(args);
    expect(made.stderr).toBe('');
    expect(made.status).toBe(0);
  }
});

describe('-- ends the options', () => {
  test('find -- -x FILE searches for -x', () => {
    const result = runCli(['find', '--', '-x', at('dashes.hv')]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(`${at('dashes.hv')}: HKEY_LOCAL_MACHINE\\-x\n`);
    expect(result.status).toBe(0);
  });

  test('find --json -- --json FILE: the option before --, the text after it', () => {
    const result = runCli(['find', '--json', '--', '--json', at('dashes.hv')]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('--json');
    expect(JSON.parse(result.stdout)).toBeTruthy();
    expect(result.status).toBe(0);
  });

  test('a file name starting with - after --', () => {
    const result = runCli(['info', '--', '-x.hv']);
    expect(result.stderr).toMatch(/^hivetool: -x\.hv: no such file or directory/);
    expect(result.status).toBe(2);
  });
});

describe('oem preg --region-size and --regions are checked as options', () => {
  const commands: Array<[string, (extra: string[]) => string[]]> = [
    ['pack', (extra) => ['oem', 'preg', 'pack', at('dashes.oem'), ...extra, '-o', at('never.preg')]],
    ['extract', (extra) => ['oem', 'preg', 'extract', at('dashes.preg'), ...extra, '-o', at('never.oem')]],
    ['verify', (extra) => ['oem', 'preg', 'verify', at('dashes.preg'), ...extra]],
  ];
  test.each(commands)('oem preg %s --region-size 5: a usage error about the option', (_name, args) => {
    const result = runCli(args(['--region-size', '5']));
    expect(result.stderr).toBe('hivetool: --region-size 5: a PREG region holds from 16 bytes (the 12-byte header and a word) to 1 GiB\n');
    expect(result.stdout).toBe('');
    expect(result.status).toBe(2);
  });
  test.each(commands)('oem preg %s --regions 100: refused, as the help says 1–8', (_name, args) => {
    const result = runCli(args(['--region-size', '4096', '--regions', '100']));
    expect(result.stderr).toBe('hivetool: --regions 100: the common OAL keeps the stream in 1 to 8 regions\n');
    expect(result.stdout).toBe('');
    expect(result.status).toBe(2);
  });
  test('--regions 8 is accepted', () => {
    const result = runCli(['oem', 'preg', 'pack', at('dashes.oem'), '--region-size', '4096', '--regions', '8', '-o', at('eight.preg')]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

describe("-o ''", () => {
  test.each([
    ['dump', ['dump', at('dashes.hv'), '-o', '']],
    ['build', ['build', at('dashes.reg'), '-o', '']],
    ['oem pack', ['oem', 'pack', at('dashes.hv'), '-o', '']],
  ])('%s: a usage error saying the name is empty', (_name, args) => {
    const result = runCli(args);
    expect(result.stderr).toBe("hivetool: -o '': the output's name is empty: name a file to write, or - for standard output\n");
    expect(result.status).toBe(2);
  });
});

describe('recover --json when it cannot run', () => {
  test('a missing input: the JSON document says why, the error line follows, exit 2', () => {
    const missing = at('missing.hv');
    const result = runCli(['recover', '--json', missing, '-o', at('recovered.hv')]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`hivetool: ${missing}: no such file or directory\n`);
    expect(JSON.parse(result.stdout)).toEqual({
      format: 'hivetool-recover',
      schemaVersion: 1,
      input: missing,
      output: at('recovered.hv'),
      action: null,
      pages: null,
      restoreStart: null,
      truncated: false,
      outputLength: null,
      errors: null,
      error: 'no such file or directory',
    });
  });

  test('a file that is no hive: the document names the problem', () => {
    const result = runCli(['recover', '--json', at('dashes.reg'), '-o', at('recovered.hv')]);
    expect(result.status).toBe(2);
    const document = JSON.parse(result.stdout) as { error: string; action: null };
    expect(document.action).toBeNull();
    expect(result.stderr).toContain(document.error);
  });

  test('a run that succeeds says error: null', () => {
    const result = runCli(['recover', '--json', at('dashes.hv'), '-o', at('recovered.hv')]);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ action: 'none', error: null });
  });
});

describe('help', () => {
  test('hivetool --help lists every command with exit code 1', () => {
    const help = runCli(['--help']).stdout.replace(/\s+/g, ' ');
    const line = /Exit codes: 0 ok, 1 problems found \(([^)]*)\)/.exec(help);
    expect(line?.[1]?.split(', ')).toEqual(['verify', 'compile', 'boot', 'lint', 'recover', 'carve', 'media', 'find', 'oem verify', 'oem preg verify']);
  });

  test('oem verify --help names PREG containers and the exit codes', () => {
    const help = runCli(['oem', 'verify', '--help']).stdout;
    expect(help).toContain('PREG containers');
    expect(help.replace(/\s+/g, ' ')).toContain('Exit codes: 0 every file is good, 1 one is bad');
  });
});
