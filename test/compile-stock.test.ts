/**
 * Microsoft's stock registry sources (CE 5 and CE 7) and the BSP sets of the corpus,
 * compiled as a stock OS design compiles them (registry sources guide §1–§2): the build
 * variables a hive-registry design sets, the file order common.reg → component files →
 * platform.reg → project.reg, and a .str for the LOC_ tokens. Facts are read by hand from
 * the sources; no warning may be false.
 */
import { describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openHive, readTree } from '@hivetool/hive';
import type { HiveTree } from '@hivetool/registry';
import { PLATFORM_REG_DIR, runCli, stockFiles, stockReleaseFolder, treeValue, type StockSet } from '@hivetool/test-support';
import { scratchDirectory } from '@hivetool/test-support/scratch';

const scratch = scratchDirectory('hivetool-compile-stock-');
const source = (path: string): string => join(PLATFORM_REG_DIR, path);
const available = ['ce5-microsoft/common.reg', 'ce7-microsoft/common.reg', 'ce7-microsoft/timezones.reg'].every((file) => existsSync(source(file)));
const describeStock = available
  ? describe
  : (name: string, fn: () => void): void => {
      process.stderr.write(`\n[hivetool tests] Microsoft's registry sources not found under ${PLATFORM_REG_DIR}: "${name}" is SKIPPED\n`);
      describe.skip(`${name} (SKIPPED: registry sources not found)`, fn);
    };

/** A few en-US strings, as common.str gives them; the other LOC_ tokens have none here. */
const STRINGS = 'LOC_LCID 409\nLOC_ACP 4e4\nLOC_DEFAULT_TIMEZONE "Pacific Standard Time"\nLOC_HKL_DEFAULT "00000409"\nLOC_STORE_DEFAULT_FOLDER "Storage Card"\n';

type SetName = Extract<StockSet, 'ce5-microsoft' | 'ce7-microsoft'>;



/** A hive-registry design on the boot device given; LOCALE 0409 (en-US) unless given. */
function compileStock(set: SetName, name: string, defines: string[] = [], boot = 'PRJ_BOOTDEVICE_MSFLASH'): { out: string; status: number | null; stdout: string; stderr: string } {
  const strings = join(scratch.path, 'en.str');
  writeFileSync(strings, STRINGS);
  const out = join(scratch.path, name);
  const variables = ['PRJ_ENABLE_FSREGHIVE', boot, 'LOCALE=0409', 'DEFAULT_LOCALE=en-US', '_TARGETPLATROOT=/nonexistent/platform', '_PUBLICROOT=/nonexistent/public', `_FLATRELEASEDIR=${stockReleaseFolder(scratch.path)}`, ...defines];
  const result = runCli(['compile', ...stockFiles(set), ...variables.flatMap((variable) => ['-D', variable]), '--strings', strings, '--missing-include', 'warn', '-o', out]);
  return { out, ...result };
}

const readHive = (out: string, hive: string): HiveTree => readTree(openHive(new Uint8Array(readFileSync(join(out, `${hive}.hv`)))));


interface Diagnostic {
  file: string;
  line: number;
  severity: string;
  code: string;
  message: string;
}
const diagnostics = (stderr: string): Diagnostic[] =>
  stderr
    .split('\n')
    .map((line) => /^hivetool: (.+):(\d+): (error|warning|note): (.*) \[([A-Z_]+)\]$/.exec(line))
    .filter((match) => match !== null)
    .map((match) => ({ file: match[1]!, line: Number(match[2]), severity: match[3]!, message: match[4]!, code: match[5]! }));

/**
 * The warnings a stock set may earn, each true: an include whose target is absent from the
 * published set (the BSP's and the public tree's driver files), and a LOC_ token for which
 * this test gives no string.
 */
