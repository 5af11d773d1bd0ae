/**
 * The viewer on damaged and deleted data, in a real headless Chromium (the harness of
 * viewer.test.ts: Debian's `chromium` driven by playwright-core; skipped with a message
 * without one): a damaged file says so when it opens, its search finds every intact match,
 * the tree marks the damaged keys, findings lead to the key they concern, and deleted
 * records are shown, inferred data marked.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DeviceHeap, REPO_ROOT, corpusAvailable, corpusBytes, damagedCopy, runCli, zeroedDeletedValue } from '@hivetool/test-support';

const APP = join(REPO_ROOT, 'packages/viewer/app');
const PAGE_URL = pathToFileURL(join(APP, 'index.html')).href;
const CHROMIUM = (process.env['HIVETOOL_CHROMIUM'] !== undefined ? [process.env['HIVETOOL_CHROMIUM']] : ['/usr/bin/chromium', '/usr/bin/chromium-browser']).find((path) => path !== '' && existsSync(path));
const built = existsSync(join(APP, 'index.html'));
const ready = CHROMIUM !== undefined && built && corpusAvailable;
const why = CHROMIUM === undefined ? 'no Chromium found (apt-get install chromium, or set HIVETOOL_CHROMIUM)' : !built ? 'the viewer is not built (npm run build)' : 'corpus not found';
if (!ready) process.stderr.write(`\n[hivetool tests] viewer damage browser tests SKIPPED: ${why}\n`);
const describeBrowser = ready ? describe : (name: string, fn: () => void): void => describe.skip(`${name} (SKIPPED: ${why})`, fn);

const SCREENSHOTS = join(REPO_ROOT, 'docs/screenshots');

/** Saves a README screenshot on runs that ask for them (`npm run screenshots`). */
async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env['HIVETOOL_SCREENSHOTS'] !== '1') return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

let browser: Browser | undefined;
let scratch = '';

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'hivetool-viewer-damage-'));
  if (ready) browser = await chromium.launch({ executablePath: CHROMIUM!, args: ['--no-sandbox'] });
});

afterAll(async () => {
  await browser?.close();
  rmSync(scratch, { recursive: true, force: true });
});

async function openPage(): Promise<Page & { errors: string[] }> {
  const context = await browser!.newContext({ viewport: { width: 1280, height: 720 }, acceptDownloads: true });
  const page = (await context.newPage()) as Page & { errors: string[] };
  page.errors = [];
  page.on('pageerror', (error) => page.errors.push(error.message));
  await page.goto(PAGE_URL);
  await page.waitForSelector('body[data-ready="true"]');
  return page;
}

async function openFile(page: Page, file: string): Promise<void> {
  const before = await page.locator('#doc-select option').count();
  await page.setInputFiles('#file-input', file);
  await page.waitForFunction((count) => document.querySelectorAll('#doc-select option').length > count && document.querySelector('#tree .row') !== null, before);
}

/** The hits of a search, as [path, value name or ''], once its summary is shown. */
async function searchHits(page: Page, query: string): Promise<{ hits: Array<[string, string]>; summary: string }> {
  // The file shown only (the search goes through every open file unless told).
  await page.locator('[data-panel="search"]').click();
  await page.uncheck('#search-all');
  await page.fill('#search', query);
  await page.press('#search', 'Enter');
  await page.waitForFunction((q) => {
    const text = document.getElementById('search-summary')?.textContent ?? '';
    return text.includes(`"${q}"`) && !text.startsWith('searching');
  }, query);
  const links = await page.$$eval('#search-results li a', (items) => items.map((a) => a.textContent ?? ''));
  const hits = links.map((text): [string, string] => {
    const at = text.indexOf(' → ');
    return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + 3)];
  });
  return { hits, summary: (await page.textContent('#search-summary')) ?? '' };
}

