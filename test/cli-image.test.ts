import { describe, expect, test } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Ajv } from 'ajv';
import { crc32Of } from '@hivetool/image';
import { CORPUS_FILES, REPO_ROOT, corpusPath, describeCorpus, runCli } from '@hivetool/test-support';
import { scratchDirectory } from '@hivetool/test-support/scratch';

const describeWithCorpus = describeCorpus(describe);
const validateDump = new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(join(REPO_ROOT, 'docs/schemas/dump.schema.json'), 'utf8')) as object);

const scratch = scratchDirectory('hivetool-image-');

const contentJson = (file: string): string => {
  const result = runCli(['dump', '-f', 'json', '--content-only', file]);
  expect(result.status).toBe(0);
  return result.stdout;
};

describeWithCorpus('the corpus through images and OEM streams', () => {
  test.each(CORPUS_FILES)('%s: hive → image → hive and hive → stream → hive give identical dump --format json', (file) => {
    const original = contentJson(corpusPath(file));
    const document = JSON.parse(original) as unknown;
    expect(validateDump(document)).toBe(true);

    const image = join(scratch.path, `${file}.fdf`);
    const fromImage = join(scratch.path, `${file}.image.hv`);
    expect(runCli(['image', 'pack', corpusPath(file), '-o', image]).status).toBe(0);
    expect(runCli(['image', 'unpack', image, '-o', fromImage]).status).toBe(0);
    expect(contentJson(fromImage)).toBe(original);

    const stream = join(scratch.path, `${file}.oem`);
    const fromStream = join(scratch.path, `${file}.stream.hv`);
    expect(runCli(['oem', 'pack', corpusPath(file), '-o', stream]).status).toBe(0);
    expect(runCli(['oem', 'unpack', stream, '-o', fromStream]).status).toBe(0);
    expect(contentJson(fromStream)).toBe(original);
  });

  test('image dump: the same .reg and JSON as dump, system and user hive combined', () => {
    const image = join(scratch.path, 'Restore.fdf');
    const pack = runCli(['image', 'pack', corpusPath('default.hv'), corpusPath('user.hv'), '-o', image]);
    expect(pack.stdout).toContain('992 keys, 2758 values');
    const reg = runCli(['image', 'dump', image]).stdout;
    // The same key sections (the image keeps roots in root order, dump goes file by file).
    const sections = (text: string): string[] => text.split('\n').filter((line) => !line.startsWith('; ')).join('\n').split(/\n(?=\[)/).map((s) => s.trim()).filter((s) => s.startsWith('[')).sort();
    expect(sections(reg)).toEqual(sections(runCli(['dump', corpusPath('default.hv'), corpusPath('user.hv')]).stdout));
    expect(sections(reg)).toHaveLength(992);
    const json = JSON.parse(runCli(['image', 'dump', '-f', 'json', image]).stdout) as { hives: Array<{ kind: string; keys: unknown[] }> };
    expect(validateDump(json)).toBe(true);
    expect(json.hives[0]!.kind).toBe('image');
    expect(json.hives[0]!.keys).toHaveLength(992);
    expect(runCli(['image', 'dump', '-k', 'HKCU\\MUI', image]).stdout).toContain('[HKEY_CURRENT_USER\\MUI]\n"CurLang"=dword:00000409\n');
  });

  test('a root in two inputs is refused', () => {
    const result = runCli(['image', 'pack', corpusPath('default.hv'), corpusPath('boot.hv'), '-o', join(scratch.path, 'x.fdf')]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/HKEY_LOCAL_MACHINE is in both .*default\.hv and .*boot\.hv/);
  });
});

describe('oem commands (sample hive)', () => {
  test('split → join round trip; a save cut short is refused', () => {
    const stream = join(scratch.path, 'device.oem');
    expect(runCli(['oem', 'pack', 'samples/device.hv', '-o', stream]).status).toBe(0);
    const calls = join(scratch.path, 'calls.log');
    const split = runCli(['oem', 'split', stream, '--chunk', '100', '-o', calls]);
    expect(split.status).toBe(0);
    expect(split.stdout).toMatch(/\d+ WriteRegistryToOEM calls \(first REG_WRITE_BYTES_START, last cbData = 0\)/);
    const joined = join(scratch.path, 'joined.oem');
    expect(runCli(['oem', 'join', calls, '-o', joined]).status).toBe(0);
    expect(readFileSync(joined).equals(readFileSync(stream))).toBe(true);

    // Drop the final zero-length call: 4 bytes count, then the last record (8 bytes).
    const log = readFileSync(calls);
    const partial = Buffer.from(log.subarray(0, log.length - 8));
    partial.writeUInt32LE(log.readUInt32LE(12) - 1, 12);
    const cut = join(scratch.path, 'partial.log');
    writeFileSync(cut, partial);
    const refused = runCli(['oem', 'join', cut, '-o', join(scratch.path, 'never.oem')]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/partial registry and must not be restored at offset 0x[0-9a-f]{8} \[PARTIAL_REGISTRY\]/);
    const verify = runCli(['oem', 'verify', cut]);
    expect(verify.status).toBe(1);
    expect(verify.stdout).toMatch(/BAD: .*PARTIAL_REGISTRY/);
  });

  test('store → store → load: generations alternate slots; a torn write falls back', () => {
    const stream = join(scratch.path, 's.oem');
    expect(runCli(['oem', 'pack', 'samples/device.hv', '-o', stream]).status).toBe(0);
    const first = join(scratch.path, 'flash1.bin');
    const second = join(scratch.path, 'flash2.bin');
    expect(runCli(['oem', 'store', stream, '--slot-size', '8192', '--chunk', '256', '-o', first]).stdout).toContain('generation 1 written to slot A');
    expect(runCli(['oem', 'store', stream, '--previous', first, '--chunk', '256', '-o', second]).stdout).toContain('generation 2 written to slot B');
    const loaded = join(scratch.path, 'loaded.oem');
    const load = runCli(['oem', 'load', second, '-o', loaded]);
    expect(load.stdout).toContain('generation 2 from slot B');
    expect(readFileSync(loaded).equals(readFileSync(stream))).toBe(true);
    // Tear generation 2: keep slot B's first 300 bytes, erase the rest.
    const torn = Buffer.from(readFileSync(second));
    torn.fill(0xff, 8192 + 300);
    const tornFile = join(scratch.path, 'torn.bin');
    writeFileSync(tornFile, torn);
    const json = JSON.parse(runCli(['oem', 'load', '--json', tornFile]).stdout) as { generation: number; slot: string; slots: Array<{ slot: string; complete: boolean; reason: string }> };
    expect(json.generation).toBe(1);
    expect(json.slot).toBe('A');
    expect(json.slots[1]).toMatchObject({ slot: 'B', complete: false });
    expect(json.slots[1]!.reason).toMatch(/cut short|damaged/);
  });

  test('files of the other API pair are named for what they are', () => {
    const stream = join(scratch.path, 'named.oem');
    runCli(['oem', 'pack', 'samples/device.hv', '-o', stream]);
    const asImage = runCli(['image', 'dump', stream]);
    expect(asImage.status).toBe(2);
    expect(asImage.stderr).toMatch(/but this is an OEM registry stream \(handed to WriteRegistryToOEM, read back with ReadRegistryFromOEM\)/);
    const asHive = runCli(['dump', stream]);
    expect(asHive.stderr).toMatch(/not a hive file: this is an OEM registry stream/);
    const image = join(scratch.path, 'named.fdf');
    runCli(['image', 'pack', 'samples/device.hv', '-o', image]);
    expect(runCli(['oem', 'unpack', image, '-o', join(scratch.path, 'x.hv')]).stderr).toMatch(/but this is a registry image \(written by RegCopyFile, restored by RegRestoreFile as Restore\.fdf\); read it with `hivetool image dump`/);
    const verify = runCli(['oem', 'verify', 'samples/device.hv']);
    expect(verify.status).toBe(1);
    expect(verify.stdout).toMatch(/samples\/device\.hv: BAD: this is a hive file/);
  });
});

describe('oem store and input edge cases', () => {
  test('slot sizes out of range, or a --previous that is not a store, are refused', () => {
    const stream = join(scratch.path, 'edge.oem');
    runCli(['oem', 'pack', 'samples/device.hv', '-o', stream]);
    for (const size of ['10', '3000000000']) {
      const result = runCli(['oem', 'store', stream, '--slot-size', size, '-o', join(scratch.path, 'never.bin')]);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/^hivetool: --slot-size \d+: expected a whole number of bytes from \d+ to \d+, found \d+\n$/);
    }
    const notStore = runCli(['oem', 'store', stream, '--previous', 'samples/device.hv', '-o', join(scratch.path, 'never.bin')]);
    expect(notStore.status).toBe(2);
    expect(notStore.stderr).toMatch(/^hivetool: samples\/device\.hv: this is a hive file .*not an OEM store \(given with --previous\)$/m);
  });

  test('the generation counter does not wrap around', () => {
    const stream = join(scratch.path, 'gen.oem');
    runCli(['oem', 'pack', 'samples/device.hv', '-o', stream]);
    const store = join(scratch.path, 'gen.bin');
    runCli(['oem', 'store', stream, '--slot-size', '8192', '-o', store]);
    // Make slot A's generation the last valid one (0xfffffffe): headers carry their own CRC.
    const bytes = Buffer.from(readFileSync(store));
    for (let at = 0; at < 8192 && bytes.readUInt32LE(at) === 0x4b435648; at += 36 + bytes.readUInt32LE(at + 20)) {
      bytes.writeUInt32LE(0xfffffffe, at + 4);
      bytes.writeUInt32LE(crc32Of(bytes.subarray(at, at + 32)), at + 32);
    }
    const last = join(scratch.path, 'last.bin');
    writeFileSync(last, bytes);
    expect(runCli(['oem', 'load', last]).stdout).toContain('generation 4294967294 from slot A');
    const next = runCli(['oem', 'store', stream, '--previous', last, '-o', join(scratch.path, 'never.bin')]);
    expect(next.status).toBe(2);
    expect(next.stderr).toMatch(/the last there is: start a new store/);
  });

  test('a FIFO is refused without waiting for a writer', () => {
    const fifo = join(scratch.path, 'pipe.hv');
    spawnSync('mkfifo', [fifo]);
    for (const args of [['info', fifo], ['oem', 'verify', fifo], ['image', 'dump', fifo]]) {
      const result = runCli(args);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/not a regular file/);
    }
  });
});
