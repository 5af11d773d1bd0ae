/**
 * The viewer an examiner can trust, in a real headless Chromium: find's search in the page
 * (every open file, regular expressions, type and place filters, binary data as UTF-16LE,
 * F3 / Shift+F3), the ROM check on Attach ROM… and `view --force-rom`, names and data
 * shown escaped, the server's token as the page sees it, and the smaller items (status
 * line, flags, Compare, the diff's changes, the .reg header, the regedit 5 export).
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { encodeHive } from '@hivetool/hive';
import { ValueType, encodeUtf16 } from '@hivetool/registry';
import { corpusBytes, corpusPath, damagedCopy, runCli } from '@hivetool/test-support';
import { cli, closePage, describeBrowser, download, goTo, launchBrowser, openFile, openPage, row, startView, valueRows } from './viewerHarness.js';

let browser: Browser | undefined;
let scratch = '';
const at = (name: string): string => join(scratch, name);

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'hivetool-viewer-search-'));
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** Writes a hive built from `roots` (root index → keys) and returns its path. */
function hiveFile(name: string, roots: Parameters<typeof encodeHive>[0]['roots']): string {
  writeFileSync(at(name), encodeHive({ roots }));
  return at(name);
}

/** Builds a hive from .reg text with `hivetool build ARGS`. */
function build(name: string, reg: string, ...args: string[]): string {
  writeFileSync(at(`${name}.reg`), `REGEDIT4\n\n${reg}`);
  cli(['build', ...args, at(`${name}.reg`), '-o', at(name)]);
  return at(name);
}

const sz = (text: string): Uint8Array => encodeUtf16(`${text}\0`);
const dword = (n: number): Uint8Array => new Uint8Array(new Uint32Array([n]).buffer);

/** Bytes of a time zone structure: the name as UTF-16LE at an odd offset, as find must read it. */
function timeZoneBytes(name: string): Uint8Array {
  const bytes = new Uint8Array(1 + 64 + 8);
  bytes[0] = 0xe0;
  bytes.set(encodeUtf16(name), 1);
  return bytes;
}

/** Waits until the search summary says how many matched, and returns that line. */
async function searched(page: Page): Promise<string> {
  await page.waitForFunction(() => /match\(es\)|cannot search/.test(document.getElementById('search-summary')?.textContent ?? ''));
  return (await page.textContent('#search-summary'))!;
}

