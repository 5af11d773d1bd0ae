/**
 * `walkRecords` (the dump's walk, with reused cursors) against `walkTree` (a record object
 * per key and value): the same events in the same order — keys, values, unresolved links,
 * damaged records skipped, the error that stops the walk — on the corpus hives, on a
 * persistent hive read through its ROM hive (and through the wrong one, and without one),
 * under small caps, and on thousands of randomly damaged copies.
 */
import { describe, expect, test } from '@jest/globals';
import { HiveFormatError, HiveKey, ReachedRecords, encodeLinkedHive, openHive, readTree, walkRecords, walkTree, type Hive, type HiveLimits, type OpenHiveOptions, type WalkOptions } from '@hivetool/hive';
import { corpusBytes, describeCorpus, prng, runs } from '@hivetool/test-support';

const describeWithCorpus = describeCorpus(describe);

type Options = Pick<WalkOptions, 'paths' | 'skipDamaged' | 'includeStart'>;

/** What a walk reports, as lines: every field a dump renders, and every message. */
function eventsOfTree(hive: Hive, options: Options, start?: HiveKey): string[] {
  const events: string[] = [];
  const visitor = {
    key: (key: HiveKey, path: string, depth: number) => void events.push(`K ${depth} ${path} ${key.source} ${key.offset} ${key.id} ${key.size} ${key.nameOffset} ${key.nameLength} ${key.flags}`),
    value: (value: import('@hivetool/hive').HiveValue, _key: HiveKey, path: string) =>
      void events.push(`V ${path} ${value.source} ${value.offset} ${value.id} ${value.size} ${value.nameOffset} ${value.nameLength} ${value.flags} ${value.type} ${value.dataOffset} ${value.dataLength}`),
    unresolved: (link: unknown, path: string) => void events.push(`U ${path} ${JSON.stringify(link)}`),
    damaged: (error: HiveFormatError, path: string, lost: string) => void events.push(`D ${path} ${lost} ${error.code} ${error.offset} ${error.message}`),
  };
  try {
    if (start !== undefined) {
      walkTree(start, 'START', visitor, options);
    } else {
      const reached = new ReachedRecords();
      for (const root of hive.roots()) {
        events.push(`R ${root.name}`);
        walkTree(root, root.name, visitor, { ...options, reached });
      }
    }
  } catch (error) {
    if (!(error instanceof HiveFormatError)) throw error;
    events.push(`E ${error.code} ${error.offset} ${error.message}`);
  }
  return events;
}

function eventsOfRecords(hive: Hive, options: Options, start?: HiveKey): string[] {
  const events: string[] = [];
  const visitor = {
    key: (key: import('@hivetool/hive').KeyCursor, depth: number, path: string) => void events.push(`K ${depth} ${path} ${key.source} ${key.offset} ${key.id} ${key.size} ${key.nameOffset} ${key.nameLength} ${key.flags}`),
    value: (value: import('@hivetool/hive').ValueCursor, path: string) =>
      void events.push(`V ${path} ${value.source} ${value.offset} ${value.id} ${value.size} ${value.nameOffset} ${value.nameLength} ${value.flags} ${value.type} ${value.dataOffset} ${value.dataLength}`),
    unresolved: (link: unknown, path: string) => void events.push(`U ${path} ${JSON.stringify(link)}`),
    damaged: (error: HiveFormatError, path: string, lost: string) => void events.push(`D ${path} ${lost} ${error.code} ${error.offset} ${error.message}`),
  };
  try {
    if (start !== undefined) {
      walkRecords(start, 'START', visitor, options);
    } else {
      const reached = new ReachedRecords();
      for (const root of hive.roots()) {
        events.push(`R ${root.name}`);
        walkRecords(root, root.name, visitor, { ...options, reached });
      }
    }
  } catch (error) {
    if (!(error instanceof HiveFormatError)) throw error;
    events.push(`E ${error.code} ${error.offset} ${error.message}`);
  }
  return events;
}

const skipAll = (error: HiveFormatError): boolean => error.code !== 'LIMIT_EXCEEDED';
const VARIANTS: Options[] = [{}, { paths: false }, { skipDamaged: skipAll }, { paths: false, skipDamaged: skipAll }];

