import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { identifyFormat } from '@hivetool/image';
import { openHive, type Hive } from '@hivetool/hive';
import { checkedAgainstRom, openRom } from '../rom.js';
import { readInputFile } from '../input.js';
import { ExitCode, UsageError } from '../failures.js';
import { print } from '../output.js';
import type { CommandIo } from '../command.js';

export interface ViewArguments {
  files: string[];
  /** The ROM hive the persistent hives among `files` link into: attached to them in the page. */
  rom?: string | undefined;
  /** `--force-rom`: serve hives that fail the ROM check, the page told their ROM records are unverified. */
  forceRom?: boolean | undefined;
  json: boolean;
}

/** The page's own files: the only ones served besides the preloaded inputs. */
const APP_FILES: Record<string, string> = {
  '/': 'index.html',
  '/index.html': 'index.html',
  '/viewer.js': 'viewer.js',
  '/viewer.css': 'viewer.css',
};
const TYPES: Record<string, string> = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' };

/**
 * The page's Content-Security-Policy (its meta tag, the one place it is written) sent as a
 * header too, with `frame-ancestors 'none'`, which a meta tag cannot carry: no other site
 * may frame the page (and pick the key it shows through the URL's hash).
 */
function securityHeaders(html: string): Record<string, string> {
  const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/i.exec(html)?.[1];
  const policy = [meta?.trim().replace(/;\s*$/, ''), "frame-ancestors 'none'"].filter((part) => part !== undefined && part !== '').join('; ');
  return { 'Content-Security-Policy': policy, 'X-Frame-Options': 'DENY' };
}

/** Where the built viewer is (packages/viewer/app, made by `npm run build`). */
function appDirectory(): string {
  let dir: string;
  try {
    dir = join(dirname(createRequire(import.meta.url).resolve('@hivetool/viewer/package.json')), 'app');
  } catch {
    throw new UsageError('the viewer package (@hivetool/viewer) is not installed');
  }
  if (!existsSync(join(dir, 'index.html'))) throw new UsageError(`the viewer is not built (no ${join(dir, 'index.html')}): run npm run build`);
  return dir;
}

/**
 * `hivetool view [FILE...]`: serves the viewer on 127.0.0.1 at a free port, with the
 * files read once (never written) and offered to the page, which opens them. Opens no
 * browser; prints the URL and serves until interrupted (Ctrl-C).
 */
export async function run(args: ViewArguments, io: CommandIo): Promise<number> {
  const dir = appDirectory();
  const app = new Map(Object.entries(APP_FILES).map(([path, file]) => [path, { bytes: readFileSync(join(dir, file)), type: TYPES[file.split('.').pop()!]! }]));
  const romFile = args.rom;
  const rom = romFile === undefined ? undefined : { name: basename(romFile), bytes: readInputFile(io, romFile), hive: openRom(io, romFile) };
  const inputs = args.files.map((file) => {
    const bytes = readInputFile(io, file);
    // The ROM goes with the persistent hives only: a ROM hive links nowhere.
    let hive: Hive | undefined;
    if (identifyFormat(bytes) === 'hive') {
      try {
        hive = openHive(bytes, rom === undefined ? {} : { rom: rom.hive });
      } catch {
        // The page reports what is wrong with the file when it opens it.
      }
    }
    const persistent = hive?.kind === 'persistent';
    // The one ROM check, before anything is served: a mismatch stops here (exit 2) unless
    // --force-rom, when the page is told the ROM's records are unverified.
    const unverified = persistent && rom !== undefined && !checkedAgainstRom(io.report, file, hive!, romFile!, args.forceRom === true).check.ok;
    return { name: basename(file), bytes, rom: persistent && rom !== undefined, unverified };
  });
  const preload = Buffer.from(
    JSON.stringify({
      files: inputs.map((input, index) => ({ name: input.name, url: `files/${index}`, ...(input.rom ? { rom: { name: rom!.name, url: 'files/rom', ...(input.unverified ? { unverified: true } : {}) } } : {}) })),
    }),
  );

  // Everything is served under an unguessable per-run token, the first part of the path of
  // the URL printed (as Jupyter does): another local user or process, or a page in the
  // browser that guesses the port, gets nothing. The page's own fetches are relative, so it
  // learns the token from its own address.
  const token = randomBytes(32).toString('hex');
  const prefix = Buffer.from(`/${token}/`);
  const hasToken = (path: string): boolean => {
    const start = Buffer.from(path.slice(0, prefix.length));
    return start.length === prefix.length && timingSafeEqual(start, prefix);
  };
  const security = securityHeaders(app.get('/')!.bytes.toString('utf8'));
  const send = (response: ServerResponse, status: number, type: string, body: Uint8Array | string, extra: Record<string, string> = {}): void => {
    response.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer', ...security, ...extra });
    response.end(body);
  };
  let port = 0;
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(response, 405, 'text/plain', 'only GET\n');
    // Only the address printed, by name or number: a page elsewhere whose host name was
    // made to resolve to 127.0.0.1 (DNS rebinding) sends its own name and gets nothing.
    if (request.headers.host !== `127.0.0.1:${port}` && request.headers.host !== `localhost:${port}`) return send(response, 403, 'text/plain', 'forbidden\n');
    const full = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    if (full.length === prefix.length - 1 && hasToken(`${full}/`)) return send(response, 308, 'text/plain', '', { Location: `/${token}/` });
    if (!hasToken(full)) return send(response, 403, 'text/plain', "forbidden: this address lacks the run's token; open the URL hivetool view printed\n");
    const path = full.slice(prefix.length - 1);
    const page = app.get(path);
    if (page !== undefined) return send(response, 200, page.type, page.bytes);
    if (path === '/preload.json') return send(response, 200, 'application/json', preload);
    if (path === '/files/rom' && rom !== undefined) return send(response, 200, 'application/octet-stream', rom.bytes);
    const match = /^\/files\/(\d+)$/.exec(path);
    const input = match === null ? undefined : inputs[Number(match[1])];
    if (input !== undefined) return send(response, 200, 'application/octet-stream', input.bytes);
    return send(response, 404, 'text/plain', 'not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  port = typeof address === 'object' && address !== null ? address.port : 0;
  const url = `http://127.0.0.1:${port}/${token}/`;
  if (args.json) print(io, JSON.stringify({ url, files: inputs.map((input) => input.name), rom: rom?.name ?? null, romUnverified: inputs.filter((input) => input.unverified).map((input) => input.name) }) + '\n');
  else {
    print(io, `hivetool view: ${url}\n`);
    print(io, `serving ${inputs.length} file(s) to this computer only (127.0.0.1); open the address in a browser. Ctrl-C stops.\n`);
  }
  let signal: NodeJS.Signals | undefined;
  await new Promise<void>((resolve) => {
    const stop = (received: NodeJS.Signals): void => {
      signal = received;
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      server.close(() => resolve());
      server.closeAllConnections();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  // Stopped by Ctrl-C or a TERM, as the exit codes of every command say: 130 or 143.
  return signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : ExitCode.OK;
}