describeBrowser('viewer: find in the page', () => {
  test('every open file, as hivetool find matches them; F3, Enter and Shift+F3 walk the matches, each shown in the value table', async () => {
    const first = hiveFile('zones.hv', {
      2: [
        {
          name: 'Zones',
          subkeys: [{ name: 'Tz', values: [{ name: 'TimeZoneInformation', type: ValueType.BINARY, data: timeZoneBytes('Pacific Standard Time') }, { name: 'Display', type: ValueType.SZ, data: sz('Pacific Standard Time') }, { name: 'Bias', type: ValueType.DWORD, data: dword(480) }] }],
        },
        { name: 'Pacific', values: [{ name: 'Other', type: ValueType.DWORD, data: dword(1) }] },
      ],
    });
    const second = hiveFile('second.hv', { 2: [{ name: 'Elsewhere', values: [{ name: 'Where', type: ValueType.SZ, data: sz('pacific') }] }] });
    const find = (...args: string[]): Array<{ file: string; path: string; kind: string; name?: string; matchedAs?: string }> =>
      (JSON.parse(runCli(['find', '--json', ...args]).stdout) as { matches: Array<{ file: string; path: string; kind: string; name?: string; matchedAs?: string }> }).matches;
    const page = await openPage(browser!);
    await openFile(page, first);
    await openFile(page, second);
    await page.locator('#tree').focus();
    await page.keyboard.press('/');
    await page.keyboard.type('Pacific');
    await page.keyboard.press('Enter');
    const summary = await searched(page);
    const expected = find('Pacific', first, second);
    expect(summary).toContain(`${expected.length} match(es)`);
    expect(summary).toContain('2 file(s)');
    // The list is find's, in file order: the same files, paths and value names.
    const listed = await page.$$eval('#search-results li a', (links) => links.map((a) => a.textContent));
    expect(listed).toEqual(expected.map((match) => `${match.file.replace(/^.*\//, '')}: ${match.path}${match.kind === 'value' ? ` → ${match.name}` : ''}`));
    expect(expected.some((match) => match.matchedAs === 'UTF-16LE text')).toBe(true);
    // The first match is shown: its key selected, its value's row selected in the visible value table.
    const shownMatch = async (index: number): Promise<void> => {
      const match = expected[index]!;
      await page.waitForFunction((n) => document.getElementById('status')?.textContent?.startsWith(`match ${n} of `) === true, index + 1);
      await valueRows(page, match.path);
      expect(await page.isVisible('#panel-values')).toBe(true);
      expect(await page.inputValue('#doc-select')).toBe(await page.$eval('#doc-select', (select, file) => [...(select as HTMLSelectElement).options].find((option) => option.text === file)!.value, match.file.replace(/^.*\//, '')));
      if (match.kind === 'value') {
        expect(await page.$$eval('#values-body tr.selected .vname', (cells) => cells.map((cell) => cell.textContent))).toEqual([match.name]);
        await page.waitForFunction((n) => document.getElementById('hex-caption')?.textContent?.startsWith(`value ${n} `) === true, match.name!);
      }
    };
    await shownMatch(0);
    await page.keyboard.press('F3');
    await shownMatch(1);
    await page.keyboard.press('Shift+F3');
    await shownMatch(0);
    // Enter in the unchanged search box is the next match; the last one is in the second file.
    await page.focus('#search');
    for (let i = 1; i < expected.length; i++) {
      await page.keyboard.press('Enter');
      await shownMatch(i);
    }
    expect(expected[expected.length - 1]!.file).toBe(second);
    await closePage(page);
  });

  test('regular expression, data only, a type: the same matches as find --regex --data --type', async () => {
    const file = hiveFile('zones2.hv', {
      2: [{ name: 'Tz', values: [{ name: 'TimeZoneInformation', type: ValueType.BINARY, data: timeZoneBytes('Pacific Standard Time') }, { name: 'Display', type: ValueType.SZ, data: sz('Pacific Standard Time') }, { name: 'Pacific', type: ValueType.DWORD, data: dword(1) }] }],
    });
    const page = await openPage(browser!);
    await openFile(page, file);
    await page.locator('[data-panel="search"]').click();
    await page.check('#search-regex');
    await page.check('#search-data');
    await page.fill('#search', 'pacific\\s+standard');
    await page.press('#search', 'Enter');
    expect(await searched(page)).toContain('2 match(es) for the regular expression');
    const cli2 = runCli(['find', '--regex', '--data', 'pacific\\s+standard', file]).stdout.trim().split('\n');
    expect(cli2).toHaveLength(2);
    await page.locator('[data-panel="search"]').click();
    await page.selectOption('#search-type', 'REG_BINARY');
    await page.press('#search', 'Enter');
    expect(await searched(page)).toContain('1 match(es)');
    await page.locator('[data-panel="search"]').click();
    expect(await page.textContent('#search-results li .hit-text')).toContain('(as UTF-16LE text)');
    expect(runCli(['find', '--regex', '--data', '--type', 'REG_BINARY', 'pacific\\s+standard', file]).stdout).toContain('TimeZoneInformation');
    // A pattern RE2 refuses: the page says why, as find does.
    await page.fill('#search', '(');
    await page.press('#search', 'Enter');
    expect(await searched(page)).toContain('cannot search: not a regular expression: (');
    await closePage(page);
  });
});

describeBrowser('viewer: search on a damaged hive', () => {
  test('every intact match is found: the clean file\'s matches minus those only the damaged record leads to, the skip said', async () => {
    type Match = { path: string; kind: string; name?: string };
    const clean = corpusPath('default.hv');
    const matches = (JSON.parse(cli(['find', '--json', 'PCMCIA', clean])) as { matches: Match[] }).matches;
    const damaged = damagedCopy(corpusBytes('default.hv'), (path) => path.toUpperCase().includes('PCMCIA'));
    const intact = matches.filter((match) => (match.kind === 'key' ? damaged.intactKey(match.path) : damaged.intactValue(match.path, match.name!)));
    expect(intact.length).toBeLessThan(matches.length);
    expect(intact.length).toBeGreaterThan(0);
    writeFileSync(at('damaged.hv'), damaged.bytes);
    const page = await openPage(browser!);
    await openFile(page, at('damaged.hv'));
    await page.fill('#search', 'PCMCIA');
    await page.press('#search', 'Enter');
    const summary = await searched(page);
    expect(summary).toContain(`${intact.length} match(es)`);
    expect(summary).toMatch(/damaged\.hv: damaged hive: \d+ damaged record\(s\) or link\(s\) skipped, the first under /);
    const listed = await page.$$eval('#search-results li a', (links) => links.map((a) => a.textContent));
    expect(listed).toEqual(intact.map((match) => match.path + (match.kind === 'value' ? ` → ${match.name}` : '')));
    await closePage(page);
  });
});

describeBrowser('viewer: the ROM check', () => {
  let system = '';
  let foreign = '';
  let user = '';
  beforeAll(() => {
    user = build('user.hv', '[HKEY_CURRENT_USER\\MUI]\n"Y"=dword:00000002\n', '--rom', corpusPath('user.hv'));
    system = build('system.hv', '[HKEY_LOCAL_MACHINE\\init\\BootVars]\n"X"=dword:00000001\n\n[HKEY_LOCAL_MACHINE\\NewKey]\n"A"="b"\n', '--rom', corpusPath('default.hv'));
    // A ROM of another build: its own signature, its own numbering.
    foreign = build('foreign.hv', '[HKEY_LOCAL_MACHINE\\init\\BootVars]\n"Z"=dword:00000001\n\n[HKEY_LOCAL_MACHINE\\Other]\n"Q"=dword:00000003\n', '--rom-signature', '00112233445566778899aabbccddeeff');
  });

  /** What `dump --rom ROM` says does not match, from its exit-2 line. */
  function cliProblems(rom: string, hive = system): string {
    const result = runCli(['dump', '--rom', rom, hive]);
    expect(result.status).toBe(2);
    return /does not match the ROM hive [^:]+: (.*) \[ROM_MISMATCH\]/.exec(result.stderr)![1]!;
  }

  test('Attach ROM… with a ROM of the wrong role: the page says what does not match and attaches nothing unless told', async () => {
    const page = await openPage(browser!);
    await openFile(page, system);
    await page.setInputFiles('#rom-input', corpusPath('user.hv'));
    await page.waitForSelector('#rom-dialog[open]');
    expect(await page.textContent('#rom-dialog-title')).toBe('system.hv does not match the ROM hive user.hv');
    // The same sentences as the command line's error line, first thing in the dialog.
    expect((await page.$$eval('#rom-dialog-problems li', (items) => items.map((li) => li.textContent))).join('; ')).toBe(cliProblems(corpusPath('user.hv')));
    expect(await page.textContent('#rom-dialog-facts')).toContain('does not match');
    // The dialog's focus starts on the safe choice; Escape is "do not attach".
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('rom-dialog-cancel');
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('user.hv not attached to system.hv') === true);
    expect(await page.textContent('#doc-summary')).not.toContain('attached');
    await closePage(page);
  });

  test('a ROM of another build: both signatures said first; attached anyway, links that do not resolve there are shown as such, never read', async () => {
    const page = await openPage(browser!);
    await openFile(page, system);
    await page.setInputFiles('#rom-input', foreign);
    await page.waitForSelector('#rom-dialog[open]');
    const signature = (JSON.parse(cli(['info', '--json', system])) as { hives: Array<{ header: { romSignature: string } }> }).hives[0]!.header.romSignature;
    const problems = await page.$$eval('#rom-dialog-problems li', (items) => items.map((li) => li.textContent!));
    expect(problems[0]).toContain(`the hive carries ROM signature ${signature}, the ROM hive 00112233445566778899aabbccddeeff`);
    expect(problems.join('; ')).toBe(cliProblems(foreign));
    expect(await page.textContent('#rom-dialog-facts')).toContain(`${signature} in system.hv; 00112233445566778899aabbccddeeff in foreign.hv (different builds)`);
    await page.locator('#rom-dialog-force').click();
    await page.waitForFunction(() => document.getElementById('doc-summary')?.textContent?.includes('its records are marked unverified') === true);
    // What dump --force-rom reads there; each link it cannot follow is a row saying so.
    const dumped = JSON.parse(runCli(['dump', '-f', 'json', '--rom', foreign, '--force-rom', '-k', 'HKLM\\init\\BootVars', system]).stdout) as { hives: Array<{ keys: Array<{ values: Array<{ name: string; source: string }> }>; unresolvedLinks: unknown[] }> };
    await goTo(page, 'HKLM\\init\\BootVars');
    const rows = await valueRows(page, 'HKEY_LOCAL_MACHINE\\init\\BootVars');
    expect(rows.filter((cells) => !cells[0]!.startsWith('unresolved:')).map((cells) => [cells[0], cells[5]])).toEqual(dumped.hives[0]!.keys[0]!.values.map((value) => [value.name, value.source]));
    expect(rows.filter((cells) => cells[0]!.startsWith('unresolved:'))).toHaveLength(dumped.hives[0]!.unresolvedLinks.length);
    await closePage(page);
  });

  test('a ROM of the same signature but another build, attached anyway: every record from it marked unverified in tree, values, search and exports', async () => {
    // The ROM default.hv with one key more: the same signature, other record numbers.
    const sameSignature = at('same-signature.hv');
    writeFileSync(at('same-signature.reg'), cli(['dump', corpusPath('default.hv')]) + '\n[HKEY_LOCAL_MACHINE\\zzLater]\n"Q"=dword:00000003\n');
    const signature = (JSON.parse(cli(['info', '--json', corpusPath('default.hv')])) as { hives: Array<{ header: { romSignature: string } }> }).hives[0]!.header.romSignature;
    cli(['build', '--rom-signature', signature, at('same-signature.reg'), '-o', sameSignature]);
    const page = await openPage(browser!);
    await openFile(page, system);
    await page.setInputFiles('#rom-input', sameSignature);
    await page.waitForSelector('#rom-dialog[open]');
    expect((await page.$$eval('#rom-dialog-problems li', (items) => items.map((li) => li.textContent))).join('; ')).toBe(cliProblems(sameSignature));
    await page.locator('#rom-dialog-force').click();
    await page.waitForFunction(() => document.getElementById('doc-summary')?.textContent?.includes('its records are marked unverified') === true);
    // The effective registry as dump --force-rom reads it, value by value with where it came from.
    type Dumped = { hives: Array<{ keys: Array<{ values: Array<{ name: string; source: string; unverified?: boolean }> }> }> };
    const dumped = (JSON.parse(runCli(['dump', '-f', 'json', '--rom', sameSignature, '--force-rom', '-k', 'HKCR\\.pyv', system]).stdout) as Dumped).hives[0]!.keys[0]!.values;
    expect(dumped.some((value) => value.unverified === true)).toBe(true);
    await goTo(page, 'HKCR\\.pyv');
    const rows = await valueRows(page, 'HKEY_CLASSES_ROOT\\.pyv');
    expect(rows.map((cells) => [cells[0], cells[5]])).toEqual(dumped.map((value) => [value.name, value.unverified === true ? 'ROM (unverified)' : value.source]));
    expect(await page.locator('#tree .row .badge.unverified').count()).toBeGreaterThan(0);
    // Search says so too, as find does.
    await page.fill('#search', 'Content Type');
    await page.press('#search', 'Enter');
    await searched(page);
    expect(await page.$$eval('#search-results .hit-text', (items) => items.map((li) => li.textContent))).toContainEqual(expect.stringContaining('(unverified: from a ROM hive that failed the ROM check)'));
    // The exports: a comment under each line from the ROM, as dump's; JSON as dump -f json writes it.
    await goTo(page, 'HKCR\\.pyv');
    await valueRows(page, 'HKEY_CLASSES_ROOT\\.pyv');
    const reg = (await download(page, '#export-reg')).toString('utf8');
    expect(reg).toContain(`; read through the ROM hive same-signature.hv, ROM signature ${signature}`);
    expect(reg).toContain(': it failed the ROM check and was attached anyway; lines from it are marked unverified');
    expect(reg).toMatch(/^"Content Type"=.*\n; unverified: the line above is from a ROM hive that failed the ROM check/m);
    const json = JSON.parse((await download(page, '#export-json')).toString('utf8')) as Dumped & { hives: Array<{ rom: unknown }> };
    expect(json.hives[0]!.rom).toEqual({ file: 'same-signature.hv', romSignature: signature, unverified: true });
    expect(json.hives[0]!.keys[0]!.values.map((value) => [value.name, value.source, value.unverified])).toEqual(dumped.map((value) => [value.name, value.source, value.unverified]));
    await closePage(page);
  });

  test('hivetool view --rom ROM --force-rom: the page attaches it without asking, its records marked unverified; without --force-rom nothing is served', async () => {
    const refused = runCli(['view', '--rom', foreign, system]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('[ROM_MISMATCH]');
    const view = await startView(['--rom', corpusPath('default.hv'), '--force-rom', user]);
    try {
      const page = await openPage(browser!, view.url);
      await page.waitForFunction(() => document.getElementById('doc-summary')?.textContent?.includes('its records are marked unverified') === true);
      expect(await page.isVisible('#rom-dialog')).toBe(false);
      await goTo(page, 'HKCU\\MUI');
      const rows = await valueRows(page, 'HKEY_CURRENT_USER\\MUI');
      expect(rows.map((cells) => cells[5])).toContain('ROM (unverified)');
      await closePage(page);
    } finally {
      expect(await view.stop()).toBe(130);
    }
  });
});

describeBrowser('viewer: text from a file shown escaped', () => {
  test('U+202E and other controls in key and value names and data are shown as \\u202e, as the command line shows them', async () => {
    const file = hiveFile('bidi.hv', { 2: [{ name: 'invoice\u202Etxt.exe', values: [{ name: 'name\u202Eevil', type: ValueType.SZ, data: sz('data\u202Egpj.exe\u2066x\ty') }] }] });
    const page = await openPage(browser!);
    await openFile(page, file);
    await row(page, 'HKEY_LOCAL_MACHINE').locator('.twisty').click();
    await row(page, 'invoice\\u202etxt.exe').locator('.name').click();
    const rows = await valueRows(page, 'HKEY_LOCAL_MACHINE\\invoice\\u202etxt.exe');
    expect(rows.map((cells) => cells.slice(0, 3))).toEqual([['name\\u202eevil', 'REG_SZ', 'data\\u202egpj.exe\\u2066x\\ty']]);
    // The same escapes as the command line's output on a terminal.
    expect(cli(['find', 'gpj', file])).toBe(`${file}: HKEY_LOCAL_MACHINE\\invoice\\u202etxt.exe\\name\\u202eevil = "data\\u202egpj.exe\\u2066x\\ty"\n`);
    // Nowhere in the page does the character itself appear: not in the tree, path bar, values or status.
    expect(await page.evaluate(() => /[\u202a-\u202e\u2066-\u2069]/.test(document.body.innerText))).toBe(false);
    expect(await page.inputValue('#path')).toBe('HKEY_LOCAL_MACHINE\\invoice\\u202etxt.exe');
    // Enter on the escaped path bar still goes to the key (its name as stored).
    await page.press('#path', 'Enter');
    await page.waitForFunction(() => document.getElementById('status')?.classList.contains('error') === false);
    // Search hits too.
    await page.fill('#search', 'gpj');
    await page.press('#search', 'Enter');
    await searched(page);
    expect(await page.evaluate(() => /[\u202a-\u202e\u2066-\u2069]/.test(document.body.innerText))).toBe(false);
    expect(await page.textContent('#search-results .hit-text')).toContain('data\\u202egpj.exe');
    await closePage(page);
  });
});

describeBrowser('viewer: the local server, as a page sees it', () => {
  test('files are served under the run token only: a page of the viewer gets /files/0 at its own address, not at the bare one', async () => {
    const view = await startView([corpusPath('boot.hv')]);
    try {
      const page = await openPage(browser!, view.url);
      await page.waitForSelector('#tree .row');
      const statuses = await page.evaluate(async () => [(await fetch('files/0')).status, (await fetch('/files/0')).status, (await fetch('/preload.json')).status]);
      expect(statuses).toEqual([200, 403, 403]);
      await closePage(page);
    } finally {
      expect(await view.stop()).toBe(130);
    }
  });
});

describeBrowser('viewer: the smaller items', () => {
  test('the status line speaks of the file shown, after a failed open and after switching files', async () => {
    const junk = at('junk.bin');
    writeFileSync(junk, 'not a registry file at all');
    const page = await openPage(browser!);
    await openFile(page, corpusPath('boot.hv'));
    await openFile(page, corpusPath('default.hv'));
    await page.setInputFiles('#file-input', junk);
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('junk.bin: ') === true);
    expect(await page.getAttribute('#status', 'class')).toContain('error');
    await page.selectOption('#doc-select', { label: 'boot.hv' });
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('boot.hv: hive (rom)') === true);
    expect(await page.getAttribute('#status', 'class')).not.toContain('error');
    await page.selectOption('#doc-select', { label: 'default.hv' });
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('default.hv: hive (rom)') === true);
    await closePage(page);
  });

  test('key and value flags are explained as the .reg notes of dump explain them', async () => {
    const file = hiveFile('flags.hv', { 2: [{ name: 'Copied', flags: 0x0002, values: [{ name: 'Flagged', type: ValueType.DWORD, data: dword(1), flags: 0x01 }] }] });
    const dumped = cli(['dump', file]);
    expect(dumped).toContain('; key flags 0x0002 (copy of a ROM key)');
    expect(dumped).toContain('; value flags 0x01 (meaning not known)');
    const page = await openPage(browser!);
    await openFile(page, file);
    await goTo(page, 'HKLM\\Copied');
    const rows = await valueRows(page, 'HKEY_LOCAL_MACHINE\\Copied');
    expect(await page.textContent('#key-title')).toContain('flags 0x0002 (copy of a ROM key)');
    expect(rows[0]![4]).toBe('0x01 (meaning not known)');
    await closePage(page);
  });

  test('Compare needs two different files; the diff lists its changes, and F8 / Shift+F8 go through them', async () => {
    const before = build('before.hv', '[HKEY_LOCAL_MACHINE\\A]\n"Keep"=dword:00000001\n"Change"=dword:00000001\n"Drop"="x"\n\n[HKEY_LOCAL_MACHINE\\Gone]\n');
    const after = build('after.hv', '[HKEY_LOCAL_MACHINE\\A]\n"Keep"=dword:00000001\n"Change"=dword:00000002\n"Add"="y"\n\n[HKEY_LOCAL_MACHINE\\New]\n');
    const page = await openPage(browser!);
    await openFile(page, before);
    await page.locator('[data-panel="compare"]').click();
    expect(await page.isDisabled('#diff-run')).toBe(true);
    expect(await page.textContent('#diff-why')).toContain('a file is not compared with itself');
    await openFile(page, after);
    await page.selectOption('#diff-a', { label: 'after.hv' });
    await page.selectOption('#diff-b', { label: 'after.hv' });
    expect(await page.isDisabled('#diff-run')).toBe(true);
    expect(await page.textContent('#diff-why')).toContain('Pick two different files');
    await page.selectOption('#diff-a', { label: 'before.hv' });
    expect(await page.isDisabled('#diff-run')).toBe(false);
    await page.locator('#diff-run').click();
    await page.waitForSelector('#changes-list li');
    const changes = (JSON.parse(runCli(['diff', '-f', 'json', before, after]).stdout) as { changes: Array<{ op: string; path: string; name?: string }> }).changes;
    const listed = await page.$$eval('#changes-list li', (items) => items.map((li) => li.textContent));
    expect(listed).toHaveLength(changes.length);
    expect(changes.length).toBe(5);
    await page.locator('#tree').focus();
    await page.keyboard.press('F8');
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('change 1 of 5') === true);
    await page.keyboard.press('F8');
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('change 2 of 5') === true);
    await page.keyboard.press('Shift+F8');
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('change 1 of 5') === true);
    // A value's change selects its row in the value table.
    const valueChange = listed.findIndex((text) => text!.includes(' value '));
    await page.locator('[data-panel="compare"]').click();
    await page.locator('#changes-list li a').nth(valueChange).click();
    await page.waitForFunction((n) => document.getElementById('status')?.textContent?.startsWith(`change ${n} of 5`) === true, valueChange + 1);
    expect(await page.locator('#values-body tr.selected').count()).toBe(1);
    expect(await page.isVisible('#panel-values')).toBe(true);
    await closePage(page);
  });

  test('exports: the .reg header carries the ROM signature and the attached ROM; regedit 5 is what dump --reg-style regedit writes', async () => {
    const system = build('export-system.hv', '[HKEY_LOCAL_MACHINE\\init\\BootVars]\n"X"=dword:00000001\n', '--rom', corpusPath('default.hv'));
    const page = await openPage(browser!);
    await openFile(page, system);
    await page.setInputFiles('#rom-input', corpusPath('default.hv'));
    await page.waitForFunction(() => document.getElementById('doc-summary')?.textContent?.includes('ROM default.hv attached') === true);
    await goTo(page, 'HKLM\\init');
    await valueRows(page, 'HKEY_LOCAL_MACHINE\\init');
    const info = JSON.parse(cli(['info', '--json', system])) as { hives: Array<{ header: { romSignature: string } }> };
    const lines = (text: string): string[] => text.split(/\r?\n/).filter((line) => !line.startsWith(';') && line !== '');
    const reg = (await download(page, '#export-reg')).toString('utf8');
    expect(reg).toContain(`; export-system.hv: persistent hive, ROM signature ${info.hives[0]!.header.romSignature}`);
    expect(reg).toContain(`; read through the ROM hive default.hv, ROM signature ${info.hives[0]!.header.romSignature}`);
    expect(lines(reg)).toEqual(lines(cli(['dump', '--rom', corpusPath('default.hv'), '-k', 'HKLM\\init', system])));
    const regedit = await download(page, '#export-regedit');
    expect([...regedit.subarray(0, 2)]).toEqual([0xff, 0xfe]);
    const text = new TextDecoder('utf-16le').decode(regedit.subarray(2));
    expect(text.startsWith('Windows Registry Editor Version 5.00\r\n')).toBe(true);
    expect(text).not.toMatch(/[^\r]\n/);
    cli(['dump', '--reg-style', 'regedit', '--rom', corpusPath('default.hv'), '-k', 'HKLM\\init', system, '-o', at('init-regedit.reg')]);
    const cliText = new TextDecoder('utf-16le').decode(readFileSync(at('init-regedit.reg')).subarray(2));
    expect(lines(text)).toEqual(lines(cliText));
    await closePage(page);
  });
});
