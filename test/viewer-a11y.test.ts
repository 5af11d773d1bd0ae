/**
 * The viewer's keyboard use, accessibility and narrow layouts, in a real headless Chromium
 * (the harness of viewer.test.ts: Debian's `chromium` driven by playwright-core):
 * axe-core (from its npm package) on every panel in both themes, a session done with key
 * presses only, the value grid, the tabs, the tree's active row and type-ahead, the pane
 * splitters, tooltips, the favicon, and the layout at tablet and phone sizes. Without a
 * Chromium these tests are skipped with a message.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startView } from './viewerHarness.js';
import { REPO_ROOT, corpusAvailable, corpusPath, runCli } from '@hivetool/test-support';

const APP = join(REPO_ROOT, 'packages/viewer/app');
const PAGE_URL = pathToFileURL(join(APP, 'index.html')).href;
const CHROMIUM = (process.env['HIVETOOL_CHROMIUM'] !== undefined ? [process.env['HIVETOOL_CHROMIUM']] : ['/usr/bin/chromium', '/usr/bin/chromium-browser']).find((path) => path !== '' && existsSync(path));
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const built = existsSync(join(APP, 'index.html'));
const ready = CHROMIUM !== undefined && built && corpusAvailable;
const why = CHROMIUM === undefined ? 'no Chromium found (apt-get install chromium, or set HIVETOOL_CHROMIUM)' : !built ? 'the viewer is not built (npm run build)' : 'corpus not found';
if (!ready) process.stderr.write(`\n[hivetool tests] viewer accessibility tests SKIPPED: ${why}\n`);
const describeBrowser = ready ? describe : (name: string, fn: () => void): void => describe.skip(`${name} (SKIPPED: ${why})`, fn);

let browser: Browser | undefined;
let scratch = '';

function cli(args: string[]): string {
  const result = runCli(args);
  if (result.status !== 0) throw new Error(`hivetool ${args.join(' ')}: exit ${result.status}: ${result.stderr}`);
  return result.stdout;
}

interface Options {
  width?: number;
  height?: number;
  colorScheme?: 'light' | 'dark';
  hasTouch?: boolean;
  url?: string;
}

/** A page with the viewer open (from file:// unless `url`), recording the page's errors and every address it asked for. */
async function openPage({ width = 1280, height = 720, colorScheme = 'light', hasTouch = false, url = PAGE_URL }: Options = {}): Promise<Page & { errors: string[]; requested: string[] }> {
  const context = await browser!.newContext({ viewport: { width, height }, colorScheme, acceptDownloads: true, hasTouch });
  const page = (await context.newPage()) as Page & { errors: string[]; requested: string[] };
  page.errors = [];
  page.requested = [];
  page.on('pageerror', (error) => page.errors.push(error.message));
  page.on('request', (request) => page.requested.push(request.url()));
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]');
  return page;
}

async function closePage(page: Page & { errors: string[] }): Promise<void> {
  expect(page.errors).toEqual([]);
  await page.context().close();
}

async function openFile(page: Page, file: string): Promise<void> {
  const before = await page.locator('#doc-select option').count();
  await page.setInputFiles('#file-input', file);
  await page.waitForFunction((count) => document.querySelectorAll('#doc-select option').length > count && document.querySelector('#tree .row') !== null, before);
}

function row(page: Page, name: string) {
  return page.locator('#tree .row', { has: page.locator('.name', { hasText: new RegExp(`^${name.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}$`) }) }).first();
}

async function goTo(page: Page, path: string): Promise<void> {
  await page.fill('#path', path);
  await page.press('#path', 'Enter');
}

async function waitForKey(page: Page, path: string): Promise<void> {
  await page.waitForFunction((p) => ((title) => title === p || title?.startsWith(p + ' — ') === true)(document.getElementById('key-title')?.textContent), path);
}

/** What the focused element is: its id, or its role and text. */
function focused(page: Page): Promise<{ id: string; role: string | null; name: string | undefined; text: string }> {
  return page.evaluate(() => {
    const active = document.activeElement as HTMLElement | null;
    return { id: active?.id ?? '', role: active?.getAttribute('role') ?? null, name: active?.dataset['name'], text: active?.textContent ?? '' };
  });
}

