import { describe, expect, test } from '@jest/globals';
import { HiveFormatError, hiveStatistics, openHive, walkTree, type Hive } from '@hivetool/hive';
import { ROM, chainFixture, ref } from '@hivetool/test-support';

const base = chainFixture;

/** Opens and walks everything, as `dump` does. */
function readAll(bytes: Uint8Array): Hive {
  const hive = openHive(bytes);
  for (const root of hive.roots()) walkTree(root, root.name, { value: (value) => void value.data });
  hiveStatistics(hive);
  return hive;
}

function expectFormatError(action: () => unknown, code: string, offset: number): void {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(HiveFormatError);
  const error = caught as HiveFormatError;
  expect(error.code).toBe(code);
  expect(error.offset).toBe(offset);
  expect(error.what.length).toBeGreaterThan(0);
  expect(error.message).toContain(`[${code}]`);
}

const u32 = (bytes: Uint8Array, offset: number, value: number): void => new DataView(bytes.buffer).setUint32(offset, value >>> 0, true);
const slotOffset = (id: number): number => 0x5000 + 12 + 4 * id; // section 0

describe('bad input gives a HiveFormatError with code and offset', () => {
  test('the base fixture itself reads cleanly', () => {
    expect(() => readAll(base().bytes)).not.toThrow();
  });

  test('truncated: shorter than the header page', () => {
    expectFormatError(() => openHive(base().bytes.subarray(0, 100)), 'TRUNCATED', 0);
  });

  test('truncated: cut inside the first section table', () => {
    // The file is shorter than the hive its header describes.
    expectFormatError(() => openHive(base().bytes.subarray(0, 0x5800)), 'RESTORE_START_PAST_EOF', 0x20);
    // A hive whose logical end (restoreStart) leaves no room for the first section table.
    const cut = base().bytes.slice(0, 0x5800);
    u32(cut, 0x20, 0x5000);
    expectFormatError(() => openHive(cut), 'TRUNCATED', 0x5000);
  });

  test('truncated: cut inside the heap', () => {
    const { bytes, offsets } = base();
    const cut = offsets.get(4)! + 6; // inside key B's block header
    expectFormatError(() => readAll(bytes.subarray(0, cut)), 'RESTORE_START_PAST_EOF', 0x20);
  });

  test('wrong magic', () => {
    const { bytes } = base();
    bytes[0x008] = 0x46;
    expectFormatError(() => openHive(bytes), 'BAD_MAGIC', 0x008);
  });

  test('a section directory offset past EOF', () => {
    const { bytes } = base();
    u32(bytes, 0x1004, bytes.length); // section 1 table would start at 0x5000 + length
    expectFormatError(() => openHive(bytes), 'DIRECTORY_OFFSET_PAST_EOF', 0x1004);
  });

  test('a slot pointing outside the heap', () => {
    const { bytes } = base();
    u32(bytes, slotOffset(5), (bytes.length - 0x5000 + 64) | 1);
    expectFormatError(() => readAll(bytes), 'SLOT_OUT_OF_HEAP', slotOffset(5));
  });

  test('a slot pointing into the middle of a block', () => {
    const { bytes, offsets } = base();
    u32(bytes, slotOffset(5), (offsets.get(4)! - 0x5000 + 8) | 1);
    expect(() => readAll(bytes)).toThrow(HiveFormatError);
  });

  test('a block size running past EOF', () => {
    const { bytes, offsets } = base();
    const block = offsets.get(5)!;
    u32(bytes, block, ((0xc << 28) | 0x0fff_fff0) >>> 0);
    expectFormatError(() => readAll(bytes), 'BLOCK_PAST_EOF', block);
  });

  test('a sibling cycle', () => {
    const { bytes, offsets } = base();
    u32(bytes, offsets.get(4)! + 12, ref(ROM, 1)); // B.nextSibling → A
    expectFormatError(() => readAll(bytes), 'SIBLING_CYCLE', offsets.get(4)! + 12);
    // The lazy iterator detects it too.
    const hive = openHive(bytes);
    expect(() => [...hive.root(2).subkeys()]).toThrow(expect.objectContaining({ code: 'SIBLING_CYCLE' }));
  });

  test('a child link back to an ancestor', () => {
    const { bytes, offsets } = base();
    u32(bytes, offsets.get(5)! + 12 + 4, ref(ROM, 4)); // C.firstChild → B
    expectFormatError(() => readAll(bytes), 'CHILD_CYCLE', offsets.get(5)! + 12 + 4);
  });

  test('a value chain cycle', () => {
    const { bytes, offsets } = base();
    u32(bytes, offsets.get(3)! + 12, ref(ROM, 2)); // V2.nextValue → V1
    expectFormatError(() => readAll(bytes), 'VALUE_CYCLE', offsets.get(3)! + 12);
    const hive = openHive(bytes);
    expect(() => hive.key('HKLM\\A')!.value('nothing')).toThrow(expect.objectContaining({ code: 'VALUE_CYCLE' }));
  });

  test('a key name length past its block', () => {
    const { bytes, offsets } = base();
    bytes[offsets.get(5)! + 12 + 12] = 200;
    expectFormatError(() => readAll(bytes), 'NAME_PAST_BLOCK', offsets.get(5)! + 12 + 12);
  });

  test('a value name length past its block', () => {
    const { bytes, offsets } = base();
    bytes[offsets.get(2)! + 12 + 8] = 200;
    expectFormatError(() => readAll(bytes), 'NAME_PAST_BLOCK', offsets.get(2)! + 12 + 8);
  });

  test('a value data length past its block', () => {
    const { bytes, offsets } = base();
    new DataView(bytes.buffer).setUint16(offsets.get(2)! + 12 + 6, 0xffff, true);
    expectFormatError(() => readAll(bytes), 'DATA_PAST_BLOCK', offsets.get(2)! + 12 + 6);
  });

  test('a link to a value where a key is expected', () => {
    const { bytes, offsets } = base();
    u32(bytes, offsets.get(4)! + 12 + 4, ref(ROM, 2)); // B.firstChild → V1
    expectFormatError(() => readAll(bytes), 'LINK_WRONG_TYPE', offsets.get(2)!);
  });

  test('a link to a free slot', () => {
    const { bytes, offsets } = base();
    u32(bytes, offsets.get(4)! + 12 + 4, ref(ROM, 900));
    expectFormatError(() => readAll(bytes), 'LINK_TO_FREE_SLOT', slotOffset(900));
  });

  test('a link to a section the directory does not list', () => {
    const { bytes, offsets } = base();
    u32(bytes, offsets.get(4)! + 12 + 4, ref(ROM, 5000));
    expectFormatError(() => readAll(bytes), 'LINK_TO_MISSING_SECTION', offsets.get(4)! + 12 + 4);
  });

  test('a block whose id is not the one that led to it', () => {
    const { bytes, offsets } = base();
    u32(bytes, offsets.get(5)! + 8, 77);
    expectFormatError(() => readAll(bytes), 'ID_MISMATCH', offsets.get(5)! + 8);
  });

  test('nesting deeper than maxDepth', () => {
    const hive = openHive(base().bytes, { limits: { maxDepth: 1 } });
    expect(() => walkTree(hive.root(2), 'HKLM', {})).toThrow(expect.objectContaining({ code: 'DEPTH_LIMIT' }));
  });

  test('the library keeps working after an error', () => {
    const { bytes } = base();
    const broken = bytes.slice();
    broken[0x008] = 0;
    expect(() => openHive(broken)).toThrow(HiveFormatError);
    const hive = readAll(bytes);
    expect(hive.key('HKLM\\B\\C')?.name).toBe('C');
  });
});

