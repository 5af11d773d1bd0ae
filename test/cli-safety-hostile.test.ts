/**
 * A hostile generator for two classes of output safety, run a few times in `npm test` and
 * many more in `npm run test:long` (seeded: the same runs every time):
 *
 * - things placed at random at the names a command generates in its output folder (and
 *   at the temporary names beside them): symbolic links to files and folders outside,
 *   dangling links, hard links, FIFOs, folders, plain files. The invariants: no file
 *   outside the output folder changes, no temporary file is left, the exit status is 0,
 *   1 or 2, every line on stderr is a hivetool line, and a generated name written is a
 *   regular file, never a link.
 * - `-o -` for a random command that writes a file, with random extra options: standard
 *   output carries exactly the bytes `-o FILE` writes, or nothing (refused, --json).
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, linkSync, lstatSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORPUS_DIR, HIVETOOL_BIN, REPO_ROOT, corpusAvailable, prng, runCli, runs } from '@hivetool/test-support';
import { scratchDirectory } from '@hivetool/test-support/scratch';

const scratch = scratchDirectory('hivetool-hostile-');
const at = (name: string): string => join(scratch.path, name);
const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
const files = { rom: '', persistent: '', reg: '', image: '', stream: '', calls: '', store: '', preg: '', carved: '' };

beforeAll(() => {
  files.rom = at('rom.hv');
  copyFileSync(join(REPO_ROOT, 'samples/device.hv'), files.rom);
  files.reg = at('changes.reg');
  writeFileSync(files.reg, 'REGEDIT4\n\n[HKEY_LOCAL_MACHINE\\Hostile]\n"Kept"=dword:00000001\n');
  files.carved = at('two.img');
  writeFileSync(files.carved, Buffer.concat([readFileSync(join(REPO_ROOT, 'samples/device.hv')), readFileSync(join(REPO_ROOT, 'samples/multi-section.hv'))]));
  Object.assign(files, { persistent: at('system.hv'), image: at('Restore.fdf'), stream: at('registry.oem'), calls: at('calls.log'), store: at('flash.bin'), preg: at('flash.preg') });
  for (const args of [
    ['build', '--rom', files.rom, files.reg, '-o', files.persistent],
    ['image', 'pack', files.rom, '-o', files.image],
    ['oem', 'pack', files.rom, '-o', files.stream],
    ['oem', 'split', files.stream, '-o', files.calls],
    ['oem', 'store', files.stream, '--slot-size', '65536', '-o', files.store],
    ['oem', 'preg', 'pack', files.stream, '-o', files.preg],
  ]) {
    const made = runCli(args);
    expect(made.stderr).toBe('');
    expect(made.status).toBe(0);
  }
});

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

/** Every entry under `dir`, folders too, without following links (relative names). */
const listing = (dir: string): string[] => (existsSync(dir) ? (readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[]).sort() : []);

interface Writer {
  names: string[];
  /** Where things are placed (OUTDIR, or the STORAGEDIR boot --apply copies), OUTDIR, the arguments. */
  prepare(tag: string): { place: string; out: string; args: string[] };
}

const writers = (): Writer[] => [
  {
    names: ['two.img@0x0.hv', 'two.img@0x7000.hv'],
    prepare: (tag) => ({ place: at(`carve-${tag}`), out: at(`carve-${tag}`), args: ['carve', files.carved, '-o', at(`carve-${tag}`)] }),
  },
  {
    names: ['v1-Documents_and_Settings_system_previous_.deleted.hv', 'v1-Documents_and_Settings_system.hv'],
    prepare: (tag) => ({ place: at(`media-${tag}`), out: at(`media-${tag}`), args: ['media', join(REPO_ROOT, 'packages/media/test/fixtures/fat12-fragmented.img'), '-o', at(`media-${tag}`)] }),
  },
  {
    names: ['boot.hv', 'default.hv', 'user.hv', 'reginit.ini'],
    prepare: (tag) => ({ place: at(`compile-${tag}`), out: at(`compile-${tag}`), args: ['compile', files.reg, '-o', at(`compile-${tag}`)] }),
  },
  ...(corpusAvailable
    ? [
        {
          names: ['Documents and Settings/system.hv', 'Documents and Settings/user.hv/default/user.hv'],
          prepare: (tag: string) => ({ place: at(`storage-${tag}`), out: at(`apply-${tag}`), args: ['boot', '--clean', 'system', '--apply', at(`apply-${tag}`), CORPUS_DIR, at(`storage-${tag}`)] }),
        },
      ]
    : []),
];

const KINDS = ['symlink to a file outside', 'symlink to a folder outside', 'dangling symlink', 'hard link to a file outside', 'FIFO', 'folder', 'plain file'] as const;