/** axe-core's violations on the page as it is now, as [rule, [elements]] pairs. */
async function axeViolations(page: Page): Promise<Array<[string, string[]]>> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: Array<{ id: string; nodes: Array<{ target: string[] }> }> }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((violation) => [violation.id, violation.nodes.map((node) => node.target.join(' '))] as [string, string[]]);
  });
}

/** boot.hv with the next-value link of HKLM\init\BootVars\Flags overwritten: verify findings, and a read-error row in the value table. */
function damagedBoot(): string {
  const file = join(scratch, 'damaged.hv');
  if (existsSync(file)) return file;
  const bytes = new Uint8Array(readFileSync(corpusPath('boot.hv')));
  const dump = JSON.parse(cli(['dump', '-f', 'json', '-k', 'HKLM\\init\\BootVars', corpusPath('boot.hv')])) as { hives: Array<{ keys: Array<{ values: Array<{ name: string; offset: number }> }> }> };
  const at = dump.hives[0]!.keys[0]!.values.find((value) => value.name === 'Flags')!.offset;
  bytes.fill(0xee, at + 12, at + 16);
  writeFileSync(file, bytes);
  return file;
}

/** A hive whose HKLM\Wide has `count` subkeys (enough to need the tree's virtualisation). */
function wideHive(count: number): string {
  const file = join(scratch, `wide-${count}.hv`);
  if (existsSync(file)) return file;
  const names = Array.from({ length: count }, (_, i) => `Sub${String(i).padStart(5, '0')}`);
  writeFileSync(join(scratch, 'wide.reg'), 'REGEDIT4\n\n[HKEY_LOCAL_MACHINE\\Wide]\n"Count"=dword:00000001\n' + names.map((name) => `\n[HKEY_LOCAL_MACHINE\\Wide\\${name}]\n"N"="${name}"\n`).join(''));
  cli(['build', join(scratch, 'wide.reg'), '-o', file]);
  return file;
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'hivetool-viewer-a11y-'));
  if (ready) browser = await chromium.launch({ executablePath: CHROMIUM!, args: ['--no-sandbox'] });
});

