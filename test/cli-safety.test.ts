/**
 * Nothing lost: no command writes its output over one of its inputs, whatever path,
 * symbolic or hard link names it, for every input (`--rom`, `--previous`) of every
 * command that takes `-o`.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { copyFileSync, linkSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { REPO_ROOT, runCli } from '@hivetool/test-support';
import { scratchDirectory } from '@hivetool/test-support/scratch';

const scratch = scratchDirectory('hivetool-safety-');
const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

/** The inputs every command reads, made once: a ROM hive, a hive linked into it, .reg, image, stream, call log, store. */
const files = { rom: '', persistent: '', reg: '', image: '', stream: '', calls: '', store: '' };

beforeAll(() => {
  const at = (name: string): string => join(scratch.path, name);
  files.rom = at('rom.hv');
  copyFileSync(join(REPO_ROOT, 'samples/device.hv'), files.rom);
  files.reg = at('changes.reg');
  writeFileSync(files.reg, 'REGEDIT4\n\n[HKEY_LOCAL_MACHINE\\Safety]\n"Kept"=dword:00000001\n');
  files.persistent = at('system.hv');
  files.image = at('Restore.fdf');
  files.stream = at('registry.oem');
  files.calls = at('calls.log');
  files.store = at('flash.bin');
  for (const args of [
    ['build', '--rom', files.rom, files.reg, '-o', files.persistent],
    ['image', 'pack', files.rom, '-o', files.image],
    ['oem', 'pack', files.rom, '-o', files.stream],
    ['oem', 'split', files.stream, '-o', files.calls],
    ['oem', 'store', files.stream, '--slot-size', '65536', '-o', files.store],
  ]) {
    const made = runCli(args);
    expect(made.stderr).toBe('');
    expect(made.status).toBe(0);
  }
  mkdirSync(at('sub'));
});

type Role = keyof typeof files;

/** A command, the input that becomes its output, and its arguments with `out` as the output. */
const commands: Array<[string, Role, (out: string) => string[]]> = [
  ['dump', 'rom', (out) => ['dump', files.rom, '-o', out]],
  ['dump -f json', 'rom', (out) => ['dump', '-f', 'json', files.rom, '-o', out]],
  ['dump -f raw', 'rom', (out) => ['dump', '-f', 'raw', files.rom, '-o', out]],
  ['dump -k', 'rom', (out) => ['dump', '-k', 'HKLM', files.rom, '-o', out]],
  ['dump -j 2 (second of two files)', 'persistent', (out) => ['dump', '-j', '2', files.rom, files.persistent, '-o', out]],
  ['dump --rom (the ROM file)', 'rom', (out) => ['dump', '--rom', files.rom, files.persistent, '-o', out]],
  ['diff (A)', 'rom', (out) => ['diff', files.rom, files.persistent, '-o', out]],
  ['diff (B)', 'persistent', (out) => ['diff', files.rom, files.persistent, '-o', out]],
  ['diff --rom (the ROM file)', 'rom', (out) => ['diff', '--rom', files.rom, files.persistent, '-o', out]],
  ['build', 'reg', (out) => ['build', files.reg, '-o', out]],
  ['build --rom (the ROM file)', 'rom', (out) => ['build', '--rom', files.rom, files.reg, '-o', out]],
  ['rewrite', 'rom', (out) => ['rewrite', files.rom, out]],
  ['image pack', 'rom', (out) => ['image', 'pack', files.rom, '-o', out]],
  ['image pack --rom (the ROM file)', 'rom', (out) => ['image', 'pack', '--rom', files.rom, files.persistent, '-o', out]],
  ['image unpack', 'image', (out) => ['image', 'unpack', files.image, '-o', out]],
  ['image dump', 'image', (out) => ['image', 'dump', files.image, '-o', out]],
  ['oem pack', 'rom', (out) => ['oem', 'pack', files.rom, '-o', out]],
  ['oem pack --rom (the ROM file)', 'rom', (out) => ['oem', 'pack', '--rom', files.rom, files.persistent, '-o', out]],
  ['oem unpack', 'stream', (out) => ['oem', 'unpack', files.stream, '-o', out]],
  ['oem split', 'stream', (out) => ['oem', 'split', files.stream, '-o', out]],
  ['oem join', 'calls', (out) => ['oem', 'join', files.calls, '-o', out]],
  ['recover', 'rom', (out) => ['recover', files.rom, '-o', out]],
  ['oem preg pack', 'stream', (out) => ['oem', 'preg', 'pack', files.stream, '-o', out]],
  ['compile --merge-only', 'reg', (out) => ['compile', files.reg, '--merge-only', '-o', out]],
  ['oem store (the stream)', 'stream', (out) => ['oem', 'store', files.stream, '--slot-size', '65536', '-o', out]],
  ['oem load', 'store', (out) => ['oem', 'load', files.store, '-o', out]],
];

