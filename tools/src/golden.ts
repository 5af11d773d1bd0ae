/**
 * Golden output of the CLI: runs a fixed set of `hivetool` commands over the corpus
 * (`../shared/corpus`), the samples and damaged copies of them, and records for each the
 * SHA-256 of stdout, stderr, every file it wrote, and the exit code.
 *
 *   npm run golden -- --write DIR   record the set in DIR (golden.json and the outputs)
 *   npm run golden -- --check DIR   run again and list every command whose output differs
 *   npm run golden -- --check DIR --renamed OLD=NEW,…
 *                                   the same, after turning each code NEW back into OLD in
 *                                   this run's stdout and stderr: proves that a renaming
 *                                   of codes is the only difference
 *
 * A restructuring that must keep output byte-identical records the set before the change
 * and checks it after. Commands run with relative paths in a scratch folder, so the
 * messages (which name the files) are the same from run to run. Without the corpus the
 * corpus commands are left out (and the check says so).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = join(REPO_ROOT, 'packages/cli/bin/hivetool.js');
const CORPUS = process.env['HIVETOOL_CORPUS'] ?? resolve(REPO_ROOT, '../shared/corpus/ce6-mediaroom');
const PLATFORM_REG = process.env['HIVETOOL_PLATFORM_REG'] ?? resolve(REPO_ROOT, '../shared/corpus/platform-reg');
/** Outputs up to this size are kept as text beside golden.json, so a difference can be read. */
const KEEP_LIMIT = 16 * 1024 * 1024;

interface Outcome {
  args: string[];
  status: number | null;
  stdout: string;
  stderr: string;
  files: Record<string, string>;
}

interface Case {
  name: string;
  args: string[];
  /** Files (relative to the scratch folder) the command writes; their hashes are recorded. */
  outputs?: string[];
}

const sha256 = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');

function usage(): never {
  process.stderr.write('usage: golden (--write DIR | --check DIR)\n');
  process.exit(2);
}

/** Files under `dir`, relative, sorted (a command may write a folder). */
function listFiles(dir: string, base = dir): string[] {
  if (!existsSync(dir)) return [];
  if (!statSync(dir).isDirectory()) return [relative(base, dir) || '.'];
  return readdirSync(dir)
    .sort()
    .flatMap((name) => listFiles(join(dir, name), base));
}

/** Damaged copies: byte `offset` of `source` XORed with 0x5a, or the file cut at `offset`. */
function damage(work: string, source: string, prefix: string, offsets: number[], cuts: number[]): string[] {
  const bytes = readFileSync(join(work, source));
  const names: string[] = [];
  for (const offset of offsets) {
    if (offset >= bytes.length) continue;
    const copy = Uint8Array.from(bytes);
    copy[offset] = (copy[offset] ?? 0) ^ 0x5a;
    const name = `damaged/${prefix}-x${offset.toString(16).padStart(5, '0')}.hv`;
    writeFileSync(join(work, name), copy);
    names.push(name);
  }
  for (const cut of cuts) {
    const name = `damaged/${prefix}-cut${cut.toString(16).padStart(5, '0')}.hv`;
    writeFileSync(join(work, name), bytes.subarray(0, cut));
    names.push(name);
  }
  return names;
}

const range = (start: number, end: number, step: number): number[] => Array.from({ length: Math.ceil((end - start) / step) }, (_, i) => start + i * step);