afterAll(async () => {
  await browser?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describeBrowser('viewer accessibility (axe-core)', () => {
  test.each([['light'], ['dark']] as Array<['light' | 'dark']>)('%s theme: no axe-core violation on any panel', async (theme) => {
    const page = await openPage({ colorScheme: theme });
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    // The system's theme is followed: a dark page in dark, a white one in light.
    expect(background).toBe(theme === 'dark' ? 'rgb(21, 24, 28)' : 'rgb(255, 255, 255)');
    const seen: Array<[string, Array<[string, string[]]>]> = [];
    seen.push(['empty page', await axeViolations(page)]);
    await openFile(page, damagedBoot());
    await goTo(page, 'HKLM\\init\\BootVars');
    await waitForKey(page, 'HKEY_LOCAL_MACHINE\\init\\BootVars');
    await page.locator('#values-body tr[data-name="SystemHive"]').click();
    await page.waitForFunction(() => document.getElementById('hex-caption')?.textContent?.startsWith('value SystemHive') === true);
    // The damaged key shows its read-error row too.
    expect(await page.locator('#values-body tr.problem').count()).toBeGreaterThan(0);
    seen.push(['values', await axeViolations(page)]);
    await page.fill('#search', 'Boot');
    await page.press('#search', 'Enter');
    // The first match is shown in the values; the list of matches is in the Search tab.
    await page.waitForSelector('#search-results li', { state: 'attached' });
    await page.locator('#tab-search').click();
    await page.waitForSelector('#search-results li');
    seen.push(['search', await axeViolations(page)]);
    await page.locator('#tab-verify').click();
    await page.waitForSelector('#findings tr');
    seen.push(['verify', await axeViolations(page)]);
    await page.locator('#tab-info').click();
    await page.waitForSelector('#info table');
    seen.push(['header & statistics', await axeViolations(page)]);
    await openFile(page, corpusPath('boot.hv'));
    await page.locator('#tab-compare').click();
    seen.push(['compare', await axeViolations(page)]);
    await page.locator('#diff-run').click();
    await page.waitForFunction(() => document.getElementById('doc-summary')?.textContent?.includes('changed') === true);
    await goTo(page, 'HKLM\\init\\BootVars');
    await waitForKey(page, 'HKEY_LOCAL_MACHINE\\init\\BootVars');
    seen.push(['values of a comparison', await axeViolations(page)]);
    // The other theme through the page's own button: the same page, no violation either.
    await page.locator('#theme').click();
    expect(await page.getAttribute('html', 'data-theme')).toBe(theme === 'dark' ? 'light' : 'dark');
    seen.push(['values, theme switched by the button', await axeViolations(page)]);
    expect(seen).toEqual(seen.map(([panel]) => [panel, []]));
    await closePage(page);
  });

  test('at 390×844: no axe-core violation with the panes stacked', async () => {
    const page = await openPage({ width: 390, height: 844, hasTouch: true });
    await openFile(page, corpusPath('default.hv'));
    await goTo(page, 'HKLM\\init');
    await waitForKey(page, 'HKEY_LOCAL_MACHINE\\init');
    expect(await axeViolations(page)).toEqual([]);
    await closePage(page);
  });
});

describeBrowser('viewer keyboard', () => {
  test('keyboard only: open a hive, find a value, read its hex and export its key', async () => {
    const page = await openPage();
    const dump = JSON.parse(cli(['dump', '-f', 'json', '-k', 'HKLM\\init\\BootVars', corpusPath('default.hv')])) as { hives: Array<{ keys: Array<{ values: Array<{ name: string; raw: string }> }> }> };
    const wanted = dump.hives[0]!.keys[0]!.values.find((value) => value.name === 'SystemHive')!;
    // Tab reaches Open… first; Enter opens the file chooser (listened for from the start, so that it cannot be missed).
    const chooser = page.waitForEvent('filechooser');
    await page.keyboard.press('Tab');
    expect((await focused(page)).id).toBe('open');
    await page.keyboard.press('Enter');
    await (await chooser).setFiles(corpusPath('default.hv'));
    await page.waitForSelector('#tree .row');
    // / goes to the search box; the query and Enter search; ↓ goes to the first result.
    await page.keyboard.press('/');
    expect((await focused(page)).id).toBe('search');
    await page.keyboard.type('SystemHive');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => [...document.querySelectorAll('#search-results a')].some((a) => a.textContent?.endsWith('→ SystemHive')));
    await page.keyboard.press('ArrowDown');
    for (let i = 0; i < 20 && !(await focused(page)).text.endsWith('→ SystemHive'); i++) await page.keyboard.press('Tab');
    expect((await focused(page)).text).toBe('HKEY_LOCAL_MACHINE\\init\\BootVars → SystemHive');
    // Enter on the result: the value's row in the value table takes the focus.
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => (document.activeElement as HTMLElement | null)?.dataset['name'] === 'SystemHive');
    expect(await page.isVisible('#panel-values')).toBe(true);
    // Enter on the row shows its bytes, and the hex view takes the focus.
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.id === 'hex');
    expect(await page.textContent('#hex-caption')).toContain('value SystemHive (file)');
    expect(await page.$$eval('#hex .byte.data', (cells) => cells.map((cell) => cell.textContent).join(''))).toBe(wanted.raw);
    // Esc goes back to the row; Shift+Tab reaches the export buttons; Enter downloads.
    await page.keyboard.press('Escape');
    expect((await focused(page)).name).toBe('SystemHive');
    for (let i = 0; i < 10 && (await focused(page)).id !== 'export-reg'; i++) await page.keyboard.press('Shift+Tab');
    expect((await focused(page)).id).toBe('export-reg');
    const download = page.waitForEvent('download');
    await page.keyboard.press('Enter');
    const exported = readFileSync((await (await download).path())!, 'utf8');
    const withoutComments = (text: string): string => text.split('\n').filter((line) => !line.startsWith(';')).join('\n').trim();
    expect(withoutComments(exported)).toBe(withoutComments(cli(['dump', '-k', 'HKLM\\init\\BootVars', corpusPath('default.hv')])));
    expect(exported).toContain(`"SystemHive"=`);
    await closePage(page);
  });

  test('value rows: each takes focus, arrows move it and the selection, C copies a link that opens the value', async () => {
    const page = await openPage();
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await openFile(page, corpusPath('boot.hv'));
    await goTo(page, 'HKLM\\init\\BootVars');
    await waitForKey(page, 'HKEY_LOCAL_MACHINE\\init\\BootVars');
    const names = await page.$$eval('#values-body tr', (rows) => rows.map((tr) => (tr as HTMLElement).dataset['name']));
    expect(names).toEqual(['SystemHive', 'ProfileDir', 'Flags']);
    // A grid: every row focusable, exactly one in the tab order.
    expect(await page.getAttribute('table.values', 'role')).toBe('grid');
    expect(await page.$$eval('#values-body tr', (rows) => rows.map((tr) => tr.getAttribute('tabindex')))).toEqual(['0', '-1', '-1']);
    await page.locator('#values-body tr').first().focus();
    await page.keyboard.press('ArrowDown');
    expect((await focused(page)).name).toBe('ProfileDir');
    await page.waitForFunction(() => document.getElementById('hex-caption')?.textContent?.startsWith('value ProfileDir') === true);
    expect(await page.$$eval('#values-body tr', (rows) => rows.map((tr) => [tr.getAttribute('aria-selected'), tr.getAttribute('tabindex')]))).toEqual([
      ['false', '-1'],
      ['true', '0'],
      ['false', '-1'],
    ]);
    await page.keyboard.press('End');
    expect((await focused(page)).name).toBe('Flags');
    await page.keyboard.press('Home');
    expect((await focused(page)).name).toBe('SystemHive');
    await page.keyboard.press('ArrowUp'); // stays on the first
    expect((await focused(page)).name).toBe('SystemHive');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('c');
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.includes('copied') === true);
    const link = await page.evaluate(() => navigator.clipboard.readText());
    const params = new URLSearchParams(new URL(link).hash.slice(1));
    expect([params.get('file'), params.get('key'), params.get('value')]).toEqual(['boot.hv', 'HKEY_LOCAL_MACHINE\\init\\BootVars', 'ProfileDir']);
    await closePage(page);
    // The copied link, opened in a new page, selects that value once the file is opened.
    const again = await openPage({ url: link });
    await openFile(again, corpusPath('boot.hv'));
    await again.waitForFunction(() => document.querySelector('#values-body tr.selected')?.getAttribute('data-name') === 'ProfileDir');
    expect(await again.getAttribute('#values-body tr.selected', 'tabindex')).toBe('0');
    await closePage(again);
  });

  test('tabs: role tab with aria-selected and aria-controls; arrows, Home and End switch panels', async () => {
    const page = await openPage();
    await openFile(page, corpusPath('boot.hv'));
    const tabs = (): Promise<Array<[string | null, string | null, string | null, boolean]>> =>
      page.$$eval('[role="tab"]', (all) => all.map((tab) => [tab.getAttribute('aria-selected'), tab.getAttribute('tabindex'), tab.getAttribute('aria-controls'), (document.getElementById(tab.getAttribute('aria-controls') ?? '') as HTMLElement | null)?.hidden === false]));
    expect(await tabs()).toEqual([
      ['true', '0', 'panel-values', true],
      ['false', '-1', 'panel-search', false],
      ['false', '-1', 'panel-verify', false],
      ['false', '-1', 'panel-info', false],
      ['false', '-1', 'panel-compare', false],
    ]);
    // Each panel is labelled by its tab.
    expect(await page.$$eval('[role="tabpanel"]', (panels) => panels.map((panel) => panel.getAttribute('aria-labelledby')))).toEqual(['tab-values', 'tab-search', 'tab-verify', 'tab-info', 'tab-compare']);
    await page.locator('#tab-values').focus();
    await page.keyboard.press('ArrowRight');
    expect((await focused(page)).id).toBe('tab-search');
    expect((await tabs())[1]).toEqual(['true', '0', 'panel-search', true]);
    await page.keyboard.press('End');
    expect((await focused(page)).id).toBe('tab-compare');
    await page.keyboard.press('ArrowRight'); // wraps to the first
    expect((await focused(page)).id).toBe('tab-values');
    await page.keyboard.press('ArrowLeft'); // and back to the last
    expect((await focused(page)).id).toBe('tab-compare');
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    expect((await focused(page)).id).toBe('tab-verify');
    await page.waitForSelector('#verify-summary:has-text("error(s)")');
    expect((await tabs()).map((tab) => tab[0])).toEqual(['false', 'false', 'true', 'false', 'false']);
    // Tab goes from the chosen tab into its panel.
    await page.keyboard.press('Tab');
    expect((await focused(page)).id).toBe('panel-verify');
    await closePage(page);
  });

  test('tree: the selected row is the active descendant, with its place in its list; type-ahead selects by name', async () => {
    const page = await openPage();
    await openFile(page, corpusPath('default.hv'));
    await page.locator('#tree').focus();
    const active = (): Promise<{ name: string; path: string; level: string | null; pos: string | null; size: string | null }> =>
      page.evaluate(() => {
        const id = document.getElementById('tree')!.getAttribute('aria-activedescendant');
        const item = id === null ? null : document.getElementById(id);
        return { name: item?.querySelector('.name')?.textContent ?? '', path: (document.getElementById('path') as HTMLInputElement).value, level: item?.getAttribute('aria-level') ?? null, pos: item?.getAttribute('aria-posinset') ?? null, size: item?.getAttribute('aria-setsize') ?? null };
      });
    await page.keyboard.press('End');
    await page.keyboard.press('Home');
    await page.waitForFunction(() => document.getElementById('tree')!.hasAttribute('aria-activedescendant'));
    expect((await active()).name).toBe(await page.textContent('#tree .row[aria-posinset="1"] .name'));
    // Type-ahead among the roots, then → expands HKLM.
    await page.keyboard.type('hkey_l');
    await page.waitForFunction(() => (document.getElementById('path') as HTMLInputElement).value === 'HKEY_LOCAL_MACHINE');
    expect((await active()).name).toBe('HKEY_LOCAL_MACHINE');
    await page.waitForTimeout(800);
    await page.keyboard.press('ArrowRight');
    await page.waitForSelector('#tree .row[aria-level="2"]');
    // HKLM's subkeys, in the order dump lists them.
    const children = (JSON.parse(cli(['dump', '-f', 'json', '-k', 'HKLM', corpusPath('default.hv')])) as { hives: Array<{ keys: Array<{ path: string }> }> }).hives[0]!.keys
      .map((key) => key.path.split('\\'))
      .filter((parts) => parts.length === 2)
      .map((parts) => parts[1]!);
    // Type-ahead: "in" goes to the first subkey of HKLM whose name starts with it.
    const target = children.find((name) => name.toLowerCase().startsWith('in'))!;
    await page.keyboard.type('in');
    await page.waitForFunction((name) => (document.getElementById('path') as HTMLInputElement).value === `HKEY_LOCAL_MACHINE\\${name}`, target);
    const shown = await active();
    expect(shown).toEqual({ name: target, path: `HKEY_LOCAL_MACHINE\\${target}`, level: '2', pos: String(children.indexOf(target) + 1), size: String(children.length) });
    // The focus stays on the tree box, which names the row.
    expect((await focused(page)).id).toBe('tree');
    // After a pause, a single letter typed again goes to the next key starting with it.
    // (A letter that starts two or more of HKLM's subkeys and no root key.)
    const letter = [...'abcdefgijklmnopqrstuvwxyz'].find((char) => children.filter((name) => name.toLowerCase().startsWith(char)).length >= 2)!;
    const withLetter = children.map((name, i) => [name, i] as const).filter(([name]) => name.toLowerCase().startsWith(letter));
    const at = children.indexOf(target);
    const order = [...withLetter.filter(([, i]) => i > at), ...withLetter.filter(([, i]) => i <= at)].map(([name]) => name);
    await page.waitForTimeout(800);
    await page.keyboard.press(letter);
    await page.waitForFunction((name) => (document.getElementById('path') as HTMLInputElement).value === `HKEY_LOCAL_MACHINE\\${name}`, order[0]!);
    await page.keyboard.press(letter);
    await page.waitForFunction((name) => (document.getElementById('path') as HTMLInputElement).value === `HKEY_LOCAL_MACHINE\\${name}`, order[1]!);
    // `/` still goes to the search box.
    await page.waitForTimeout(800);
    await page.keyboard.press('/');
    expect((await focused(page)).id).toBe('search');
    await closePage(page);
  });
});

