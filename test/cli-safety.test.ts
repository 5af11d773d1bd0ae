/**
 * Nothing lost: no command writes its output over one of its inputs, whatever path,
 * symbolic or hard link names it, for every input (`--rom`, `--previous`) of every
 * command that takes `-o`.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, linkSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { CORPUS_DIR, HIVETOOL_BIN, REPO_ROOT, corpusAvailable, describeCorpus, runCli, runs } from '@hivetool/test-support';
import { scratchDirectory } from '@hivetool/test-support/scratch';

const scratch = scratchDirectory('hivetool-safety-');
const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

/** The inputs every command reads, made once: a ROM hive, a hive linked into it, .reg, image, stream, call log, store. */
const files = { rom: '', persistent: '', reg: '', image: '', stream: '', calls: '', store: '', preg: '' };

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
  ['migrate (the hive)', 'persistent', (out) => ['migrate', '--old-rom', files.rom, '--new-rom', files.rom, files.persistent, '-o', out]],
  ['migrate --new-rom (the ROM file)', 'rom', (out) => ['migrate', '--old-rom', files.rom, '--new-rom', files.rom, files.persistent, '-o', out]],
  ['migrate --patch (the hive)', 'persistent', (out) => ['migrate', '--old-rom', files.rom, '--new-rom', files.rom, files.persistent, '-o', join(scratch.path, 'never-migrated.hv'), '--patch', out]],
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

const kinds = ['a symbolic link to a file outside', 'a hard link to a file outside', 'a dangling symbolic link', 'a symbolic link to a folder outside', 'a FIFO', 'a folder'] as const;
type Kind = (typeof kinds)[number];

/**
 * A command that writes several files into an output folder, and the names it generates
 * there. `prepare` gives a fresh run: the folder where things are placed before the run
 * (OUTDIR itself, or for `boot --apply` the STORAGEDIR it copies), the output folder, and
 * the arguments.
 */
interface FolderWriter {
  name: string;
  names: string[];
  status: number;
  corpus: boolean;
  /** What is refused at a generated name (exit 2, nothing written). */
  refused: readonly Kind[];
  prepare(tag: string): { place: string; out: string; args: string[] };
}

const folderWriters = (): FolderWriter[] => {
  const at = (name: string): string => join(scratch.path, name);
  return [
    {
      name: 'carve',
      names: ['two.img@0x0.hv', 'two.img@0x7000.hv'],
      status: 0,
      corpus: false,
      refused: ['a FIFO', 'a folder'],
      prepare: (tag) => {
        const out = at(`carve-${tag}`);
        mkdirSync(out);
        return { place: out, out, args: ['carve', at('two.img'), '-o', out] };
      },
    },
    {
      name: 'media',
      names: ['v1-Documents_and_Settings_system_previous_.deleted.hv', 'v1-Documents_and_Settings_system.hv'],
      status: 0,
      corpus: false,
      refused: ['a FIFO', 'a folder'],
      prepare: (tag) => {
        const out = at(`media-${tag}`);
        mkdirSync(out);
        return { place: out, out, args: ['media', join(REPO_ROOT, 'packages/media/test/fixtures/fat12-fragmented.img'), '-o', out] };
      },
    },
    {
      name: 'compile',
      names: ['boot.hv', 'default.hv', 'user.hv', 'reginit.ini'],
      status: 0,
      corpus: false,
      refused: ['a FIFO', 'a folder'],
      prepare: (tag) => {
        const out = at(`compile-${tag}`);
        mkdirSync(out);
        return { place: out, out, args: ['compile', files.reg, '-o', out] };
      },
    },
    {
      name: 'boot --apply',
      names: ['Documents and Settings/system.hv', 'Documents and Settings/user.hv/default/user.hv'],
      status: 1,
      corpus: true,
      // STORAGEDIR is what the device holds: a link to a folder at a hive's name is a
      // folder where the hive belongs there.
      refused: ['a FIFO', 'a folder', 'a symbolic link to a folder outside'],
      prepare: (tag) => {
        const place = at(`boot-storage-${tag}`);
        mkdirSync(join(place, 'Documents and Settings', 'user.hv', 'default'), { recursive: true });
        const out = at(`boot-out-${tag}`);
        return { place, out, args: ['boot', '--clean', 'system', '--apply', out, CORPUS_DIR, place] };
      },
    },
  ];
};

/** Every entry under `dir` (relative names, folders too), or [] when it does not exist. */
const listing = (dir: string): string[] => (existsSync(dir) ? (readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[]).sort() : []);