describe('walkTree with skipDamaged passes over a damaged record and goes on', () => {
  function walked(bytes: Uint8Array, limits = {}): { seen: string[]; damaged: string[] } {
    const seen: string[] = [];
    const damaged: string[] = [];
    walkTree(
      openHive(bytes, { limits }),
      {
        key: (_key, path) => seen.push(path),
        value: (value, _key, path) => seen.push(`${path}:${value.name}`),
        damaged: (error, path, lost) => damaged.push(`${error.code} ${path} ${lost}`),
      },
      { skipDamaged: () => true },
    );
    return { seen, damaged };
  }

  test('a value record: the rest of its value chain is lost, the keys are walked', () => {
    const { bytes, offsets } = chainFixture();
    bytes[offsets.get(2)! + 12 + 8] = 200; // V1's name runs past its block
    expect(walked(bytes)).toEqual({ seen: ['HKEY_LOCAL_MACHINE\\A', 'HKEY_LOCAL_MACHINE\\B', 'HKEY_LOCAL_MACHINE\\B\\C'], damaged: ['NAME_PAST_BLOCK HKEY_LOCAL_MACHINE\\A values'] });
  });

  test('a key record: it (and its later siblings) are lost, the keys before it and its parent kept', () => {
    const { bytes, offsets } = chainFixture();
    bytes[offsets.get(5)! + 12 + 12] = 200; // C's name runs past its block
    expect(walked(bytes)).toEqual({ seen: ['HKEY_LOCAL_MACHINE\\A', 'HKEY_LOCAL_MACHINE\\A:V1', 'HKEY_LOCAL_MACHINE\\A:V2', 'HKEY_LOCAL_MACHINE\\B'], damaged: ['NAME_PAST_BLOCK HKEY_LOCAL_MACHINE\\B keys'] });
  });

  test('a key record early in a chain: the keys after it are cut off (reachable only through it)', () => {
    const { bytes, offsets } = chainFixture();
    u32(bytes, offsets.get(1)! + 8, 77); // A's block carries another id
    expect(walked(bytes)).toEqual({ seen: [], damaged: ['ID_MISMATCH HKEY_LOCAL_MACHINE keys'] });
  });

  test('a cycle: the link is not followed, everything is walked once', () => {
    const { bytes, offsets } = chainFixture();
    u32(bytes, offsets.get(5)! + 12 + 4, ref(ROM, 4)); // C.firstChild → B
    expect(walked(bytes)).toEqual({ seen: ['HKEY_LOCAL_MACHINE\\A', 'HKEY_LOCAL_MACHINE\\A:V1', 'HKEY_LOCAL_MACHINE\\A:V2', 'HKEY_LOCAL_MACHINE\\B', 'HKEY_LOCAL_MACHINE\\B\\C'], damaged: ['CHILD_CYCLE HKEY_LOCAL_MACHINE\\B\\C subkeys'] });
  });

  test('nesting too deep: the subkeys are not followed', () => {
    expect(walked(chainFixture().bytes, { maxDepth: 1 }).damaged).toEqual(['DEPTH_LIMIT HKEY_LOCAL_MACHINE\\B subkeys']);
  });

  test('the caps on counts still stop the walk, and without skipDamaged the first error is thrown', () => {
    expect(() => walked(chainFixture().bytes, { maxKeys: 2 })).toThrow(expect.objectContaining({ code: 'LIMIT_EXCEEDED' }));
    const { bytes, offsets } = chainFixture();
    bytes[offsets.get(5)! + 12 + 12] = 200;
    expect(() => walkTree(openHive(bytes), {})).toThrow(expect.objectContaining({ code: 'NAME_PAST_BLOCK' }));
  });
});
