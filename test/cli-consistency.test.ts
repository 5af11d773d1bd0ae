/**
 * One set of rules decides what a valid hive is: `verify` and the readers (`dump`, `info`,
 * `diff`) agree on every case below, and `info` shows what it can of a damaged hive.
 */
import { describe, expect, test } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openHive } from '@hivetool/hive';
import { ROM, buildRawHive, chainFixture, keyPayload, ref, rootsPayload, runCli } from '@hivetool/test-support';
import { scratchDirectory } from '@hivetool/test-support/scratch';

const scratch = scratchDirectory('hivetool-consistency-');

function file(name: string, bytes: Uint8Array): string {
  const path = join(scratch.path, name);
  writeFileSync(path, bytes);
  return path;
}

/** HKLM\A, and root entry `extra` pointing at `target` (id 2 is a key, id 9 a free slot). */
function rootsFixture(extra: number, target: number): Uint8Array {
  return buildRawHive({
    blocks: [
      { id: 0, type: 0xb, payload: rootsPayload({ 2: ref(ROM, 1), [extra]: ref(ROM, target) }) },
      { id: 1, type: 0xc, payload: keyPayload({ name: 'A' }) },
      { id: 2, type: 0xc, payload: keyPayload({ name: 'X' }) },
    ],
  }).bytes;
}

describe('root entries 4–7: unused, so reported by verify and followed by no reader', () => {
  test.each([
    ['a key', 2],
    ['a free slot', 9],
  ])('entry 5 pointing at %s', (_what, target) => {
    const path = file(`root5-${target}.hv`, rootsFixture(5, target));
    const verify = runCli(['verify', path]);
    expect(verify.status).toBe(0);
    expect(verify.stdout).toMatch(/info {4}UNUSED_ROOT_SET .* root entry 5 \(unused, format guide §8\) holds 0x2000000[29]; no reader follows it/);

    const dump = runCli(['dump', path]);
    expect(dump.status).toBe(0);
    expect(dump.stdout).toContain('[HKEY_LOCAL_MACHINE\\A]');
    expect(dump.stdout).not.toMatch(/ROOT5|\\X\]/);
    expect(dump.stderr).toMatch(/warning: .*root5-\d\.hv: root entry 5 holds 0x2000000[29]; entries 4–7 are unused/);

    const info = runCli(['info', path]);
    expect(info.status).toBe(0);
    expect(info.stdout).toMatch(/roots +HKEY_LOCAL_MACHINE → 0x20000001, ROOT5 → 0x2000000[29] \(unused entry, not followed\)/);
    expect(info.stdout).toMatch(/keys +2 in heap, 1 reachable/);

    const diff = runCli(['diff', path, path]);
    expect(diff.status).toBe(0);
    expect(diff.stdout).toContain('no differences');
  });
});

describe('two roots pointing at one key: an error for verify and for every reader', () => {
  test('CHILD_CYCLE at the second root entry, from verify, dump, info and diff', () => {
    const path = file('two-roots.hv', rootsFixture(1, 1));
    const verify = runCli(['verify', path]);
    expect(verify.status).toBe(1);
    const finding = /ERROR +CHILD_CYCLE +at (0x[0-9a-f]{8})/.exec(verify.stdout);
    expect(finding).not.toBeNull();
    const at = finding![1]!;
    for (const args of [['dump'], ['dump', '-f', 'json'], ['info'], ['diff', path]]) {
      const result = runCli([...args, path]);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(new RegExp(`at offset ${at}.*\\[CHILD_CYCLE\\]`));
    }
    // The key is not written twice before the error.
    expect(runCli(['dump', path]).stdout.match(/\\A\]/g)).toHaveLength(1);
  });
});

describe('key nesting: build writes only what dump reads', () => {
  const nested = (depth: number): string => {
    const names = Array.from({ length: depth }, (_, i) => `k${i}`);
    return `REGEDIT4\n\n[HKEY_LOCAL_MACHINE\\${names.join('\\')}]\n"v"=dword:00000001\n`;
  };

  test('512 levels (the default maxDepth) build, verify and dump', () => {
    const reg = join(scratch.path, 'd512.reg');
    writeFileSync(reg, nested(512));
    const out = join(scratch.path, 'd512.hv');
    expect(runCli(['build', reg, '-o', out]).status).toBe(0);
    expect(runCli(['verify', out]).status).toBe(0);
    const dump = runCli(['dump', out]);
    expect(dump.status).toBe(0);
    expect(dump.stdout).toContain('\\k511]\n"v"=dword:00000001');
  });

  test('513 levels are refused by build, as dump and verify would refuse them', () => {
    const reg = join(scratch.path, 'd513.reg');
    writeFileSync(reg, nested(513));
    const out = join(scratch.path, 'd513.hv');
    const build = runCli(['build', reg, '-o', out]);
    expect(build.status).toBe(2);
    expect(build.stderr).toMatch(/key "k512" nests 513 levels deep.*\[LIMIT_EXCEEDED\]/);
    expect(() => readFileSync(out)).toThrow();
  });
});

