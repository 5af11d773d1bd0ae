/**
 * compile on hostile and odd inputs (issue 21, items 5, 10, 11 and 12): include fan-out
 * and macro blow-up stop early at the documented expansion limit with file:line; the
 * reginit.ini of a source with stray text reads back in build; odd include targets, odd
 * sources and odd arguments get a clear message.
 */
import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '@hivetool/test-support';
import { scratchDirectory } from '@hivetool/test-support/scratch';

const scratch = scratchDirectory('hivetool-compile-limits-');
const long = process.env['HIVETOOL_LONG'] === '1';
const write = (name: string, text: string | Uint8Array): string => {
  const path = join(scratch.path, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
};

/**
 * Hostile generator: `files` files, each including the next `times` times, each with a
 * key and a value of its own: the work grows as times^files from a few hundred bytes.
 */
function fanOut(folder: string, files: number, times: number): string {
  for (let index = 0; index < files; index++) {
    let text = `[HKEY_LOCAL_MACHINE\\F${index}]\n"v"=dword:${index}\n`;
    if (index + 1 < files) text += `#include "f${index + 1}.reg"\n`.repeat(times);
    write(`${folder}/f${index}.reg`, text);
  }
  return join(scratch.path, folder, 'f0.reg');
}

/** Hostile generator: `values` values, each using a `length`-character macro. */
function macroBlowUp(name: string, values: number, length: number): string {
  const lines = [`#define M ${'x'.repeat(length)}`, '[HKEY_LOCAL_MACHINE\\M]'];
  for (let index = 0; index < values; index++) lines.push(`"v${index}"="$(M)"`);
  return write(name, lines.join('\n') + '\n');
}

describe('compile: the expansion limit (8 × the files read + 4 Mi characters, --max-expansion)', () => {
  const shapes: Array<[number, number]> = long ? [[5, 30], [3, 3000], [8, 8], [12, 4], [20, 2]] : [[5, 30]];
  test.each(shapes)('include fan-out: %i files each including the next %i times stops early, at file:line', (files, times) => {
    const first = fanOut(`fan-${files}-${times}`, files, times);
    const out = join(scratch.path, `fan-out-${files}-${times}`);
    const result = runCli(['compile', first, '-o', out]);
    expect(result.status).toBe(2);
    const line = result.stderr.split('\n').find((text) => text.includes('[LIMIT_EXCEEDED]'))!;
    expect(line).toMatch(new RegExp(`^hivetool: .*f${files - 2}\\.reg:\\d+: error: #include of .*f${files - 1}\\.reg makes the sources expand past \\d+ characters \\(8 × the \\d+ characters of the files read \\+ 8 × 524288\\): stopped here \\[LIMIT_EXCEEDED\\]; if the sources are meant to expand this much, raise the factor with --max-expansion$`));
    expect(existsSync(out)).toBe(false);
  });

  test('macro blow-up: 100 000 values each using a 1 000-character macro stops at the line that passes the limit', () => {
    const source = macroBlowUp('macro.reg', 100_000, 1000);
    const result = runCli(['compile', source, '-o', join(scratch.path, 'macro-out')]);
    expect(result.status).toBe(2);
    const match = /^hivetool: .*macro\.reg:(\d+): error: macro expansion makes the sources expand past (\d+) characters/m.exec(result.stderr)!;
    // Stopped when the growth passed 8 × the file + 4 Mi: about 17 000 of the 100 000 values.
    const limit = Number(match[2]);
    expect(limit).toBe(8 * (readFileSync(source, 'utf8').length + 524_288));
    expect(Number(match[1])).toBeLessThan(20_000);
    expect(Number(match[1])).toBeGreaterThan(10_000);
  });

  test('--max-expansion raises the limit; it takes a whole factor from 1 to 1024', () => {
    // One file included 40 times: 40 × its size is read, above 8 × (size + 512 Ki) when the file is 150 KB.
    const body = 'IF NEVER_SET\n' + `; ${'y'.repeat(100)}\n`.repeat(1500) + 'ENDIF\n[HKEY_LOCAL_MACHINE\\R]\n"r"=dword:1\n';
    write('raise/part.reg', body);
    const main = write('raise/main.reg', '#include "part.reg"\n'.repeat(40));
    const refused = runCli(['compile', main, '-o', join(scratch.path, 'raise-8')]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('[LIMIT_EXCEEDED]');
    const raised = runCli(['compile', main, '-o', join(scratch.path, 'raise-16'), '--max-expansion', '16']);
    expect(raised.stderr).toBe('');
    expect(raised.status).toBe(0);
    for (const bad of ['0', '2.5', '2000']) {
      const result = runCli(['compile', main, '-o', join(scratch.path, 'raise-bad'), '--max-expansion', bad]);
      expect(result.status).toBe(2);
      expect(result.stderr).toContain(`--max-expansion ${bad}: takes a whole factor from 1 to 1024`);
    }
  });
});

describe('compile: odd sources, include targets and arguments', () => {
  test('a line left out as UNRECOGNISED_LINE stays in reginit.ini, and build reads that reginit.ini with the same warning', () => {
    const source = write('stray/stray.reg', '[HKEY_LOCAL_MACHINE\\A]\n"a"=dword:1\n----------------------------------------\n"b"=dword:2\n');
    const out = join(scratch.path, 'stray-out');
    const compiled = runCli(['compile', source, '-o', out]);
    expect(compiled.status).toBe(1);
    expect(compiled.stderr).toBe(`hivetool: ${source}:3: warning: not a key, value or comment line: left out: ---------------------------------------- [UNRECOGNISED_LINE]\n`);
    const reginit = join(out, 'reginit.ini');
    const lines = readFileSync(reginit, 'utf8').split('\r\n');
    expect(lines[2]).toBe('----------------------------------------');
    const rebuilt = join(scratch.path, 'stray-rebuilt.hv');
    const signature = execFileSync('md5sum', [reginit], { encoding: 'utf8' }).slice(0, 32);
    const build = runCli(['build', reginit, '-o', rebuilt, '--rom-signature', signature]);
    expect(build.stderr).toBe(`hivetool: warning: ${reginit}:3: not a key, value or comment line: left out: ---------------------------------------- [UNRECOGNISED_LINE]\n`);
    expect(build.status).toBe(0);
    // The same registry as compile's default.hv, byte for byte.
    expect(readFileSync(rebuilt).equals(readFileSync(join(out, 'default.hv')))).toBe(true);
  });

  test('a key 513 levels deep is an error at its file:line that speaks of the source, not of a hive', () => {
    const source = write('deep.reg', `[HKEY_LOCAL_MACHINE\\${Array(513).fill('k').join('\\')}]\n"a"=dword:1\n`);
    const result = runCli(['compile', source, '-o', join(scratch.path, 'deep-out')]);
    expect(result.status).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe(`hivetool: ${source}:1: error: key nests 513 levels deep: a hive holds keys at most 512 levels deep (Windows' limit) [LIMIT_EXCEEDED]`);
    expect(result.stderr).not.toContain('hive could not');
    const fits = write('deep512.reg', `[HKEY_LOCAL_MACHINE\\${Array(512).fill('k').join('\\')}]\n"a"=dword:1\n`);
    expect(runCli(['compile', fits, '-o', join(scratch.path, 'deep512-out')]).status).toBe(0);
  });

  test('a UTF-16LE source without BOM is read as build reads it, with the same warning', () => {
    const text = '[HKEY_LOCAL_MACHINE\\Wide]\r\n"name"="wide text"\r\n';
    const bytes = new Uint8Array(text.length * 2);
    for (let index = 0; index < text.length; index++) bytes[2 * index] = text.charCodeAt(index);
    const source = write('wide.reg', bytes);
    const compiled = runCli(['compile', source, '-o', join(scratch.path, 'wide-out')]);
    const warning = 'UTF-16 little-endian text without a byte-order mark; read as UTF-16LE';
    expect(compiled.stderr).toBe(`hivetool: ${source}:1: warning: ${warning} [UTF16_WITHOUT_BOM]\n`);
    expect(compiled.status).toBe(1);
    const dump = runCli(['dump', join(scratch.path, 'wide-out', 'default.hv')]);
    expect(dump.stdout).toContain('"name"="wide text"');
    const built = runCli(['build', source, '-o', join(scratch.path, 'wide-built.hv')]);
    expect(built.stderr).toBe(`hivetool: warning: ${source}: ${warning}\n`);
  });

  test('compile FOLDER names what to give instead (compile has no --recursive: the merge order matters)', () => {
    const folder = join(scratch.path, 'a-folder');
    mkdirSync(folder, { recursive: true });
    const result = runCli(['compile', folder, '-o', join(scratch.path, 'folder-out')]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`hivetool: ${folder} is a directory: name the .reg files to compile, in merge order (common.reg, component files, platform.reg, project.reg)\n`);
  });

  test('an #include of a folder, a FIFO or /dev/zero says what it is, without blocking or reading forever', () => {
    mkdirSync(join(scratch.path, 'odd/folder'), { recursive: true });
    execFileSync('mkfifo', [join(scratch.path, 'odd/fifo')]);
    const source = write('odd/main.reg', '#include "folder"\n#include "fifo"\n#include "/dev/zero"\n[HKEY_LOCAL_MACHINE\\A]\n');
    for (const missing of ['error', 'warn']) {
      const result = runCli(['compile', source, '-o', join(scratch.path, 'odd-out'), '--missing-include', missing]);
      expect(result.status).toBe(2);
      const dir = join(scratch.path, 'odd');
      expect(result.stderr).toBe(
        [
          `hivetool: ${source}:1: error: #include of ${dir}/folder: it is a folder, not a file; not read [INCLUDE_NOT_A_FILE]`,
          `hivetool: ${source}:2: error: #include of ${dir}/fifo: it is a FIFO, not a regular file; not read [INCLUDE_NOT_A_FILE]`,
          `hivetool: ${source}:3: error: #include of /dev/zero: it is a device, not a regular file; not read [INCLUDE_NOT_A_FILE]`,
          `hivetool: ${source}: 3 errors; nothing written`,
          '',
        ].join('\n'),
      );
    }
  });

  test('-o - is refused (compile writes a folder) and makes no folder named -; --merge-only -o - is valid', () => {
    const source = write('dash/a.reg', '[HKEY_LOCAL_MACHINE\\A]\n"a"=dword:1\n');
    const cwd = join(scratch.path, 'dash');
    const result = runCli(['compile', 'a.reg', '-o', '-'], { cwd });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('hivetool: -o -: compile writes a folder (boot.hv, default.hv, user.hv, reginit.ini), which standard output cannot hold: name a folder, or add --merge-only to write reginit.ini to standard output\n');
    expect(existsSync(join(cwd, '-'))).toBe(false);
    const merged = runCli(['compile', source, '--merge-only', '-o', '-']);
    expect(merged.status).toBe(0);
    expect(merged.stdout.startsWith('[HKEY_LOCAL_MACHINE\\A]\r\n"a"=dword:1\r\n')).toBe(true);
  });

  test('compile --help ends with the exit codes; --explain names included files as the named ones are named', () => {
    const help = runCli(['compile', '--help']);
    expect(help.stdout.replace(/\s+/g, ' ')).toMatch(/Exit codes: 0 compiled with no warning, 1 compiled with warnings \(notes do not count\), 2 could not compile \(nothing written\)\./);
    const cwd = join(scratch.path, 'explain');
    write('explain/main.reg', '[HKEY_LOCAL_MACHINE\\E]\n"a"=dword:1\n#include "sub\\Part.reg"\n');
    write('explain/sub/part.reg', '[HKEY_LOCAL_MACHINE\\E]\n"b"=dword:2\n');
    const relative = runCli(['compile', 'main.reg', '--explain', 'HKLM\\E'], { cwd });
    expect(relative.stdout).toBe('[HKEY_LOCAL_MACHINE\\E]\n  opened at main.reg:1: [HKEY_LOCAL_MACHINE\\E]\n  opened at sub/part.reg:1: [HKEY_LOCAL_MACHINE\\E]\n  "a": "a"=dword:1  (main.reg:2)\n  "b": "b"=dword:2  (sub/part.reg:2)\n');
    const absolute = runCli(['compile', join(cwd, 'main.reg'), '--explain', 'HKLM\\E'], { cwd });
    expect(absolute.stdout).toContain(`(${join(cwd, 'sub/part.reg')}:2)`);
    expect(absolute.stdout).toContain(`(${join(cwd, 'main.reg')}:2)`);
  });
});