describeBrowser('viewer panes, tooltips and favicon', () => {
  test('splitters: role separator with aria-valuenow, moved by arrow keys, Home/End and by dragging', async () => {
    const page = await openPage();
    await openFile(page, corpusPath('boot.hv'));
    const splitter = page.locator('#split-tree');
    expect(await splitter.getAttribute('role')).toBe('separator');
    expect(await splitter.getAttribute('aria-orientation')).toBe('vertical');
    const share = async (): Promise<number> => Number(await splitter.getAttribute('aria-valuenow'));
    const width = async (): Promise<number> => (await page.locator('#treepane').boundingBox())!.width;
    const mainWidth = (await page.locator('main').boundingBox())!.width;
    expect(await share()).toBe(34);
    await splitter.focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    expect(await share()).toBe(38);
    expect(Math.abs((await width()) - 0.38 * mainWidth)).toBeLessThan(2);
    await page.keyboard.press('Shift+ArrowLeft');
    expect(await share()).toBe(28);
    await page.keyboard.press('Home');
    expect(await share()).toBe(Number(await splitter.getAttribute('aria-valuemin')));
    await page.keyboard.press('End');
    expect(await share()).toBe(Number(await splitter.getAttribute('aria-valuemax')));
    // A drag with the mouse to half of the window.
    const box = (await splitter.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + 100);
    await page.mouse.down();
    await page.mouse.move(mainWidth * 0.5, box.y + 120, { steps: 5 });
    await page.mouse.up();
    expect(Math.abs((await share()) - 50)).toBeLessThanOrEqual(1);
    expect(Math.abs((await width()) - 0.5 * mainWidth)).toBeLessThan(8);
    // The bytes pane: a horizontal separator; ↑ makes the bytes pane taller.
    const hex = page.locator('#split-hex');
    expect(await hex.getAttribute('aria-orientation')).toBe('horizontal');
    const before = Number(await hex.getAttribute('aria-valuenow'));
    const height = (await page.locator('#hexpane').boundingBox())!.height;
    await hex.focus();
    await page.keyboard.press('ArrowUp');
    expect(Number(await hex.getAttribute('aria-valuenow'))).toBe(before + 2);
    expect((await page.locator('#hexpane').boundingBox())!.height).toBeGreaterThan(height);
    // The tree still draws the rows its new width and height show; the sizes are kept for the next visit.
    expect(await page.evaluate(() => localStorage.getItem('hivetool-split-tree'))).toBe('50');
    await closePage(page);
  });

  test('narrow windows: the keys splitter turns horizontal', async () => {
    const page = await openPage({ width: 768, height: 1024 });
    expect(await page.getAttribute('#split-tree', 'aria-orientation')).toBe('horizontal');
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.waitForFunction(() => document.getElementById('split-tree')?.getAttribute('aria-orientation') === 'vertical');
    await closePage(page);
  });

  test('names cut at the edge have their whole text as a tooltip', async () => {
    const page = await openPage({ width: 768, height: 1024 });
    await openFile(page, corpusPath('default.hv'));
    await goTo(page, 'HKLM\\init\\BootVars');
    await waitForKey(page, 'HKEY_LOCAL_MACHINE\\init\\BootVars');
    expect(await row(page, 'BootVars').locator('.name').getAttribute('title')).toBe('HKEY_LOCAL_MACHINE\\init\\BootVars');
    const cells = await page.$$eval('#values-body tr[data-name="SystemHive"] td', (tds) => tds.slice(0, 3).map((td) => [td.textContent, td.getAttribute('title')]));
    expect(cells[0]).toEqual(['SystemHive', 'SystemHive']);
    expect(cells[2]![1]).toBe(cells[2]![0]);
    expect(await page.getAttribute('#doc-select', 'title')).toBe('default.hv');
    await closePage(page);
  });

  test('the favicon is part of the page: nothing fetched from anywhere else, from disk and from hivetool view', async () => {
    const icon = await (async () => {
      const page = await openPage();
      await openFile(page, corpusPath('boot.hv'));
      const href = await page.getAttribute('link[rel="icon"]', 'href');
      expect(page.requested.filter((url) => !url.startsWith('file://') && !url.startsWith('data:') && !url.startsWith('blob:'))).toEqual([]);
      await closePage(page);
      return href!;
    })();
    expect(icon).toMatch(/^data:image\/svg\+xml,/);
    const view = await startView([corpusPath('boot.hv')]);
    try {
      const url = /http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]{64}\//.exec(view.line)![0];
      const page = await openPage({ url });
      await page.waitForFunction(() => document.querySelectorAll('#doc-select option').length === 1);
      await page.waitForTimeout(300);
      // Everything asked for is under the run's address (no /favicon.ico from the server's root).
      expect(page.requested.filter((address) => !address.startsWith(url) && !address.startsWith('data:') && !address.startsWith('blob:'))).toEqual([]);
      await closePage(page);
    } finally {
      await view.stop();
    }
  });
});