describe('names generated in an output folder: a link there is replaced, never written through', () => {
  const writers = folderWriters();
  const reference = new Map<string, Map<string, Buffer>>();
  beforeAll(() => {
    const image = join(scratch.path, 'two.img');
    writeFileSync(image, Buffer.concat([readFileSync(join(REPO_ROOT, 'samples/device.hv')), readFileSync(join(REPO_ROOT, 'samples/multi-section.hv'))]));
    for (const writer of writers) {
      if (writer.corpus && !corpusAvailable) continue;
      const run = writer.prepare('reference');
      const result = runCli(run.args);
      expect(result.status).toBe(writer.status);
      reference.set(writer.name, new Map(writer.names.map((name) => [name, readFileSync(join(run.out, name))])));
    }
  });

  // Every kind at every name under test:long; in npm test every kind once and every name
  // at least once per writer (the kinds take the names in turn).
  const everyPair = runs(0, 1) === 1;
  const cases = writers.flatMap((writer) =>
    everyPair ? writer.names.flatMap((name) => kinds.map((kind) => [writer.name, name, kind] as const)) : kinds.map((kind, index) => [writer.name, writer.names[index % writer.names.length]!, kind] as const),
  );
  let counter = 0;
  test.each(cases)('%s, at %s: %s', (writerName, name, kind) => {
    const writer = writers.find((candidate) => candidate.name === writerName)!;
    if (writer.corpus && !corpusAvailable) return;
    const tag = String(++counter);
    const outside = join(scratch.path, `outside-${tag}`);
    writeFileSync(outside, 'precious\n');
    const outsideFolder = join(scratch.path, `outside-folder-${tag}`);
    mkdirSync(outsideFolder);
    const before = sha256(outside);
    const run = writer.prepare(tag);
    const placed = join(run.place, name);
    mkdirSync(join(placed, '..'), { recursive: true });
    if (kind === 'a symbolic link to a file outside') symlinkSync(outside, placed);
    else if (kind === 'a hard link to a file outside') linkSync(outside, placed);
    else if (kind === 'a dangling symbolic link') symlinkSync(join(scratch.path, `nothing-${tag}`), placed);
    else if (kind === 'a symbolic link to a folder outside') symlinkSync(outsideFolder, placed);
    else if (kind === 'a FIFO') expect(spawnSync('mkfifo', [placed]).status).toBe(0);
    else mkdirSync(placed);
    const listed = listing(run.out);
    const result = runCli(run.args);
    expect(sha256(outside)).toBe(before);
    expect(readdirSync(outsideFolder)).toEqual([]);
    expect(existsSync(join(scratch.path, `nothing-${tag}`))).toBe(false);
    if (writer.refused.includes(kind)) {
      expect(result.status).toBe(2);
      expect(result.stderr).toContain(name.split('/').pop()!);
      expect(result.stderr.split('\n').filter((line) => line.startsWith('hivetool: '))).toHaveLength(1);
      // Nothing else written: the folder holds what it held, no temporary file.
      expect(listing(run.out)).toEqual(listed);
      expect(listing(join(run.out, '..')).filter((entry) => entry.endsWith('.tmp'))).toEqual([]);
      return;
    }
    expect(result.stderr).toBe('');
    expect(result.status).toBe(writer.status);
    if (kind === 'a hard link to a file outside') expect(statSync(outside).nlink).toBe(run.place === run.out ? 1 : 2);
    // Every generated name is a regular file with the output's bytes; the run again (into
    // the same folder where it may be) replaces them with the same.
    const check = (): void => {
      for (const generated of writer.names) {
        const path = join(run.out, generated);
        expect(lstatSync(path).isFile()).toBe(true);
        expect(readFileSync(path)).toEqual(reference.get(writer.name)!.get(generated));
      }
      expect(listing(run.out).filter((entry) => entry.endsWith('.tmp'))).toEqual([]);
    };
    check();
    if (run.place === run.out) {
      const again = runCli(run.args);
      expect(again.status).toBe(writer.status);
      check();
    }
    expect(sha256(outside)).toBe(before);
  });
});

