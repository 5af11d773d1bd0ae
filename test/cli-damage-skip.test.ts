/**
 * Damage contained (docs/verify.md, "Which commands stop, which read on"): on a hive with
 * 64 bytes of a key record overwritten, `find` and `dump` skip the damaged record with what
 * only it leads to and go on, so every intact match is found — the expected matches are
 * the clean file's, less those the damage cuts off, computed here from the clean file and
 * the damaged range — and the file is still reported damaged (exit 2, -o writes nothing).
 * `info` counts what is intact the same way.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openHive, walkTree } from '@hivetool/hive';
import { corpusBytes, damagedCopy, describeCorpus, runCli, type DamagedHive } from '@hivetool/test-support';
import { scratchDirectory } from '@hivetool/test-support/scratch';

const scratch = scratchDirectory('hivetool-damage-skip-');
const describeWithCorpus = describeCorpus(describe);

/** Matched in key paths below the damaged key and elsewhere (HKLM\Drivers\PCCARD\PCMCIA…). */
const PATTERN = 'PCMCIA';

interface Match {
  path: string;
  kind: 'key' | 'value';
  name?: string;
}

function matches(stdout: string): Match[] {
  return (JSON.parse(stdout) as { matches: Match[] }).matches.map(({ path, kind, name }) => (name === undefined ? { path, kind } : { path, kind, name }));
}

describeWithCorpus('a hive with 64 bytes of a key record overwritten (corpus default.hv)', () => {
  let clean: string;
  let damagedFile: string;
  let damaged: DamagedHive;
  beforeAll(() => {
    const bytes = corpusBytes('default.hv');
    clean = join(scratch.path, 'clean.hv');
    writeFileSync(clean, bytes);
    damaged = damagedCopy(bytes, (path) => path.toUpperCase().includes(PATTERN));
    damagedFile = join(scratch.path, 'damaged.hv');
    writeFileSync(damagedFile, damaged.bytes);
  });

  test('find returns every intact match: the clean matches less those in or below the damaged record', () => {
    const cleanRun = runCli(['find', '--json', PATTERN, clean]);
    expect(cleanRun.status).toBe(0);
    const all = matches(cleanRun.stdout);
    const intact = all.filter((match) => (match.kind === 'key' ? damaged.intactKey(match.path) : damaged.intactValue(match.path, match.name!)));
    // The damage cuts some matches off, and leaves others (after it in the tree) intact.
    expect(intact.length).toBeLessThan(all.length);
    expect(intact.length).toBeGreaterThan(0);
    const lastIntact = intact[intact.length - 1]!;
    expect(all.findIndex((match) => !damaged.intactKey(match.path))).toBeLessThan(all.indexOf(lastIntact));

    const run = runCli(['find', '--json', PATTERN, damagedFile]);
    expect(matches(run.stdout)).toEqual(intact);
    // The file is still damaged: exit 2, the line naming the damage and the records skipped.
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/damaged hive: 1 damaged record\(s\) or link\(s\) skipped, the first under .*\[ID_MISMATCH\]; what was shown is what is intact/);

    // Text output: the same matches, one line each.
    const text = runCli(['find', PATTERN, damagedFile]);
    expect(text.status).toBe(2);
    expect(text.stdout.split('\n').filter((line) => line !== '')).toHaveLength(intact.length);
  });

  test('dump shows every intact key, notes the record skipped, and -o writes nothing', () => {
    const cleanDump = runCli(['dump', '-f', 'json', clean]);
    const keys = (JSON.parse(cleanDump.stdout) as { hives: Array<{ keys: Array<{ path: string }> }> }).hives[0]!.keys.map((key) => key.path);
    const run = runCli(['dump', '-f', 'json', damagedFile]);
    expect(run.status).toBe(2);
    const hive = (JSON.parse(run.stdout) as { hives: Array<{ keys: Array<{ path: string }>; skippedRecords: Array<{ path: string; code: string; lost: string }> }> }).hives[0]!;
    expect(hive.keys.map((key) => key.path)).toEqual(keys.filter((path) => damaged.intactKey(path)));
    const parent = damaged.damagedPath.slice(0, damaged.damagedPath.lastIndexOf('\\'));
    expect(hive.skippedRecords).toEqual([expect.objectContaining({ path: parent, code: 'ID_MISMATCH', lost: 'keys' })]);

    const reg = runCli(['dump', damagedFile]);
    expect(reg.status).toBe(2);
    expect(reg.stdout).toContain(`; hivetool: damaged record skipped under ${parent}`);
    expect(reg.stdout).not.toMatch(/stops here/);

    const out = join(scratch.path, 'out.reg');
    const written = runCli(['dump', damagedFile, '-o', out]);
    expect(written.status).toBe(2);
    expect(existsSync(out)).toBe(false);
  });

  test('info counts every intact key and value: the clean counts less what the damaged record cuts off, and says so (exit 2)', () => {
    // The reachable records of the clean file, and those of them the damage leaves intact.
    let cleanKeys = 0;
    let cleanValues = 0;
    let keys = 0;
    let values = 0;
    walkTree(openHive(corpusBytes('default.hv')), {
      key(_key, path) {
        cleanKeys++;
        if (damaged.intactKey(path)) keys++;
      },
      value(value, _key, path) {
        cleanValues++;
        if (damaged.intactValue(path, value.name)) values++;
      },
    });
    expect(keys).toBeLessThan(cleanKeys);
    expect(values).toBeLessThan(cleanValues);

    const cleanInfo = runCli(['info', '--json', clean]);
    expect(cleanInfo.status).toBe(0);
    const cleanStatistics = (JSON.parse(cleanInfo.stdout) as { hives: Array<{ statistics: { reachable: { keys: number; values: number; unresolvedLinks: number } } }> }).hives[0]!.statistics;
    expect(cleanStatistics.reachable).toEqual({ keys: cleanKeys, values: cleanValues, unresolvedLinks: 0 });

    const run = runCli(['info', '--json', damagedFile]);
    expect(run.status).toBe(2);
    const hive = (JSON.parse(run.stdout) as { hives: Array<{ statistics: { reachable: unknown; blocks: { keys: number } }; problems: string[] }> }).hives[0]!;
    // Every intact record counted, past the damaged one; the heap's blocks are all counted.
    expect(hive.statistics.reachable).toEqual({ keys, values, unresolvedLinks: 0 });
    expect(hive.problems).toEqual([expect.stringMatching(/^damaged hive: 1 damaged record\(s\) or link\(s\) skipped, the first under .*\[ID_MISMATCH\]; what was shown is what is intact \(reachable from the roots\): the reachable counts leave out/)]);
    expect(run.stderr).toMatch(/damaged hive: 1 damaged record\(s\) or link\(s\) skipped, the first under .*\[ID_MISMATCH\]; what was shown is what is intact \(reachable from the roots\): the reachable counts leave out/);

    // Text output: the counts, and the problem under `could not read`.
    const text = runCli(['info', damagedFile]);
    expect(text.status).toBe(2);
    expect(text.stdout).toMatch(new RegExp(`keys +\\d+ in heap, ${keys} reachable`));
    expect(text.stdout).toMatch(/could not read +damaged hive: 1 damaged record/);
  });
});