/**
 * Layout at tablet and phone sizes once a key of thousands of subkeys is expanded: the page
 * does not scroll, the header and the values stay in view, the tree pane keeps its share,
 * the status bar stays below the panes and the tree still draws only the rows in view.
 */
async function checkNarrowLayout(page: Page, width: number, height: number, wideKey: string, last?: string): Promise<number> {
  await row(page, 'HKEY_LOCAL_MACHINE').locator('.twisty').tap();
  await row(page, wideKey).locator('.name').tap();
  await waitForKey(page, `HKEY_LOCAL_MACHINE\\${wideKey}`);
  await row(page, wideKey).locator('.twisty').tap();
  await page.waitForFunction(() => document.querySelectorAll('#tree .row[aria-level="3"]').length > 10);
  const layout = (): Promise<{ pageScroll: number; scrollY: number; tree: number; main: number; header: DOMRect; values: DOMRect; status: DOMRect; treepane: DOMRect; rows: number }> =>
    page.evaluate(() => ({
      pageScroll: document.documentElement.scrollHeight,
      scrollY: window.scrollY,
      tree: document.getElementById('tree')!.clientHeight,
      main: document.querySelector('main')!.getBoundingClientRect().height,
      header: document.querySelector('header')!.getBoundingClientRect().toJSON() as DOMRect,
      values: document.getElementById('panel-values')!.getBoundingClientRect().toJSON() as DOMRect,
      status: document.querySelector('.status')!.getBoundingClientRect().toJSON() as DOMRect,
      treepane: document.querySelector('.treepane')!.getBoundingClientRect().toJSON() as DOMRect,
      rows: document.querySelectorAll('#tree .row').length,
    }));
  const check = async (): Promise<number> => {
    const shown = await layout();
    expect(shown.pageScroll).toBeLessThanOrEqual(height);
    expect(shown.scrollY).toBe(0);
    expect(shown.header.top).toBe(0);
    // The tree pane keeps its share of the panes instead of growing to its content.
    expect(shown.treepane.height).toBeLessThanOrEqual(shown.main * 0.5);
    // The values are on screen, below the tree, and the status bar below both, at the bottom.
    expect(shown.values.top).toBeGreaterThanOrEqual(shown.treepane.bottom);
    expect(shown.values.top).toBeLessThan(height - 100);
    expect(shown.status.top).toBeGreaterThanOrEqual(shown.values.bottom - 1);
    expect(Math.round(shown.status.bottom)).toBe(height);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
    expect(shown.rows).toBeLessThan(100);
    return shown.rows;
  };
  const rows = await check();
  // Scrolled to the end of the list: the last row drawn (the last subkey, where it ends the list), still a window of rows.
  await page.locator('#tree').evaluate((tree) => (tree.scrollTop = tree.scrollHeight));
  await page.waitForFunction(() => {
    const spacer = document.getElementById('tree-spacer')!.offsetHeight;
    return [...document.querySelectorAll<HTMLElement>('#tree .row')].some((r) => r.offsetTop + r.offsetHeight >= spacer - 1);
  });
  if (last !== undefined) await row(page, last).waitFor();
  await page.mouse.wheel(0, 2000);
  await check();
  return rows;
}

