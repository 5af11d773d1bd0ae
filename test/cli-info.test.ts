import { describe, expect, test } from '@jest/globals';
import { CORPUS_FACTS, CORPUS_FILES, CORPUS_SIGNATURE, corpusPath, describeCorpus, runCli } from '@hivetool/test-support';

const describeWithCorpus = describeCorpus(describe);

interface InfoJson {
  format: string;
  hives: Array<{
    file: string;
    kind: string;
    header: { version: number; magic2: number; romSignature: string; virtbase: number; restoreStart: number; restoreState: string; logEntryCount: number; logSlotsInUse: number; bootSequence: number };
    roots: Array<{ index: number; name: string; ref: number }>;
    statistics: {
      fileLength: number;
      sectionCount: number;
      blocks: { keys: number; values: number; free: number; freeBytes: number };
      reachable: { keys: number; values: number; unresolvedLinks: number };
      valueTypes: Record<string, number>;
      unknownBits: unknown[];
    };
  }>;
}

describeWithCorpus('info of the corpus', () => {
  test('--json: header fields, counts, histogram, roots, no unknown bits', () => {
    const result = runCli(['info', '--json', ...CORPUS_FILES.map(corpusPath)]);
    expect(result.status).toBe(0);
    const info = JSON.parse(result.stdout) as InfoJson;
    expect(info.format).toBe('hivetool-info');
    for (const [index, file] of CORPUS_FILES.entries()) {
      const hive = info.hives[index]!;
      const facts = CORPUS_FACTS[file];
      expect(hive.kind).toBe('rom');
      expect(hive.header.version).toBe(0x400);
      expect(hive.header.magic2).toBe(0x4d494b45);
      expect(hive.header.romSignature).toBe(CORPUS_SIGNATURE);
      expect(hive.header.virtbase).toBe(0x00655000);
      expect(hive.header.restoreStart).toBe(facts.bytes);
      expect(hive.header.restoreState).toBe('clean');
      expect(hive.header.logEntryCount).toBe(0);
      // Stale log entries are present even with a count of 0 (format guide §3).
      expect(hive.header.logSlotsInUse).toBeGreaterThan(0);
      expect(hive.statistics.fileLength).toBe(facts.bytes);
      expect(hive.statistics.sectionCount).toBe(facts.sections);
      expect(hive.statistics.blocks.keys).toBe(facts.keys);
      expect(hive.statistics.blocks.values).toBe(facts.values);
      expect(hive.statistics.blocks.free).toBe(1);
      expect(hive.statistics.reachable).toEqual({ keys: facts.keys, values: facts.values, unresolvedLinks: 0 });
      expect(hive.statistics.valueTypes).toEqual(Object.fromEntries(Object.entries(facts.types).map(([type, count]) => [type, count])));
      expect(hive.statistics.unknownBits).toEqual([]);
      expect(Object.fromEntries(hive.roots.map((root) => [root.index, root.ref]))).toEqual(facts.roots);
    }
  });

  test('text form names the fields', () => {
    const result = runCli(['info', corpusPath('default.hv')]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/ROM signature\s+6e950daec1672852a98cf772c09550c9/);
    expect(result.stdout).toMatch(/sections\s+4\n/);
    expect(result.stdout).toMatch(/keys\s+955 in heap, 955 reachable/);
    expect(result.stdout).toMatch(/values\s+2703 in heap, 2703 reachable/);
    expect(result.stdout).toMatch(/value types\s+REG_SZ 1116, REG_BINARY 95, REG_DWORD 1171, REG_MULTI_SZ 63, REG_MUI_SZ 258/);
    expect(result.stdout).toMatch(/unknown bits\s+none/);
    expect(result.stdout).toMatch(/roots\s+HKEY_CLASSES_ROOT → 0x20000331, HKEY_LOCAL_MACHINE → 0x20000e49/);
  });
});

describe('info without the corpus', () => {
  test('samples/multi-section.hv has several sections', () => {
    const info = JSON.parse(runCli(['info', '--json', 'samples/multi-section.hv']).stdout) as InfoJson;
    // 1 roots record + 702 keys + 1400 values = 2103 ids: sections 0, 1 and 2.
    expect(info.hives[0]!.statistics.sectionCount).toBe(3);
    expect(info.hives[0]!.statistics.reachable).toEqual({ keys: 702, values: 1400, unresolvedLinks: 0 });
  });
});