function prepare(work: string, corpus: boolean): Case[] {
  mkdirSync(join(work, 'in'));
  mkdirSync(join(work, 'out'));
  mkdirSync(join(work, 'damaged'));
  for (const name of ['device.hv', 'multi-section.hv']) writeFileSync(join(work, 'in', name), readFileSync(join(REPO_ROOT, 'samples', name)));
  writeFileSync(
    join(work, 'in/changes.reg'),
    'REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\init\\BootVars]\r\n"Golden"=dword:00000011\r\n\r\n[HKEY_LOCAL_MACHINE\\Golden\\Sub]\r\n"Text"="a value"\r\n"Bin"=hex:01,02,03\r\n\r\n[-HKEY_LOCAL_MACHINE\\Samples]\r\n',
  );
  writeFileSync(join(work, 'in/update.reg'), 'REGEDIT4\r\n\r\n[HKEY_CURRENT_USER\\MUI]\r\n"CurLang"=dword:00000407\r\n\r\n[HKEY_LOCAL_MACHINE\\init]\r\n"Launch10"="explorer.exe"\r\n\r\n[HKEY_LOCAL_MACHINE\\Golden]\r\n"New"=dword:00000001\r\n');
  writeFileSync(join(work, 'in/tree.reg'), 'REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\A]\r\n"S"="x"\r\n"M"=multi_sz:"one","two"\r\n\r\n[HKEY_LOCAL_MACHINE\\A\\B]\r\n@=dword:7\r\n');
  const cases: Case[] = [];
  const add = (name: string, args: string[], outputs?: string[]): void => {
    cases.push({ name, args, ...(outputs === undefined ? {} : { outputs }) });
  };
  const hives = ['in/device.hv', 'in/multi-section.hv'];
  if (corpus) {
    mkdirSync(join(work, 'rom'));
    for (const name of ['boot.hv', 'default.hv', 'user.hv']) {
      symlinkSync(join(CORPUS, name), join(work, 'rom', name));
      hives.push(`rom/${name}`);
    }
    symlinkSync(PLATFORM_REG, join(work, 'platform-reg'));
    mkdirSync(join(work, 'out/empty-storage'));
  }
  // Damaged copies of the samples (and of the corpus's default.hv): header fields, the
  // section directory, every part of the heap, and cuts.
  const damaged = [
    ...damage(work, 'in/device.hv', 'device', [...range(0, 0x80, 4), ...range(0x1000, 0x1020, 4), ...range(0x5000, 0x7000, 29)], [0x1000, 0x5000, 0x5010, 0x6000, 0x6ffc]),
    ...damage(work, 'in/multi-section.hv', 'multi', [...range(0x5000, 0x22000, 1013)], [0x10000]),
    ...(corpus ? damage(work, 'rom/default.hv', 'default', range(0x5000, 0x41000, 2477), [0x20000]) : []),
  ];

  for (const hive of hives) {
    const tag = hive.replace(/[/.]/g, '_');
    add(`dump-reg ${hive}`, ['dump', hive]);
    add(`dump-reg-regedit ${hive}`, ['dump', '--reg-style', 'regedit', hive]);
    add(`dump-json ${hive}`, ['dump', '-f', 'json', hive]);
    add(`dump-json-content ${hive}`, ['dump', '-f', 'json', '--content-only', hive]);
    add(`dump-raw ${hive}`, ['dump', '-f', 'raw', hive]);
    add(`dump-csv ${hive}`, ['dump', '-f', 'csv', hive]);
    add(`dump-jsonl ${hive}`, ['dump', '-f', 'jsonl', hive]);
    add(`dump-parquet ${hive}`, ['dump', '-f', 'parquet', '-o', `out/${tag}.parquet`, hive], [`out/${tag}.parquet`]);
    add(`dump-key ${hive}`, ['dump', '-k', 'HKLM\\init', hive]);
    add(`dump-key-json ${hive}`, ['dump', '-f', 'json', '-k', 'HKLM\\Drivers', hive]);
    add(`dump-o ${hive}`, ['dump', '-o', `out/${tag}.reg`, hive], [`out/${tag}.reg`]);
    add(`info ${hive}`, ['info', hive]);
    add(`info-json ${hive}`, ['info', '--json', hive]);
    add(`verify ${hive}`, ['verify', hive]);
    add(`verify-json ${hive}`, ['verify', '--json', hive]);
    add(`verify-strict ${hive}`, ['verify', '--strict', hive]);
    add(`rewrite ${hive}`, ['rewrite', hive, `out/${tag}.rewritten.hv`], [`out/${tag}.rewritten.hv`]);
    add(`image-pack ${hive}`, ['image', 'pack', hive, '-o', `out/${tag}.fdf`], [`out/${tag}.fdf`]);
    add(`image-unpack ${hive}`, ['image', 'unpack', `out/${tag}.fdf`, '-o', `out/${tag}.fdf.hv`], [`out/${tag}.fdf.hv`]);
    add(`image-dump ${hive}`, ['image', 'dump', `out/${tag}.fdf`]);
    add(`image-dump-json ${hive}`, ['image', 'dump', '-f', 'json', `out/${tag}.fdf`]);
    add(`oem-pack ${hive}`, ['oem', 'pack', hive, '-o', `out/${tag}.oem`], [`out/${tag}.oem`]);
    add(`oem-unpack ${hive}`, ['oem', 'unpack', `out/${tag}.oem`, '-o', `out/${tag}.oem.hv`], [`out/${tag}.oem.hv`]);
    add(`oem-unpack-image ${hive}`, ['oem', 'unpack', '--to', 'image', `out/${tag}.oem`, '-o', `out/${tag}.oem.fdf`], [`out/${tag}.oem.fdf`]);
    add(`oem-split ${hive}`, ['oem', 'split', '--chunk', '1000', `out/${tag}.oem`, '-o', `out/${tag}.calls`], [`out/${tag}.calls`]);
    add(`oem-join ${hive}`, ['oem', 'join', `out/${tag}.calls`, '-o', `out/${tag}.joined`], [`out/${tag}.joined`]);
    add(`oem-store ${hive}`, ['oem', 'store', `out/${tag}.oem`, '--slot-size', '1048576', '-o', `out/${tag}.store`], [`out/${tag}.store`]);
    add(`oem-store-next ${hive}`, ['oem', 'store', `out/${tag}.oem`, '--previous', `out/${tag}.store`, '-o', `out/${tag}.store2`], [`out/${tag}.store2`]);
    add(`oem-load ${hive}`, ['oem', 'load', `out/${tag}.store2`, '-o', `out/${tag}.loaded`], [`out/${tag}.loaded`]);
    add(`oem-load-json ${hive}`, ['oem', 'load', '--json', `out/${tag}.store2`]);
    add(`oem-verify ${hive}`, ['oem', 'verify', `out/${tag}.oem`, `out/${tag}.calls`, `out/${tag}.store2`]);
  }
  add('diff device multi', ['diff', 'in/device.hv', 'in/multi-section.hv']);
  add('diff-json device multi', ['diff', '-f', 'json', 'in/device.hv', 'in/multi-section.hv']);
  add('diff-reg device multi', ['diff', '-f', 'reg', 'in/device.hv', 'in/multi-section.hv']);
  add('build tree', ['build', 'in/tree.reg', '-o', 'out/tree.hv'], ['out/tree.hv']);
  add('build tree persistent', ['build', 'in/tree.reg', '--layout', 'persistent', '--guid', '00112233445566778899aabbccddeeff', '-o', 'out/tree-p.hv'], ['out/tree-p.hv']);
  add('build on device', ['build', '--rom', 'in/device.hv', 'in/changes.reg', '-o', 'out/device-system.hv'], ['out/device-system.hv']);
  add('verify --rom device', ['verify', '--rom', 'in/device.hv', 'out/device-system.hv']);
  add('verify --rom device json', ['verify', '--json', '--rom', 'in/device.hv', 'out/device-system.hv']);
  add('verify --rom only', ['verify', '--rom', 'in/device.hv']);
  add('dump --rom device', ['dump', '--rom', 'in/device.hv', 'out/device-system.hv']);
  add('dump --rom device json', ['dump', '-f', 'json', '--rom', 'in/device.hv', 'out/device-system.hv']);
  add('dump raw persistent', ['dump', '-f', 'raw', 'out/device-system.hv']);
  add('info persistent', ['info', 'out/device-system.hv']);
  add('info-json persistent', ['info', '--json', 'out/device-system.hv']);
  add('diff --rom device', ['diff', '--rom', 'in/device.hv', 'out/device-system.hv']);
  add('diff-json --rom device', ['diff', '-f', 'json', '--rom', 'in/device.hv', 'out/device-system.hv']);
  add('diff-reg --rom device', ['diff', '-f', 'reg', '--rom', 'in/device.hv', 'out/device-system.hv']);
  add('build update rom', ['build', 'in/update.reg', '--rom-signature', '00112233445566778899aabbccddeeff', '-o', 'out/update.hv'], ['out/update.hv']);
  add('migrate device onto update', ['migrate', '--old-rom', 'in/device.hv', '--new-rom', 'out/update.hv', 'out/device-system.hv', '-o', 'out/migrated.hv', '--patch', 'out/migrated.reg'], ['out/migrated.hv', 'out/migrated.reg']);
  add('migrate-json device onto update', ['migrate', '--json', '--prefer', 'device', '--keep-image', 'HKLM\\Golden', '--old-rom', 'in/device.hv', '--new-rom', 'out/update.hv', 'out/device-system.hv', '--dry-run']);
  add('migrate device onto tree (role)', ['migrate', '--old-rom', 'in/device.hv', '--new-rom', 'out/tree.hv', 'out/device-system.hv', '-o', 'out/never.hv']);
  add('migrate device same build', ['migrate', '--old-rom', 'in/device.hv', '--new-rom', 'in/device.hv', 'out/device-system.hv', '-o', 'out/migrated-same.hv'], ['out/migrated-same.hv']);
  add('image pack persistent', ['image', 'pack', '--rom', 'in/device.hv', 'out/device-system.hv', '-o', 'out/device-system.fdf'], ['out/device-system.fdf']);
  add('verify persistent without rom', ['verify', 'out/device-system.hv']);
  add('verify-json damaged', ['verify', '--json', ...damaged]);
  add('verify damaged', ['verify', ...damaged]);
  add('info-json damaged', ['info', '--json', ...damaged]);
  add('info damaged', ['info', ...damaged]);
  add('dump-raw damaged', ['dump', '-f', 'raw', ...damaged]);
  add('dump-json damaged', ['dump', '-f', 'json', ...damaged]);
  add('dump-reg damaged', ['dump', ...damaged]);
  // A FAT12 volume with a fragmented and a deleted hive (packages/media/test/fixtures).
  writeFileSync(join(work, 'in/fat12.img'), readFileSync(join(REPO_ROOT, 'packages/media/test/fixtures/fat12-fragmented.img')));
  add('media fat12', ['media', 'in/fat12.img']);
  add('media-json fat12', ['media', '--json', 'in/fat12.img', '-o', 'out/media'], ['out/media']);
  if (corpus) {
    add('diff default user', ['diff', 'rom/default.hv', 'rom/user.hv']);
    add('build --rom default', ['build', '--rom', 'rom/default.hv', 'in/changes.reg', '-o', 'out/system.hv'], ['out/system.hv']);
    add('verify --rom default', ['verify', '--rom', 'rom/default.hv', 'out/system.hv']);
    add('verify-json --rom default', ['verify', '--json', '--rom', 'rom/default.hv', 'out/system.hv']);
    add('verify --rom default only', ['verify', '--json', '--rom', 'rom/default.hv']);
    add('dump --rom default', ['dump', '--rom', 'rom/default.hv', 'out/system.hv']);
    add('dump-raw system', ['dump', '-f', 'raw', 'out/system.hv']);
    add('info-json system', ['info', '--json', 'out/system.hv']);
    add('diff --rom default', ['diff', '--rom', 'rom/default.hv', 'out/system.hv']);
    add('diff-reg --rom default', ['diff', '-f', 'reg', '--rom', 'rom/default.hv', 'out/system.hv']);
    add('migrate system same build', ['migrate', '--json', '--old-rom', 'rom/default.hv', '--new-rom', 'rom/default.hv', 'out/system.hv', '--dry-run']);
    add('migrate system wrong role', ['migrate', '--old-rom', 'rom/default.hv', '--new-rom', 'rom/user.hv', 'out/system.hv', '-o', 'out/never.hv']);
    add('image pack default+user', ['image', 'pack', 'rom/default.hv', 'rom/user.hv', '-o', 'out/du.fdf'], ['out/du.fdf']);
    add('image dump default+user', ['image', 'dump', '-k', 'HKCU', 'out/du.fdf']);
    add('lint', ['lint', 'rom']);
    add('lint-json', ['lint', '--json', 'rom']);
    add('boot first', ['boot', 'rom', 'out/empty-storage']);
    add('boot-json first', ['boot', '--json', 'rom', 'out/empty-storage']);
    add('boot apply', ['boot', '--apply', 'out/after-boot', 'rom', 'out/empty-storage'], ['out/after-boot']);
    add('boot after', ['boot', '--json', 'rom', 'out/after-boot']);
    add('migrate folders same build', ['migrate', '--json', 'rom', 'rom', 'out/after-boot', '-o', 'out/migrated-storage'], ['out/migrated-storage']);
    add('migrate device-reg', ['migrate', 'rom', 'rom', '--device-reg', 'in/changes.reg', '--dry-run']);
    add('compile tenbyten', ['compile', 'platform-reg/tenbyten6410/platform.reg', '-D', '_TARGETPLATROOT=platform-reg/tenbyten6410', '-D', '_PUBLICROOT=/nonexistent', '-D', 'BSP_NOKEYPAD', '-D', 'BSP_NOKEYBD', '--missing-include', 'warn', '-o', 'out/compiled'], ['out/compiled']);
    add('compile json', ['compile', '--json', 'platform-reg/ce6-emulator/common.reg', 'platform-reg/ce6-emulator/platform.reg', '-D', 'BSP_NOKEYBD', '-D', 'BSP_NOPCCARD', '-D', 'BSP_NOSERIAL', '-D', '_PUBLICROOT=/nonexistent', '--missing-include', 'warn', '-o', 'out/emulator'], ['out/emulator']);
    add('compile explain', ['compile', 'platform-reg/ce6-emulator/common.reg', '--missing-include', 'warn', '--explain', 'HKLM\\init']);
    add('verify compiled', ['verify', 'out/compiled/boot.hv', 'out/compiled/default.hv', 'out/compiled/user.hv']);
    add('lint compiled', ['lint', 'out/compiled']);
  }
  return cases;
}