describeCorpus(describe)('boot --apply: what cannot be copied', () => {
  test('a FIFO anywhere in STORAGEDIR: one line naming it, exit 2, nothing written', () => {
    const storage = join(scratch.path, 'fifo-storage');
    mkdirSync(join(storage, 'Documents and Settings'), { recursive: true });
    const fifo = join(storage, 'Documents and Settings', 'pipe');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const out = join(scratch.path, 'fifo-out');
    const result = runCli(['boot', '--apply', out, CORPUS_DIR, storage]);
    expect(result.stderr).toBe(`hivetool: ${fifo}: cannot copy to ${out}: --apply copies files, folders and links, and this is a FIFO, a socket or a device; remove it from STORAGEDIR\n`);
    expect(result.status).toBe(2);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(scratch.path).filter((name) => name.includes('fifo-out'))).toEqual([]);
  });
});

describe('-o -: the output alone on standard output, every other line on standard error', () => {
  /** Every command that writes a file, with `out` as its output. */
  const writers: Array<[string, (out: string) => string[]]> = [
    ['build', (out) => ['build', files.reg, '-o', out]],
    ['build --rom', (out) => ['build', '--rom', files.rom, files.reg, '-o', out]],
    ['rewrite', (out) => ['rewrite', files.rom, out]],
    ['recover', (out) => ['recover', files.rom, '-o', out]],
    ['image pack', (out) => ['image', 'pack', files.rom, '-o', out]],
    ['image unpack', (out) => ['image', 'unpack', files.image, '-o', out]],
    ['image dump', (out) => ['image', 'dump', files.image, '-o', out]],
    ['oem pack', (out) => ['oem', 'pack', files.rom, '-o', out]],
    ['oem unpack', (out) => ['oem', 'unpack', files.stream, '-o', out]],
    ['oem split', (out) => ['oem', 'split', files.stream, '-o', out]],
    ['oem join', (out) => ['oem', 'join', files.calls, '-o', out]],
    ['oem store', (out) => ['oem', 'store', files.stream, '--slot-size', '65536', '-o', out]],
    ['oem load', (out) => ['oem', 'load', files.store, '-o', out]],
    ['oem preg pack', (out) => ['oem', 'preg', 'pack', files.stream, '-o', out]],
    ['oem preg pack --region-size', (out) => ['oem', 'preg', 'pack', files.stream, '--region-size', '4096', '--regions', '2', '-o', out]],
    ['oem preg extract', (out) => ['oem', 'preg', 'extract', files.preg, '-o', out]],
    ['compile --merge-only', (out) => ['compile', files.reg, '--merge-only', '-o', out]],
    ['dump', (out) => ['dump', files.rom, '-o', out]],
    ['dump -f json', (out) => ['dump', '-f', 'json', files.rom, '-o', out]],
    ['dump -j 2', (out) => ['dump', '-j', '2', files.rom, files.persistent, '-o', out]],
    ['diff', (out) => ['diff', files.rom, files.persistent, '-o', out]],
  ];
  beforeAll(() => {
    files.preg = join(scratch.path, 'flash.preg');
    expect(runCli(['oem', 'preg', 'pack', files.stream, '-o', files.preg]).status).toBe(0);
  });
  const binary = (args: string[]): { status: number | null; stdout: Buffer; stderr: string } => {
    const result = spawnSync(process.execPath, [HIVETOOL_BIN, ...args], { cwd: REPO_ROOT, encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr.toString('utf8') };
  };
  test.each(writers)('%s -o - writes the bytes of -o FILE, and nothing else, to standard output', (name, args) => {
    const file = join(scratch.path, `stdout-${name.replace(/[^a-z0-9]+/gi, '_')}`);
    // The file is written in this process; the pipe needs a real one (its stdout as bytes).
    const named = runCli(args(file));
    expect(named.stderr.split('\n').filter((line) => line !== '' && !line.startsWith('hivetool: '))).toEqual([]);
    const piped = binary(args('-'));
    expect(piped.status).toBe(named.status);
    expect(piped.stdout.equals(readFileSync(file))).toBe(true);
    // Every line on standard error is a hivetool line; a closing line names <stdout>.
    expect(piped.stderr.split('\n').filter((line) => line !== '' && !line.startsWith('hivetool: '))).toEqual([]);
    expect(piped.stderr).not.toContain(`${file}`);
  });

  test.each([
    ['recover', ['recover', '--json', 'IN', '-o', '-']],
    ['compile --merge-only', ['compile', '--json', 'IN', '--merge-only', '-o', '-']],
    ['oem load', ['oem', 'load', '--json', 'IN', '-o', '-']],
  ])('%s --json -o -: refused before anything is read, nothing on standard output', (_name, args) => {
    const result = runCli(args.map((arg) => (arg === 'IN' ? files.rom : arg)));
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('hivetool: --json and -o - both write to standard output: give -o a file name\n');
    expect(result.status).toBe(2);
  });
});
