/**
 * Times, inside one fresh process, opening a hive and looking up one path: the work
 * after Node start-up and module loading. MODE `whole` reads the whole file first;
 * `lazy` reads only the pages the lookup touches (what `dump --key` does).
 * Usage: node lookup-child.js FILE PATH MODE — reports as JSON.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const moduleStart = performance.now();
const { openHive } = await import('@hivetool/hive');
const { openHiveFileLazy, processIo } = await import('hivetool');
const start = performance.now();
const [file, path, mode] = process.argv.slice(2) as [string, string, 'whole' | 'lazy'];
let hive;
if (mode === 'lazy') {
  hive = openHiveFileLazy(processIo(), file);
} else {
  const buffer = readFileSync(file);
  hive = openHive(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength));
}
const opened = performance.now();
const node = hive.key(path);
const done = performance.now();
process.stdout.write(JSON.stringify({ found: node !== undefined, importMs: start - moduleStart, readOpenMs: opened - start, lookupMs: done - opened, totalMs: done - start }) + '\n');