/** Replaces whole-word codes NEW by OLD (the renamings given with --renamed). */
function undoRenames(text: string, renames: Array<[string, string]>): string {
  let result = text;
  for (const [oldCode, newCode] of renames) result = result.replace(new RegExp(`\\b${newCode}\\b`, 'g'), oldCode);
  return result;
}

function run(work: string, testCase: Case): Outcome {
  const result = spawnSync(process.execPath, [BIN, ...testCase.args], { cwd: work, encoding: 'buffer', maxBuffer: 1024 * 1024 * 1024 });
  const files: Record<string, string> = {};
  for (const output of testCase.outputs ?? []) {
    const path = join(work, output);
    const list = listFiles(path);
    if (list.length === 0) files[output] = 'missing';
    for (const file of list) files[file === '.' ? output : `${output}/${file}`] = sha256(readFileSync(file === '.' ? path : join(path, file)));
  }
  return { args: testCase.args, status: result.status, stdout: result.stdout.toString('latin1'), stderr: result.stderr.toString('latin1'), files };
}

function main(argv: string[]): number {
  const [mode, dir, option, list] = argv;
  if ((mode !== '--write' && mode !== '--check') || dir === undefined) usage();
  if (option !== undefined && (option !== '--renamed' || list === undefined || mode !== '--check')) usage();
  const renames = (list ?? '')
    .split(',')
    .filter((pair) => pair.length > 0)
    .map((pair) => pair.split('=') as [string, string]);
  const corpus = existsSync(join(CORPUS, 'default.hv')) && existsSync(PLATFORM_REG);
  if (!corpus) process.stderr.write(`golden: corpus not found at ${CORPUS}: its commands are left out\n`);
  const work = mkdtempSync(join(tmpdir(), 'hivetool-golden-'));
  const texts = join(dir, mode === '--write' ? 'golden' : 'actual');
  try {
    const cases = prepare(work, corpus);
    const record: Record<string, { args: string[]; status: number | null; stdout: string; stderr: string; files: Record<string, string> }> = {};
    // With --renamed: the hashes of this run's output with the renamings undone.
    const renamed: Record<string, { stdout: string; stderr: string }> = {};
    rmSync(texts, { recursive: true, force: true });
    mkdirSync(texts, { recursive: true });
    cases.forEach((testCase, index) => {
      const outcome = run(work, testCase);
      record[testCase.name] = { args: outcome.args, status: outcome.status, stdout: sha256(Buffer.from(outcome.stdout, 'latin1')), stderr: sha256(Buffer.from(outcome.stderr, 'latin1')), files: outcome.files };
      if (renames.length > 0) {
        renamed[testCase.name] = {
          stdout: sha256(Buffer.from(undoRenames(outcome.stdout, renames), 'latin1')),
          stderr: sha256(Buffer.from(undoRenames(outcome.stderr, renames), 'latin1')),
        };
      }
      const stem = join(texts, String(index).padStart(4, '0'));
      if (outcome.stdout.length <= KEEP_LIMIT) writeFileSync(`${stem}.stdout`, Buffer.from(outcome.stdout, 'latin1'));
      if (outcome.stderr.length <= KEEP_LIMIT) writeFileSync(`${stem}.stderr`, Buffer.from(outcome.stderr, 'latin1'));
    });
    const file = join(dir, 'golden.json');
    if (mode === '--write') {
      writeFileSync(file, JSON.stringify({ corpus, cases: record }, null, 1) + '\n');
      process.stdout.write(`golden: ${cases.length} commands recorded in ${file}\n`);
      return 0;
    }
    const golden = JSON.parse(readFileSync(file, 'utf8')) as { corpus: boolean; cases: typeof record };
    if (golden.corpus !== corpus) process.stdout.write(`golden: recorded ${golden.corpus ? 'with' : 'without'} the corpus, checked ${corpus ? 'with' : 'without'}\n`);
    const names = Object.keys(golden.cases);
    let differing = 0;
    let onlyRenamed = 0;
    names.forEach((name, index) => {
      const want = golden.cases[name];
      const got = record[name];
      if (want === undefined) return;
      if (got === undefined) {
        process.stdout.write(`missing  ${name}\n`);
        differing++;
        return;
      }
      const parts: string[] = [];
      const undone = renamed[name];
      if (want.status !== got.status) parts.push(`exit ${want.status} → ${got.status}`);
      const renamedOnly = (stream: 'stdout' | 'stderr'): boolean => want[stream] !== got[stream] && undone !== undefined && want[stream] === undone[stream];
      if (want.stdout !== got.stdout && !renamedOnly('stdout')) parts.push('stdout');
      if (want.stderr !== got.stderr && !renamedOnly('stderr')) parts.push('stderr');
      if (parts.length === 0 && (renamedOnly('stdout') || renamedOnly('stderr'))) {
        onlyRenamed++;
        process.stdout.write(`renamed  ${name} [${String(index).padStart(4, '0')}]: identical once the renamed codes are turned back\n`);
      }
      for (const output of new Set([...Object.keys(want.files), ...Object.keys(got.files)])) if (want.files[output] !== got.files[output]) parts.push(output);
      if (parts.length > 0) {
        differing++;
        process.stdout.write(`differs  ${name} [${String(index).padStart(4, '0')}]: ${parts.join(', ')}\n`);
      }
    });
    const renamedNote = renames.length > 0 ? `, ${onlyRenamed} of them only through the renamed codes` : '';
    process.stdout.write(`golden: ${names.length - differing} of ${names.length} commands identical${renamedNote}${differing > 0 ? ` (texts of this run in ${texts})` : ''}\n`);
    return differing === 0 ? 0 : 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

process.exitCode = main(process.argv.slice(2));
