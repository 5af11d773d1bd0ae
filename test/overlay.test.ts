/**
 * The device's view: a persistent hive built from edits of a ROM hive, read back through
 * the ROM, is exactly the edited registry, and `diff --rom` lists exactly the edits.
 */
import { describe, expect, test, beforeAll, afterAll } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { encodeLinkedHive, openHive, readTree, verifyHive, type Hive } from '@hivetool/hive';
import { RegTreeBuilder, diffTrees, encodeUtf16, regQuote, type HiveTree, type TreeKey } from '@hivetool/registry';
import { corpusBytes, corpusPath, describeCorpus, flattenTree, runCli, runs } from '@hivetool/test-support';

const describeWithCorpus = describeCorpus(describe);

const flatten = (tree: HiveTree): string[] => flattenTree(tree, { maskRomCopy: true });

/** Every key of a tree with its path (HKEY_… names), in pre-order. */
function keyPaths(tree: HiveTree): Array<{ path: string; key: TreeKey }> {
  const roots = ['HKEY_CLASSES_ROOT', 'HKEY_CURRENT_USER', 'HKEY_LOCAL_MACHINE', 'HKEY_USERS'];
  const out: Array<{ path: string; key: TreeKey }> = [];
  for (const [index, keys] of Object.entries(tree.roots)) {
    const stack = [...(keys ?? [])].reverse().map((key) => ({ key, path: `${roots[Number(index)]}\\${key.name}` }));
    while (stack.length > 0) {
      const item = stack.pop()!;
      out.push(item);
      for (const child of [...(item.key.subkeys ?? [])].reverse()) stack.push({ key: child, path: `${item.path}\\${child.name}` });
    }
  }
  return out;
}

const isWithin = (path: string, ancestor: string): boolean => path.toUpperCase() === ancestor.toUpperCase() || path.toUpperCase().startsWith(ancestor.toUpperCase() + '\\');

