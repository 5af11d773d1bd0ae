import { describe, expect, test } from '@jest/globals';
import { checkRom, encodeHive, encodeLinkedHive, hiveRole, openHive, readTree, type Hive } from '@hivetool/hive';
import { RegTreeBuilder, parseReg } from '@hivetool/registry';
import { corpusBytes, describeCorpus } from '@hivetool/test-support';

const describeWithCorpus = describeCorpus(describe);
const SIGNATURE = new Uint8Array(16).map((_, index) => index * 17);

/** A ROM hive built from .reg text, with the given signature. */
function romOf(text: string, romSignature = SIGNATURE): Hive {
  return openHive(encodeHive(parseReg(`REGEDIT4\n\n${text}`), { layout: 'rom', romSignature }));
}

/** A persistent hive linked into `rom`, holding `change`. */
function linked(rom: Hive, change: string): Hive {
  const builder = RegTreeBuilder.fromTree(readTree(rom), { newEntriesFirst: true });
  builder.apply(change);
  return openHive(encodeLinkedHive(rom, builder.tree()));
}

describe('hiveRole', () => {
  test('read from the roots: HKCR/HKLM a system hive, HKCU a user hive, both combined, none empty', () => {
    expect(hiveRole([0x20000001, 0, 0, 0])).toBe('system');
    expect(hiveRole([0, 0, 0x20000001, 0])).toBe('system');
    expect(hiveRole([0, 0x20000001, 0, 0])).toBe('user');
    expect(hiveRole([0, 0x1, 0x2, 0])).toBe('combined');
    expect(hiveRole([0, 0, 0, 0, 0x5])).toBe('empty');
  });
});

describe('checkRom on built hives', () => {
  const buildA = '[HKEY_LOCAL_MACHINE\\K1]\n"a"=dword:1\n\n[HKEY_LOCAL_MACHINE\\K2]\n"b"=dword:2\n';
  // One key more in front: ids shift by two, so the copy's links still land on records of the right type.
  const buildB = '[HKEY_LOCAL_MACHINE\\K0]\n"x"=dword:9\n\n' + buildA;

  test('its own ROM: ok, every part holds', () => {
    const rom = romOf(buildA);
    const result = checkRom(linked(rom, '[HKLM\\K1]\n"c"=dword:3\n'), rom);
    expect(result).toMatchObject({ ok: true, applies: true, signature: { match: true }, role: { hive: 'system', rom: 'system', match: true }, links: { broken: 0 }, copies: { count: 0, checked: true }, problems: [] });
    expect(result.links.total).toBeGreaterThan(0);
  });

  test('another build with the same signature whose links all resolve: the copy still on the ROM chain is the evidence', () => {
    const hive = linked(romOf(buildA), '[HKLM\\K1]\n"c"=dword:3\n');
    const result = checkRom(hive, romOf(buildB));
    expect(result.signature.match).toBe(true);
    expect(result.links.broken).toBe(0);
    expect(result.ok).toBe(false);
    expect(result.copies).toMatchObject({ count: 1, checked: true, first: [{ path: 'HKEY_LOCAL_MACHINE\\K1' }] });
    expect(result.problems).toEqual([expect.stringContaining('1 key copy(ies) (flags 0x2) still have their ROM original on the chain they replace (first HKEY_LOCAL_MACHINE\\K1')]);
  });

  test('another build with another signature: both signatures named first', () => {
    const hive = linked(romOf(buildA), '[HKLM\\K1]\n"c"=dword:3\n');
    const other = new Uint8Array(16).fill(0xab);
    const result = checkRom(hive, romOf(buildA, other));
    expect(result.ok).toBe(false);
    expect(result.problems[0]).toBe(`the hive carries ROM signature ${'00112233445566778899aabbccddeeff'}, the ROM hive ${'ab'.repeat(16)}: they are of different builds (the device would wipe this hive at boot)`);
  });

  test('a ROM hive checked, or a hive without a ROM: nothing applies', () => {
    const rom = romOf(buildA);
    expect(checkRom(rom, rom)).toMatchObject({ ok: true, applies: false });
    expect(checkRom(linked(rom, '[HKLM\\K1]\n"c"=dword:3\n'), undefined)).toMatchObject({ ok: true, applies: false });
  });
});

describeWithCorpus('checkRom on the corpus ROM set', () => {
  test('a user hive over default.hv: the role and the first broken link named', () => {
    const user = linked(openHive(corpusBytes('user.hv')), '[HKCU\\MUI]\n"Y"=dword:2\n');
    const result = checkRom(user, openHive(corpusBytes('default.hv')));
    expect(result.ok).toBe(false);
    expect(result.role).toEqual({ hive: 'user', rom: 'system', match: false });
    expect(result.links.broken).toBeGreaterThan(0);
    expect(result.links.first[0]!.link).toMatch(/^\w+ link 0x2[0-9a-f]{7}$/);
    expect(result.problems[0]).toContain('but the ROM hive is a system hive');
  });

  test('a system hive over boot.hv (same signature, same roots): found by its links', () => {
    const system = linked(openHive(corpusBytes('default.hv')), '[HKLM\\init\\BootVars]\n"X"=dword:1\n');
    const result = checkRom(system, openHive(corpusBytes('boot.hv')));
    expect(result.signature.match).toBe(true);
    expect(result.role.match).toBe(true);
    expect(result.links.broken).toBeGreaterThan(0);
    expect(result.ok).toBe(false);
  });
});