/** Both walks agree on `bytes` opened with `open`, in every variant; returns walkTree's events of the first. */
function expectSameWalks(bytes: Uint8Array, open: OpenHiveOptions = {}): string[] | undefined {
  let hive: Hive;
  try {
    hive = openHive(bytes, open);
  } catch (error) {
    if (error instanceof HiveFormatError) return undefined;
    throw error;
  }
  let first: string[] | undefined;
  for (const options of VARIANTS) {
    const expected = eventsOfTree(hive, options);
    first ??= expected;
    expect(eventsOfRecords(hive, options)).toEqual(expected);
  }
  return first;
}

describeWithCorpus('walkRecords walks as walkTree does', () => {
  test.each(['boot.hv', 'default.hv', 'user.hv'] as const)('%s, whole and from a key (with its start)', (name) => {
    const bytes = corpusBytes(name);
    const events = expectSameWalks(bytes)!;
    // A real walk, not an empty one.
    expect(events.filter((line) => line.startsWith('K ')).length).toBeGreaterThan(20);
    expect(events.filter((line) => line.startsWith('V ')).length).toBeGreaterThan(20);
    expect(events.some((line) => line.startsWith('E '))).toBe(false);
    const hive = openHive(bytes);
    const root = hive.roots()[0]!;
    const firstKey = root.subkeys().next().value;
    expect(firstKey).toBeInstanceOf(HiveKey);
    for (const options of VARIANTS) {
      for (const includeStart of [false, true]) {
        const fresh = openHive(bytes);
        const start = fresh.roots()[0]!.subkeys().next().value as HiveKey;
        expect(eventsOfRecords(fresh, { ...options, includeStart }, start)).toEqual(eventsOfTree(fresh, { ...options, includeStart }, start));
      }
    }
  });

  test('under small caps: depth, keys, values per key', () => {
    const bytes = corpusBytes('default.hv');
    const caps: Array<Partial<HiveLimits>> = [{ maxDepth: 2 }, { maxDepth: 3 }, { maxKeys: 50 }, { maxValuesPerKey: 2 }];
    for (const limits of caps) {
      const events = expectSameWalks(bytes, { limits })!;
      expect(events.some((line) => line.startsWith('E ') || line.startsWith('D '))).toBe(true);
    }
  });

  test('a persistent hive through its ROM hive, through another ROM hive, and without one', () => {
    const romBytes = corpusBytes('default.hv');
    const rom = openHive(romBytes);
    const tree = readTree(rom);
    // An edit, so that the persistent hive holds keys of its own beside its links into ROM.
    const top = tree.roots[2]![0]!;
    top.values = [...(top.values ?? []), { name: 'AddedByTest', type: 4, data: new Uint8Array([1, 2, 3, 4]) }];
    const persistent = encodeLinkedHive(rom, tree);
    const through = expectSameWalks(persistent, { rom })!;
    expect(through.some((line) => line.includes(' rom '))).toBe(true);
    const wrong = openHive(corpusBytes('boot.hv'));
    expectSameWalks(persistent, { rom: wrong });
    const broken = expectSameWalks(persistent, { rom: wrong, brokenRomLinks: 'unresolved' })!;
    expect(broken.some((line) => line.includes('rom-broken'))).toBe(true);
    const alone = expectSameWalks(persistent)!;
    expect(alone.some((line) => line.includes('rom-not-loaded'))).toBe(true);
  });

  test('randomly damaged copies', () => {
    const sources = [corpusBytes('user.hv'), corpusBytes('boot.hv')];
    const random = prng(26);
    let stopped = 0;
    let skipped = 0;
    for (let run = 0; run < runs(120); run++) {
      const bytes = sources[run % sources.length]!.slice();
      // A few bytes or words overwritten in the heap (past the header page).
      const edits = 1 + Math.floor(random() * 4);
      for (let i = 0; i < edits; i++) {
        const at = 0x1000 + Math.floor(random() * (bytes.length - 0x1004));
        if (random() < 0.5) bytes[at] = Math.floor(random() * 256);
        else new DataView(bytes.buffer).setUint32(at & ~3, Math.floor(random() * 2 ** 32) >>> 0, true);
      }
      const events = expectSameWalks(bytes);
      if (events?.some((line) => line.startsWith('E '))) stopped++;
      for (const options of [{ skipDamaged: skipAll }]) {
        try {
          const hive = openHive(bytes);
          if (eventsOfTree(hive, options).some((line) => line.startsWith('D '))) skipped++;
        } catch (error) {
          if (!(error instanceof HiveFormatError)) throw error;
        }
      }
    }
    // The damage reached the walks, in both ways.
    expect(stopped).toBeGreaterThan(0);
    expect(skipped).toBeGreaterThan(0);
  });
});