/** Ways to name an input as the output: the same path, another spelling, a symbolic link, a hard link. */
const spellings: Array<[string, (input: string, tag: string) => string]> = [
  ['the same path', (input) => input],
  ['another spelling (dir/../file)', (input) => join(scratch.path, 'sub', '..', basename(input))],
  ['a symbolic link to it', (input, tag) => {
    const link = join(scratch.path, `symlink-${tag}`);
    symlinkSync(input, link);
    return link;
  }],
  ['a hard link to it', (input, tag) => {
    const link = join(scratch.path, `hardlink-${tag}`);
    linkSync(input, link);
    return link;
  }],
];

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('-o never names an input', () => {
  const cases = commands.flatMap(([name, role, args]) => spellings.map(([how, spell]) => [name, how, role, args, spell] as const));
  test.each(cases)('%s -o %s: exit 2, the file named, the input unchanged', (name, how, role, args, spell) => {
    const input = files[role];
    const before = sha256(input);
    const out = spell(input, `${name}-${how}`.replace(/[^a-z0-9]+/gi, '_'));
    const result = runCli(args(out));
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(new RegExp(`^hivetool: ${escape(out)}: this output is the input ${escape(input)}\\b.*never writes over an input`));
    expect(result.status).toBe(2);
    expect(sha256(input)).toBe(before);
    if (how === 'a symbolic link to it') expect(lstatSync(out).isSymbolicLink()).toBe(true);
  });
});

describe('-o at a symbolic link to a file that is no input', () => {
  test('the file it points to is replaced; the link stays a link', () => {
    const target = join(scratch.path, 'elsewhere.reg');
    writeFileSync(target, 'old content\n');
    const link = join(scratch.path, 'link-to-elsewhere.reg');
    symlinkSync(target, link);
    for (const args of [['dump', files.rom, '-o', link], ['dump', '-f', 'json', '-j', '2', files.rom, files.persistent, '-o', link], ['build', files.reg, '-o', link]]) {
      const result = runCli(args);
      expect(result.status).toBe(0);
      expect(lstatSync(link).isSymbolicLink()).toBe(true);
      expect(readFileSync(target)).not.toEqual(Buffer.from('old content\n'));
    }
    expect(readFileSync(target).subarray(8, 12).toString('latin1')).toBe('EKIM'); // build's hive, through the link
  });
});

describe('oem store --previous S -o S: the documented in-place update', () => {
  test('the store is read whole, then replaced atomically with the next generation; a link to it stays a link', () => {
    const store = join(scratch.path, 'in-place.bin');
    copyFileSync(files.store, store);
    const first = runCli(['oem', 'store', files.stream, '--previous', store, '-o', store]);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toContain('generation 2 written to slot B');
    expect(runCli(['oem', 'load', store]).stdout).toContain('generation 2 from slot B');
    const link = join(scratch.path, 'in-place-link.bin');
    symlinkSync(store, link);
    const second = runCli(['oem', 'store', files.stream, '--previous', link, '-o', link]);
    expect(second.status).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(runCli(['oem', 'load', store]).stdout).toContain('generation 3 from slot A');
  });

  test('the stream input is still never the output, even with --previous', () => {
    const before = sha256(files.stream);
    const result = runCli(['oem', 'store', files.stream, '--previous', files.store, '-o', files.stream]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/this output is the input .*registry\.oem/);
    expect(sha256(files.stream)).toBe(before);
  });
});