describeBrowser('the viewer on a damaged hive', () => {
  test('64 bytes of a key record overwritten: the banner says so, search finds every intact match, the tree and findings lead to the damage', async () => {
    const clean = corpusBytes('default.hv');
    const cleanFile = join(scratch, 'clean.hv');
    writeFileSync(cleanFile, clean);
    const damaged = damagedCopy(clean, (path) => path.toUpperCase().includes('PCMCIA'));
    const damagedFile = join(scratch, 'damaged.hv');
    writeFileSync(damagedFile, damaged.bytes);

    const page = await openPage();
    await openFile(page, cleanFile);
    const cleanHits = await searchHits(page, 'PCMCIA');
    expect(cleanHits.summary).not.toContain('damaged');
    // The expected hits: the clean file's, less those in or below the damaged record.
    const intact = cleanHits.hits.filter(([path, name]) => (name === '' ? damaged.intactKey(path) : damaged.intactValue(path, name)));
    expect(intact.length).toBeLessThan(cleanHits.hits.length);
    expect(intact.length).toBeGreaterThan(0);
    expect(await page.isHidden('#damage-banner')).toBe(true);

    await openFile(page, damagedFile);
    // The file says it is damaged when it opens.
    await page.waitForSelector('#damage-banner:not([hidden])');
    expect(await page.getAttribute('#damage-banner', 'role')).toBe('alert');
    expect(await page.textContent('#damage-banner')).toMatch(/damaged\.hv is damaged: 1 damaged record\(s\) cannot be read and are skipped.*what is intact/);

    const found = await searchHits(page, 'PCMCIA');
    expect(found.hits).toEqual(intact);
    expect(found.summary).toContain('1 damaged record(s) or link(s) skipped');
    await screenshot(page, 'damaged');

    // The tree marks the key whose chain holds the damaged record.
    const parent = damaged.damagedPath.slice(0, damaged.damagedPath.lastIndexOf('\\'));
    await page.fill('#path', parent);
    await page.press('#path', 'Enter');
    await page.waitForFunction((name) => [...document.querySelectorAll('#tree .row.selected .name')].some((n) => n.textContent === name), parent.slice(parent.lastIndexOf('\\') + 1));
    expect(await page.locator('#tree .row.selected .badge.damaged').count()).toBe(1);
    // Its export skips the damaged record as dump does, and says so: the same keys as dump -k.
    await page.locator('[data-panel="values"]').click();
    const download = page.waitForEvent('download');
    await page.locator('#export-reg').click();
    const exported = readFileSync((await (await download).path())!, 'utf8');
    expect(exported).toContain(`; hivetool: damaged record skipped under ${parent}: `);
    const dumped = runCli(['dump', '-k', parent, damagedFile]);
    expect(dumped.status).toBe(2);
    const keyLines = (text: string): string[] => text.split(/\r?\n/).filter((line) => line.startsWith('['));
    expect(keyLines(exported)).toEqual(keyLines(dumped.stdout));

    // A finding at the damaged record leads to that key: a click selects it in the tree.
    await page.locator('[data-panel="verify"]').click();
    await page.waitForSelector('#findings tr');
    const records = await page.$$eval('#findings a.record', (links) => links.map((a) => a.textContent ?? ''));
    expect(records).toContain(parent);
    await page.locator('#findings a.record', { hasText: new RegExp(`^${parent.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}$`) }).first().click();
    await page.waitForFunction((p) => ((title) => title === p || title?.startsWith(p + ' — ') === true)(document.getElementById('key-title')?.textContent), parent);
    expect(await page.inputValue('#path')).toBe(parent);

    expect(page.errors).toEqual([]);
    await page.context().close();
  });
});

describeBrowser('the viewer shows deleted records', () => {
  test('a toggle adds a branch of the records found in free space; a value whose type and length were zeroed is marked inferred', async () => {
    const device = new DeviceHeap(corpusBytes('default.hv'));
    const zeroed = zeroedDeletedValue(device);
    const file = join(scratch, 'zeroed.hv');
    writeFileSync(file, device.bytes);
    // What dump --deleted finds: the branch lists the same records.
    const dumped = JSON.parse(runCli(['dump', '-f', 'json', '--deleted', file]).stdout) as { hives: Array<{ deleted: Array<{ kind: string; name: string; inferredLength?: { min: number; max: number } }> }> };
    const deleted = dumped.hives[0]!.deleted;
    const keys = deleted.filter((record) => record.kind === 'key').length;
    const inferred = deleted.find((record) => record.name === zeroed.name)!.inferredLength!;

    const page = await openPage();
    await openFile(page, file);
    const roots = await page.locator('#tree .row[aria-level="1"]').count();
    await page.locator('#show-deleted').check();
    await page.waitForFunction((count) => document.querySelectorAll('#tree .row[aria-level="1"]').length === count + 1, roots);
    const branch = page.locator('#tree .row.deleted[aria-level="1"]');
    expect(await branch.locator('.name').textContent()).toBe(`Deleted records (${keys} key(s), ${deleted.length - keys} value(s))`);
    expect(await branch.locator('.badge.deleted').count()).toBe(1);

    await branch.locator('.name').click();
    await page.waitForFunction(() => document.getElementById('key-title')?.textContent?.startsWith('Deleted records') === true);
    const rows = await page.$$eval('#values-body tr', (trs) => trs.map((tr) => ({ name: tr.getAttribute('data-name'), text: tr.textContent ?? '', deleted: tr.classList.contains('deleted'), inferred: tr.querySelector('.badge.inferred') !== null })));
    expect(rows.map((row) => row.name).sort()).toEqual(deleted.filter((record) => record.kind === 'value').map((record) => record.name).sort());
    expect(rows.every((row) => row.deleted)).toBe(true);
    const row = rows.find((entry) => entry.name === zeroed.name)!;
    expect(row.inferred).toBe(true);
    expect(row.text).toContain('unknown (zeroed)');
    expect(row.text).toContain(`inferred: the data is the first ${inferred.min === inferred.max ? inferred.min : `${inferred.min} to ${inferred.max}`} of these ${inferred.max} bytes`);
    expect(rows.filter((entry) => entry.inferred).map((entry) => entry.name)).toEqual([zeroed.name]);
    await page.locator(`#values-body tr[data-name="${zeroed.name}"]`).click();
    await screenshot(page, 'deleted');
    // Nothing of it can be exported as registry.
    expect(await page.isDisabled('#export-reg')).toBe(true);

    // Off again: the tree is the registry alone.
    await page.locator('#show-deleted').uncheck();
    await page.waitForFunction((count) => document.querySelectorAll('#tree .row[aria-level="1"]').length === count, roots);
    expect(page.errors).toEqual([]);
    await page.context().close();
  });
});
