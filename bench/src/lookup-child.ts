/**
 * Times, inside one fresh process, reading a hive, opening it and looking up one path:
 * the work after Node start-up and module loading. Reports on stdout as JSON.
 * Usage: node lookup-child.js FILE PATH
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const moduleStart = performance.now();
const { openHive } = await import('@hivetool/hive');
const start = performance.now();
const [file, path] = process.argv.slice(2) as [string, string];
const buffer = readFileSync(file);
const hive = openHive(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength));
const opened = performance.now();
const node = hive.key(path);
const done = performance.now();
process.stdout.write(
  JSON.stringify({ found: node !== undefined, importMs: start - moduleStart, readOpenMs: opened - start, lookupMs: done - opened, totalMs: done - start, sinceProcessStartMs: done }) + '\n',
);