let rom: Hive;
let romTree: HiveTree;
let paths: Array<{ path: string; key: TreeKey }>;
let scratch: string;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'hivetool-overlay-'));
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describeWithCorpus('linked persistent hives over default.hv', () => {
  beforeAll(() => {
    rom = openHive(corpusBytes('default.hv'), { source: 'rom' });
    romTree = readTree(rom);
    paths = keyPaths(romTree);
  });

  test('arbitrary edits: the overlay reads back exactly the edited tree, and the diff lists exactly the edits', () => {
    const index = (): fc.Arbitrary<number> => fc.nat({ max: paths.length - 1 });
    fc.assert(
      fc.property(index(), index(), index(), index(), index(), fc.nat({ max: 0xffffffff }), fc.string({ minLength: 1, maxLength: 10, unit: 'grapheme-ascii' }), (addAt, changeAt, removeAt, deleteAt, newKeyAt, number, text) => {
        const add = paths[addAt]!;
        const change = paths[changeAt]!;
        const remove = paths[removeAt]!;
        const doomed = paths[deleteAt]!;
        const parent = paths[newKeyAt]!;
        const changed = change.key.values?.[0];
        const removed = remove.key.values?.[remove.key.values.length - 1];
        fc.pre(changed !== undefined && removed !== undefined);
        // Keep the edits apart: the deleted subtree holds none of the others.
        fc.pre([add, change, remove, parent].every((other) => !isWithin(other.path, doomed.path)));
        fc.pre(!(change.path === remove.path && changed!.name.toUpperCase() === removed!.name.toUpperCase()));
        fc.pre((parent.key.flags ?? 0) === 0); // a volatile key keeps no subkeys
        const name = `hivetool ${text.replace(/[\\"]/g, '_')}`;
        const reg = [
          'REGEDIT4',
          `[${add.path}]`,
          `"${name}"=dword:${number.toString(16)}`,
          `[${change.path}]`,
          `${changed!.name === 'Default' ? '@' : regQuote(changed!.name)}=hex(3):${[...encodeUtf16(text)].map((b) => b.toString(16)).join(',')}`,
          `[${remove.path}]`,
          `${removed!.name === 'Default' ? '@' : regQuote(removed!.name)}=-`,
          `[-${doomed.path}]`,
          `[${parent.path}\\${name}]`,
          '"v"="new"',
        ].join('\n');
        const builder = RegTreeBuilder.fromTree(romTree, { newEntriesFirst: true });
        builder.apply(reg, 'edits.reg');
        const edited = builder.tree();
        const bytes = encodeLinkedHive(rom, edited);
        const overlay = readTree(openHive(bytes, { rom }));
        expect(flatten(overlay)).toEqual(flatten(edited));
        const listed = diffTrees(romTree, overlay).map((c) => `${c.op} ${c.path}${'value' in c ? ' ' + c.value.name : 'after' in c && typeof c.after === 'object' ? ' ' + c.after.name : ''}`.toUpperCase());
        const expected = [
          `add-value ${add.path} ${name}`,
          `change-value ${change.path} ${changed!.name}`,
          `remove-value ${remove.path} ${removed!.name}`,
          `remove-key ${doomed.path}`,
          `add-key ${parent.path}\\${name}`,
        ].map((line) => line.toUpperCase());
        expect([...listed].sort()).toEqual([...expected].sort());
        expect(verifyHive(bytes, { rom }).findings).toEqual([]);
      }),
      { seed: 4, numRuns: runs(25), maxSkipsPerRun: 1000 },
    );
  });

  test('the command line: build --rom, dump --rom, verify --rom, diff --rom', () => {
    const changes = join(scratch, 'changes.reg');
    writeFileSync(changes, 'REGEDIT4\n[HKEY_LOCAL_MACHINE\\init\\BootVars]\n"SystemHive"="Storage\\\\system.hv"\n[HKEY_LOCAL_MACHINE\\hivetool]\n"n"=dword:00000002\n');
    const system = join(scratch, 'system.hv');
    const build = runCli(['build', '--rom', corpusPath('default.hv'), changes, '-o', system]);
    expect(build.status).toBe(0);
    expect(build.stdout).toMatch(/persistent hive linked into .*default\.hv: \d+ keys and 2 values stored, the rest linked; ROM signature 6e950daec1672852a98cf772c09550c9/);

    const verify = runCli(['verify', '--rom', corpusPath('default.hv'), system]);
    expect(verify.status).toBe(0);
    expect(verify.stdout).toContain('boot: KEPT');
    expect(verify.stdout).toContain('RegPersisted after boot: set (dword:1)');

    const dump = runCli(['dump', '--rom', corpusPath('default.hv'), '-k', 'HKLM\\init\\BootVars', system]);
    expect(dump.status).toBe(0);
    expect(dump.stdout).toContain('"SystemHive"="Storage\\\\system.hv"');
    const json = JSON.parse(runCli(['dump', '-f', 'json', '--rom', corpusPath('default.hv'), system]).stdout) as { hives: Array<{ keys: Array<{ path: string; source: string; values: Array<{ source: string }> }>; unresolvedLinks: unknown[] }> };
    const keys = json.hives[0]!.keys;
    expect(keys).toHaveLength(956);
    expect(json.hives[0]!.unresolvedLinks).toEqual([]);
    expect(new Set(keys.map((key) => key.source))).toEqual(new Set(['file', 'rom']));
    expect(keys.find((key) => key.path === 'HKEY_LOCAL_MACHINE\\hivetool')?.source).toBe('file');

    const diff = runCli(['diff', '--rom', corpusPath('default.hv'), system]);
    expect(diff.status).toBe(1);
    expect(diff.stdout).toContain('+ [HKEY_LOCAL_MACHINE\\hivetool]  (1 key(s), 1 value(s))');
    expect(diff.stdout).toContain('~ HKEY_LOCAL_MACHINE\\init\\BootVars  "SystemHive": "\\\\Documents and Settings\\\\system.hv" → "Storage\\\\system.hv"');
    expect(diff.stdout).toContain('1 key(s) added, 0 removed, 0 with new flags; 0 value(s) added, 0 removed, 1 changed');

    // The .reg patch, built over the ROM's dump, gives a registry with no differences.
    const patch = join(scratch, 'patch.reg');
    expect(runCli(['diff', '-f', 'reg', '-o', patch, '--rom', corpusPath('default.hv'), system]).status).toBe(1);
    const base = join(scratch, 'rom.reg');
    writeFileSync(base, runCli(['dump', corpusPath('default.hv')]).stdout);
    const rebuilt = join(scratch, 'rebuilt.hv');
    expect(runCli(['build', base, patch, '-o', rebuilt]).status).toBe(0);
    const same = runCli(['diff', '--rom', corpusPath('default.hv'), system, rebuilt]);
    expect(same.stdout).toContain('no differences');
    expect(same.status).toBe(0);

    // One changed signature byte: the device would wipe it.
    const bytes = new Uint8Array(readFileSync(system));
    bytes[0x30] = bytes[0x30]! ^ 0xff;
    const wiped = join(scratch, 'wiped.hv');
    writeFileSync(wiped, bytes);
    const bad = runCli(['verify', '--rom', corpusPath('default.hv'), wiped]);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain('SIGNATURE_MISMATCH');
    expect(bad.stdout).toContain('boot: CLEAN BOOT');
    const asJson = JSON.parse(runCli(['verify', '--json', '--rom', corpusPath('default.hv'), wiped]).stdout) as { hives: Array<{ boot: { outcome: string }; signature: { match: boolean } }> };
    expect(asJson.hives[0]!.boot.outcome).toBe('clean-boot');
    expect(asJson.hives[0]!.signature.match).toBe(false);
  });
});