describeBrowser('viewer at tablet and phone sizes', () => {
  test.each([
    [768, 1024],
    [390, 844],
  ])('%i×%i: a key of 3 000 subkeys expanded, the layout holds and rows are recycled', async (width, height) => {
    const page = await openPage({ width, height, hasTouch: true });
    await openFile(page, wideHive(3000));
    await checkNarrowLayout(page, width, height, 'Wide', 'Sub02999');
    // The values of a subkey chosen at the end are on screen.
    await row(page, 'Sub02999').locator('.name').tap();
    await waitForKey(page, 'HKEY_LOCAL_MACHINE\\Wide\\Sub02999');
    expect(await page.locator('#values-body tr[data-name="N"]').isVisible()).toBe(true);
    const box = (await page.locator('#values-body tr[data-name="N"]').boundingBox())!;
    expect(box.y + box.height).toBeLessThanOrEqual(height);
    await closePage(page);
  });
});

/** The 64 MiB benchmark hive with a key of 5 000 subkeys, at both narrow sizes. Long runs only (`npm run test:long`). */
const long = process.env['HIVETOOL_LONG'] === '1';
(ready && long ? describe : describe.skip)(`viewer at narrow sizes on the 64 MiB hive (${ready ? 'HIVETOOL_LONG=1 only' : `SKIPPED: ${why}`})`, () => {
  test('768×1024 and 390×844: under 100 row elements after expanding a key of 5 000 subkeys', async () => {
    type Generate = { generateTree(targetBytes: number, seed?: number): { tree: { roots: Record<number, Array<{ name: string; values?: unknown[]; subkeys?: unknown[] }>> } } };
    const { generateTree } = (await import(pathToFileURL(join(REPO_ROOT, 'bench/dist/generate.js')).href)) as Generate;
    const { encodeHive } = await import('@hivetool/hive');
    const { tree } = generateTree(64 * 1024 * 1024 - 400 * 1024);
    tree.roots[2]!.unshift({ name: 'Wide5000', values: [], subkeys: Array.from({ length: 5000 }, (_, i) => ({ name: `Child${String(i).padStart(4, '0')}`, values: [], subkeys: [] })) });
    const file = join(scratch, 'bench-64mib.hv');
    writeFileSync(file, encodeHive(tree as Parameters<typeof encodeHive>[0]));
    for (const [width, height] of [
      [768, 1024],
      [390, 844],
    ] as const) {
      const page = await openPage({ width, height, hasTouch: true });
      await page.setInputFiles('#file-input', file);
      await page.waitForSelector('#tree .row');
      const rows = await checkNarrowLayout(page, width, height, 'Wide5000');
      process.stderr.write(`\n[viewer narrow] ${width}×${height}: ${rows} row elements after expanding 5 000 subkeys of the 64 MiB hive\n`);
      await closePage(page);
    }
  }, 300_000);
});