function checkWarnings(stderr: string, missingIncludes: string[]): void {
  const found = diagnostics(stderr);
  // Every line on stderr is a diagnostic naming file:line.
  expect(stderr.split('\n').filter((line) => line.length > 0)).toHaveLength(found.length);
  for (const diagnostic of found) {
    if (diagnostic.severity === 'note') continue;
    expect([diagnostic.severity, diagnostic.code]).toEqual(['warning', expect.stringMatching(/^(MISSING_INCLUDE|UNRESOLVED_TOKEN)$/)]);
    if (diagnostic.code === 'UNRESOLVED_TOKEN') {
      // Every token named is a LOC_ token this test's .str does not give.
      const tokens = /^no string for (.*) \(give a \.str/.exec(diagnostic.message)![1]!.split(', ');
      for (const token of tokens) {
        expect(token).toMatch(/^LOC_/);
        expect(STRINGS).not.toContain(`${token} `);
      }
    }
  }
  expect(found.filter((diagnostic) => diagnostic.code === 'MISSING_INCLUDE').map((diagnostic) => `${diagnostic.file.slice(PLATFORM_REG_DIR.length + 1)}:${diagnostic.line}`)).toEqual(missingIncludes);
  // No ENDIF label warning, no BAD_* and no UNRECOGNISED_LINE on Microsoft's files.
  expect(found.filter((diagnostic) => /^(ENDIF_LABEL_MISMATCH|BAD_[A-Z_]+|UNRECOGNISED_LINE|UNRESOLVED_MACRO)$/.test(diagnostic.code))).toEqual([]);
}

describeStock("compile: Microsoft's stock registry sources as a stock design compiles them", () => {
  test('CE 5: common.reg, 20 component files, platform.reg, project.reg (hive registry on MSFlash)', () => {
    const { out, status, stderr } = compileStock('ce5-microsoft', 'ce5');
    // platform.reg:116-117 and 191-192 include the BSP's PC Card and the public keyboard files, not published.
    checkWarnings(stderr, ['ce5-microsoft/platform.reg:116', 'ce5-microsoft/platform.reg:117', 'ce5-microsoft/platform.reg:191', 'ce5-microsoft/platform.reg:192']);
    expect(status).toBe(1);
    const [boot, system, user] = ['boot', 'default', 'user'].map((hive) => readHive(out, hive)) as [HiveTree, HiveTree, HiveTree];
    // ie.reg:3012 IF LOCALE=0411 ! is taken with LOCALE=0409; ie.reg:3016 IF LOCALE=0411 is skipped.
    expect(treeValue(user, 'HKCU\\Software\\Microsoft\\Internet Explorer\\Main', 'Start Page')).toBe('http://www.msn.com');
    expect(treeValue(user, 'HKCU\\Software\\Microsoft\\Internet Explorer\\Main', 'Search Page')).toBe('http://search.msn.com');
    // common.reg:529-538: the boot section of a hive registry on MSFlash, in boot.hv and default.hv.
    for (const tree of [boot, system]) {
      expect(treeValue(tree, 'HKLM\\init\\BootVars', 'Flags')).toBe(1);
      expect(treeValue(tree, 'HKLM\\System\\StorageManager\\Profiles\\MSFlash', 'MountAsBootable')).toBe(1);
      expect(treeValue(tree, 'HKLM\\System\\StorageManager\\Profiles\\HDProfile', 'MountAsBootable')).toBeUndefined();
    }

    // LOCALE=0411: the other branch.
    const japanese = compileStock('ce5-microsoft', 'ce5-0411', ['LOCALE=0411']);
    expect(treeValue(readHive(japanese.out, 'user'), 'HKCU\\Software\\Microsoft\\Internet Explorer\\Main', 'Start Page')).toBe('http://www.jp.msn.com/');
    // The ATAPI boot device: common.reg:538-541 (the ELSE branch).
    const atapi = compileStock('ce5-microsoft', 'ce5-atapi', [], 'PRJ_BOOTDEVICE_ATAPI');
    expect(treeValue(readHive(atapi.out, 'boot'), 'HKLM\\init\\BootVars', 'Flags')).toBe(3);
    expect(treeValue(readHive(atapi.out, 'boot'), 'HKLM\\System\\StorageManager\\Profiles\\HDProfile', 'MountAsBootable')).toBe(1);
  });

  test('CE 7: common.reg (timezones.reg from the release folder), 15 component files, platform.reg, project.reg', () => {
    const { out, status, stdout, stderr } = compileStock('ce7-microsoft', 'ce7');
    // The one include of common.reg (common.reg:5492) is found in the release folder.
    checkWarnings(stderr, []);
    expect(status === 0 || status === 1).toBe(true);
    expect(stdout).toMatch(/^read 19 files, /);
    const [boot, system, user] = ['boot', 'default', 'user'].map((hive) => readHive(out, hive)) as [HiveTree, HiveTree, HiveTree];
    // ie7.reg:2801 IF LOCALE=0411 ! taken, ie7.reg:2805 IF LOCALE=0411 skipped.
    expect(treeValue(user, 'HKCU\\Software\\Microsoft\\Internet Explorer\\Main', 'Start Page')).toBe('http://www.msn.com');
    // common.reg:5007-5012 (IF PRJ_ENABLE_FSREGHIVE, IF PRJ_BOOTDEVICE_MSFLASH) inside a boot section.
    for (const tree of [boot, system]) {
      expect(treeValue(tree, 'HKLM\\init\\BootVars', 'Flags')).toBe(1);
      expect(treeValue(tree, 'HKLM\\init\\BootVars', 'SystemHive')).toBe('Windows\\Registry\\system.hv');
      expect(treeValue(tree, 'HKLM\\System\\StorageManager\\Profiles\\MSFlash', 'MountAsBootable')).toBe(1);
    }
    // $(PROCGROUP_SERVICE_MSFT_DEFAULT), #define'd at common.reg:4497, used at dcom.reg:67.
    expect(treeValue(system, 'HKLM\\Services\\DCOMSSD', 'UserProcGroup')).toBe(2);
    // common.reg:867 #if $(DEFAULT_LOCALE)=="en-US" (one of the 1 464 expansions of the macro).
    expect(treeValue(user, 'HKCU\\Control Panel\\International', 'LocaleName')).toBe('en-US');
    // ENDIF labels naming another variable (hundreds in common.reg) are counted in --json,
    // not listed. And the expansion limit leaves room to spare: common.reg expands
    // $(DEFAULT_LOCALE) 1 464 times, and even the smallest factor (--max-expansion 1) passes.
    const json = JSON.parse(runCli(['compile', ...stockFiles('ce7-microsoft'), '-D', 'PRJ_ENABLE_FSREGHIVE', '-D', 'DEFAULT_LOCALE=en-US', '-D', `_FLATRELEASEDIR=${stockReleaseFolder(scratch.path)}`, '--missing-include', 'warn', '--merge-only', '-o', join(scratch.path, 'ce7.ini'), '--json', '--max-expansion', '1']).stdout) as { ok: boolean; endifLabels: number; diagnostics: Diagnostic[] };
    expect(json.ok).toBe(true);
    expect(json.endifLabels).toBeGreaterThan(300);
    expect(json.diagnostics.filter((diagnostic) => diagnostic.code === 'ENDIF_LABEL_MISMATCH')).toEqual([]);
    // --pedantic lists them, each at its file:line.
    const pedantic = runCli(['compile', ...stockFiles('ce7-microsoft'), '-D', 'DEFAULT_LOCALE=en-US', '-D', `_FLATRELEASEDIR=${stockReleaseFolder(scratch.path)}`, '--merge-only', '-o', join(scratch.path, 'ce7-pedantic.ini'), '--pedantic']);
    expect(diagnostics(pedantic.stderr).filter((diagnostic) => diagnostic.code === 'ENDIF_LABEL_MISMATCH')).toHaveLength(json.endifLabels);
  });
});
