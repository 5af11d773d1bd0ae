/**
 * The Chromium harness of the viewer's browser tests (the one of viewer.test.ts, for the
 * test files that came after it): Debian's `chromium` driven by playwright-core, the built
 * page from file:// or from `hivetool view`. Without a Chromium the tests are skipped.
 */
import { describe, expect } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { HIVETOOL_BIN, REPO_ROOT, corpusAvailable, runCli } from '@hivetool/test-support';

const APP = join(REPO_ROOT, 'packages/viewer/app');
export const PAGE_URL = pathToFileURL(join(APP, 'index.html')).href;
// HIVETOOL_CHROMIUM names the browser to use (and only it); otherwise Debian's paths.
const CHROMIUM = (process.env['HIVETOOL_CHROMIUM'] !== undefined ? [process.env['HIVETOOL_CHROMIUM']] : ['/usr/bin/chromium', '/usr/bin/chromium-browser']).find((path) => path !== '' && existsSync(path));

export const built = existsSync(join(APP, 'index.html'));
export const ready = CHROMIUM !== undefined && built && corpusAvailable;
export const why = CHROMIUM === undefined ? 'no Chromium found (apt-get install chromium, or set HIVETOOL_CHROMIUM)' : !built ? 'the viewer is not built (npm run build)' : 'corpus not found';
export const describeBrowser = ready ? describe : (name: string, fn: () => void): void => describe.skip(`${name} (SKIPPED: ${why})`, fn);

export function launchBrowser(): Promise<Browser> | undefined {
  if (!ready) {
    process.stderr.write(`\n[hivetool tests] viewer browser tests SKIPPED: ${why}\n`);
    return undefined;
  }
  return chromium.launch({ executablePath: CHROMIUM!, args: ['--no-sandbox'] });
}

/** `hivetool ARGS`, which must succeed; its standard output. */
export function cli(args: string[]): string {
  const result = runCli(args);
  if (result.status !== 0) throw new Error(`hivetool ${args.join(' ')}: exit ${result.status}: ${result.stderr}`);
  return result.stdout;
}

/** A page (1280×720) with the viewer at `url` (file:// by default), ready; page errors are collected. */
export async function openPage(browser: Browser, url = PAGE_URL): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, acceptDownloads: true });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  (page as Page & { errors: string[] }).errors = errors;
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]');
  return page;
}

/** Closes the page's context, after checking that the page threw nothing. */
export async function closePage(page: Page): Promise<void> {
  expect((page as Page & { errors: string[] }).errors).toEqual([]);
  await page.context().close();
}

export async function openFile(page: Page, file: string): Promise<void> {
  const before = await page.locator('#doc-select option').count();
  await page.setInputFiles('#file-input', file);
  await page.waitForFunction((count) => document.querySelectorAll('#doc-select option').length > count && document.querySelector('#tree .row') !== null, before);
}

/** The tree row whose name is shown as `name`. */
export function row(page: Page, name: string) {
  return page.locator('#tree .row', { has: page.locator('.name', { hasText: new RegExp(`^${name.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}$`) }) }).first();
}

/** Goes to a key through the path bar. */
export async function goTo(page: Page, path: string): Promise<void> {
  await page.fill('#path', path);
  await page.press('#path', 'Enter');
}

/** The value table as [name, type, data, size, flags, record] rows, once it shows `path`. */
export async function valueRows(page: Page, path: string): Promise<string[][]> {
  await page.waitForFunction((p) => ((title) => title === p || title?.startsWith(p + ' — ') === true)(document.getElementById('key-title')?.textContent), path);
  return page.$$eval('#values-body tr', (rows) => rows.map((tr) => [...(tr as HTMLTableRowElement).cells].map((cell) => cell.firstChild?.textContent ?? '')));
}

/** The text of the file the page downloads when `button` is clicked. */
export async function download(page: Page, button: string): Promise<Buffer> {
  const { readFileSync } = await import('node:fs');
  const event = page.waitForEvent('download');
  await page.locator(button).click();
  return readFileSync((await (await event).path())!);
}

/** Starts `hivetool view ARGS`: its first stdout line and a stop function (SIGINT; resolves to the exit code). */
export async function startView(args: string[]): Promise<{ line: string; url: string; stop: () => Promise<number | null> }> {
  const child: ChildProcess = spawn(process.execPath, [HIVETOOL_BIN, 'view', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    void exited.then((code) => reject(new Error(`hivetool view exited with ${code}`)));
  });
  const url = /http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]{64}\//.exec(line)?.[0] ?? '';
  return {
    line,
    url,
    stop: () => {
      child.kill('SIGINT');
      return exited;
    },
  };
}