describe('hostile output folders', () => {
  const count = runs(6, 200);
  test(`${count} runs with links, hard links, FIFOs and folders at generated names: nothing outside changes, nothing left behind`, () => {
    const random = prng(0x5afe);
    const outsideFolder = at('outside-folder');
    mkdirSync(outsideFolder);
    const all = writers();
    for (let run = 0; run < count; run++) {
      const writer = pick(random, all);
      const tag = String(run);
      const { place, out, args } = writer.prepare(tag);
      mkdirSync(place, { recursive: true });
      const outside: string[] = [];
      const placed: string[] = [];
      // At each generated name, and sometimes at its temporary name, something or nothing.
      const candidates = writer.names.flatMap((name) => {
        const slash = name.lastIndexOf('/');
        const temporary = `${name.slice(0, slash + 1)}.${name.slice(slash + 1)}.${process.pid}.tmp`;
        return random() < 0.2 ? [name, temporary] : [name];
      });
      for (const name of candidates) {
        if (random() < 0.3) continue;
        const path = join(place, name);
        mkdirSync(join(path, '..'), { recursive: true });
        const kind = pick(random, KINDS);
        const file = at(`outside-${tag}-${placed.length}`);
        writeFileSync(file, `precious ${tag}\n`);
        outside.push(file);
        if (kind === 'symlink to a file outside') symlinkSync(file, path);
        else if (kind === 'symlink to a folder outside') symlinkSync(outsideFolder, path);
        else if (kind === 'dangling symlink') symlinkSync(at(`nowhere-${tag}`), path);
        else if (kind === 'hard link to a file outside') linkSync(file, path);
        else if (kind === 'FIFO') expect(spawnSync('mkfifo', [path]).status).toBe(0);
        else if (kind === 'folder') mkdirSync(path);
        else writeFileSync(path, 'earlier output\n');
        placed.push(name);
      }
      const sums = outside.map(sha256);
      const scratchBefore = readdirSync(scratch.path).filter((name) => name.endsWith('.tmp'));
      const result = runCli(args);
      const context = `run ${run}: ${args.join(' ')} with ${placed.join(', ')}`;
      expect([context, [0, 1, 2].includes(result.status ?? -1)]).toEqual([context, true]);
      expect([context, result.stderr.split('\n').filter((line) => line !== '' && !line.startsWith('hivetool: '))]).toEqual([context, []]);
      expect([context, outside.map(sha256)]).toEqual([context, sums]);
      expect([context, readdirSync(outsideFolder)]).toEqual([context, []]);
      expect([context, existsSync(at(`nowhere-${tag}`))]).toEqual([context, false]);
      // No temporary file left: only those placed end in .tmp.
      const placedTemporaries = placed.filter((name) => name.endsWith('.tmp'));
      expect([context, listing(out).filter((name) => name.endsWith('.tmp') && !placedTemporaries.includes(name))]).toEqual([context, []]);
      expect([context, readdirSync(scratch.path).filter((name) => name.endsWith('.tmp'))]).toEqual([context, scratchBefore]);
      if (result.status !== 2) {
        for (const name of writer.names) expect([context, name, lstatSync(join(out, name)).isFile()]).toEqual([context, name, true]);
      }
    }
  });
});

describe('hostile -o -', () => {
  const count = runs(4, 100);
  const commands: Array<(out: string) => string[]> = [
    (out) => ['build', files.reg, '-o', out],
    (out) => ['build', '--rom', files.rom, files.reg, '-o', out],
    (out) => ['rewrite', files.rom, out],
    (out) => ['recover', files.rom, '-o', out],
    (out) => ['image', 'pack', files.rom, '-o', out],
    (out) => ['image', 'unpack', files.image, '-o', out],
    (out) => ['oem', 'pack', files.rom, '-o', out],
    (out) => ['oem', 'unpack', files.stream, '-o', out],
    (out) => ['oem', 'split', files.stream, '-o', out],
    (out) => ['oem', 'join', files.calls, '-o', out],
    (out) => ['oem', 'store', files.stream, '--slot-size', '65536', '-o', out],
    (out) => ['oem', 'load', files.store, '-o', out],
    (out) => ['oem', 'preg', 'pack', files.stream, '-o', out],
    (out) => ['oem', 'preg', 'extract', files.preg, '-o', out],
    (out) => ['compile', files.reg, '--merge-only', '-o', out],
    (out) => ['dump', '-f', 'json', files.rom, '-o', out],
    (out) => ['diff', files.rom, files.persistent, '-o', out],
  ];
  const extras = [[], [], ['--json'], ['--max-output', '100'], ['--max-output', '100000000']];
  const binary = (args: string[]): { status: number | null; stdout: Buffer; stderr: string } => {
    const result = spawnSync(process.execPath, [HIVETOOL_BIN, ...args], { cwd: REPO_ROOT, encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr.toString('utf8') };
  };
  test(`${count} random writers through -o -: the bytes of -o FILE, or nothing`, () => {
    const random = prng(0x0d0d);
    for (let run = 0; run < count; run++) {
      const command = pick(random, commands);
      const extra = pick(random, extras);
      const file = at(`piped-${run}`);
      // The reference: -o FILE without the extra options (--max-output counts a closing
      // line on standard output with -o FILE, not on standard error with -o -).
      const named = binary(command(file));
      const piped = binary([...command('-'), ...extra]);
      const context = `run ${run}: ${command('-').join(' ')} ${extra.join(' ')}`;
      expect([context, piped.stderr.split('\n').filter((line) => line !== '' && !line.startsWith('hivetool: '))]).toEqual([context, []]);
      if (extra[0] === '--json') {
        // Refused before anything is read: whether the command knows --json or not.
        expect([context, piped.status, piped.stdout.length]).toEqual([context, 2, 0]);
        continue;
      }
      expect([context, [0, 1].includes(named.status ?? -1)]).toEqual([context, true]);
      if (piped.status === named.status) expect([context, piped.stdout.equals(readFileSync(file))]).toEqual([context, true]);
      else expect([context, extra[0], piped.status, piped.stdout.length]).toEqual([context, '--max-output', 2, 0]);
    }
  });
});