describe('a damaged ROM hive: verify --rom and dump --rom agree', () => {
  test('verify reports ROM_DAMAGED (boot outcome not known) where dump --rom fails', () => {
    const romReg = join(scratch.path, 'rom.reg');
    writeFileSync(romReg, 'REGEDIT4\n\n[HKEY_LOCAL_MACHINE\\A]\n"a"=dword:00000001\n\n[HKEY_LOCAL_MACHINE\\B]\n"b"=dword:00000002\n');
    const romFile = join(scratch.path, 'rom.hv');
    expect(runCli(['build', romReg, '-o', romFile]).status).toBe(0);
    const changes = join(scratch.path, 'changes.reg');
    writeFileSync(changes, 'REGEDIT4\n\n[HKEY_LOCAL_MACHINE\\A]\n"a"=dword:00000005\n');
    const system = join(scratch.path, 'system.hv');
    expect(runCli(['build', '--rom', romFile, changes, '-o', system]).status).toBe(0);
    expect(runCli(['verify', '--rom', romFile, system]).stdout).toContain('boot: KEPT');

    // Damage the ROM where the overlay reads it: B's value (reached through A's sibling link).
    const rom = new Uint8Array(readFileSync(romFile));
    const value = openHive(rom).key('HKLM\\B')!.value('b')!;
    new DataView(rom.buffer).setUint16(value.offset + 12 + 6, 0xffff, true);
    const damaged = file('rom-damaged.hv', rom);

    const dump = runCli(['dump', '--rom', damaged, system]);
    expect(dump.status).toBe(2);
    expect(dump.stderr).toMatch(/\[DATA_PAST_BLOCK\]/);
    const verify = runCli(['verify', '--rom', damaged, system]);
    expect(verify.status).toBe(1);
    expect(verify.stdout).toMatch(/ERROR +ROM_DAMAGED +at 0x[0-9a-f]{8}: the ROM hive given has 1 error\(s\) \(first DATA_PAST_BLOCK/);
    expect(verify.stdout).toContain('boot: NOT KNOWN');
    expect(verify.stdout).not.toContain('KEPT');
  });
});

describe('info shows what it can of a damaged hive, header fields first', () => {
  test('a sibling cycle: header, roots and the counts of what is intact (the cycle skipped); exit 2 as dump', () => {
    const b = chainFixture();
    b.view.setUint32(b.offsets.get(4)! + 12, ref(ROM, 1), true);
    const path = file('sibling-cycle.hv', b.bytes);
    const text = runCli(['info', path]);
    expect(text.status).toBe(2);
    expect(text.stderr).toMatch(/sibling-cycle\.hv: damaged hive: 1 damaged record\(s\) or link\(s\) skipped, the first under HKEY_LOCAL_MACHINE: .*\[SIBLING_CYCLE\]; what was shown is what is intact \(reachable from the roots\): the reachable counts leave out .*\n$/);
    const lines = text.stdout.split('\n');
    expect(lines.findIndex((line) => line.includes('ROM signature'))).toBeLessThan(lines.findIndex((line) => line.includes('could not read')));
    expect(text.stdout).toMatch(/version +0x400/);
    expect(text.stdout).toMatch(/roots +HKEY_LOCAL_MACHINE → 0x20000001/);
    expect(text.stdout).toMatch(/keys +3 in heap, 3 reachable/);
    expect(text.stdout).toMatch(/could not read +damaged hive: .*\[SIBLING_CYCLE\]; what was shown is what is intact \(reachable from the roots\): the reachable counts leave out/);
    const json = JSON.parse(runCli(['info', '--json', path]).stdout) as { hives: Array<{ kind: string; header: { version: number }; statistics: { blocks: { keys: number } }; problems: string[] }> };
    expect(json.hives).toHaveLength(1);
    expect(json.hives[0]!.header.version).toBe(0x400);
    expect(json.hives[0]!.statistics.blocks.keys).toBe(3);
    expect(json.hives[0]!.problems).toEqual([expect.stringMatching(/\[SIBLING_CYCLE\]; what was shown is what is intact \(reachable from the roots\): the reachable counts leave out/)]);
  });

  test('a heap block cut by the end of the hive: every count, and the cut block as the one problem', () => {
    const b = chainFixture();
    // The last heap block (the final free block) made 4 bytes longer than the hive.
    let last = 0x5000;
    for (let offset = 0x5000; offset < b.bytes.length; ) {
      last = offset;
      const sizeType = b.view.getUint32(offset, true);
      offset += 12 + ((sizeType & 1) === 1 ? (sizeType & ~1) >>> 0 : sizeType & 0x0fffffff);
    }
    b.view.setUint32(last, b.view.getUint32(last, true) + 4, true);
    const path = file('cut-block.hv', b.bytes);
    const info = runCli(['info', '--json', path]);
    expect(info.status).toBe(2);
    const hive = (JSON.parse(info.stdout) as { hives: Array<{ fileLength: number; statistics: { reachable: object; blocks: { keys: number; values: number } }; problems: string[] }> }).hives[0]!;
    expect(hive.fileLength).toBe(b.bytes.length);
    expect(hive.statistics.blocks).toMatchObject({ keys: 3, values: 2 });
    expect(hive.statistics.reachable).toEqual({ keys: 3, values: 2, unresolvedLinks: 0 });
    expect(hive.problems).toEqual([expect.stringMatching(/\[[A-Z_]+\]$/)]);
  });

  test('4 bytes appended after the hive: a cut restore record, the hive described whole', () => {
    const b = chainFixture();
    const appended = new Uint8Array(b.bytes.length + 4);
    appended.set(b.bytes);
    const info = runCli(['info', '--json', file('appended.hv', appended)]);
    expect(info.status).toBe(0);
    const hive = (JSON.parse(info.stdout) as { hives: Array<{ fileLength: number; restore: { hiveLength: number; trailingBytes: number }; statistics: { blocks: { keys: number; values: number } }; problems: string[] }> }).hives[0]!;
    expect(hive.fileLength).toBe(b.bytes.length + 4);
    expect(hive.restore).toMatchObject({ hiveLength: b.bytes.length, trailingBytes: 4 });
    expect(hive.statistics.blocks).toMatchObject({ keys: 3, values: 2 });
    expect(hive.problems).toEqual([]);
  });

  test('a roots record that cannot be read: the header still shows', () => {
    const b = chainFixture();
    b.view.setUint32(0x5000 + 12, 0, true); // slot 0 (the roots record) free
    const info = runCli(['info', file('no-roots.hv', b.bytes)]);
    expect(info.status).toBe(2);
    expect(info.stdout).toMatch(/restoreStart +\d+ \(the hive's logical end\) \(= file length\)/);
    expect(info.stdout).toMatch(/kind +not known/);
    expect(info.stdout).toMatch(/could not read +not a valid hive: .*\[LINK_TO_FREE_SLOT\]/);
  });
});

describe('verify on what is not a hive: named as dump names it, exit 2', () => {
  test.each([
    ['a text file', 'notes.txt', () => new TextEncoder().encode('Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\A]\r\n'.repeat(200)), /not a valid hive: header magic2 .*\[BAD_MAGIC\]/],
    ['a PNG', 'picture.png', () => Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...new Array<number>(5000).fill(7)]), /not a valid hive: .*\[BAD_MAGIC\]/],
    ['a short file', 'short.bin', () => new Uint8Array(100), /not a valid hive: header page .*\[TRUNCATED\]/],
  ])('%s', (_what, name, make, message) => {
    const path = file(name, make());
    const dump = runCli(['dump', path]);
    const verify = runCli(['verify', path]);
    expect(verify.status).toBe(2);
    expect(dump.status).toBe(2);
    expect(verify.stderr.split('\n')[0]).toMatch(message);
    expect(verify.stderr.split('\n')[0]).toBe(dump.stderr.split('\n')[0]);
    const json = JSON.parse(runCli(['verify', '--json', path]).stdout) as { hives: Array<{ error?: string }> };
    expect(json.hives[0]!.error).toMatch(message);
  });

  test('an OEM stream and a registry image are named', () => {
    const stream = join(scratch.path, 'r.oem');
    const image = join(scratch.path, 'r.fdf');
    expect(runCli(['oem', 'pack', 'samples/device.hv', '-o', stream]).status).toBe(0);
    expect(runCli(['image', 'pack', 'samples/device.hv', '-o', image]).status).toBe(0);
    const verify = runCli(['verify', stream, image]);
    expect(verify.status).toBe(2);
    expect(verify.stderr).toMatch(/r\.oem: not a hive file: this is an OEM registry stream/);
    expect(verify.stderr).toMatch(/r\.fdf: not a hive file: this is a registry image/);
  });

  test('a hive with only its magic damaged is still verified: findings, exit 1', () => {
    const b = chainFixture();
    b.bytes[8] = 0;
    const verify = runCli(['verify', file('magic.hv', b.bytes)]);
    expect(verify.status).toBe(1);
    expect(verify.stdout).toMatch(/ERROR +BAD_MAGIC/);
  });
});
