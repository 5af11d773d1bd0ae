/**
 * Times `verifyHive` (structure, links and reachability; no names decoded) in one fresh
 * process, after the file is read: wall and CPU time. Reports on stdout as JSON. MODULE: the hive package's
 * entry to take it from (a baseline build's `packages/hive/dist/index.js`); by default
 * this checkout's.
 * Usage: node verify-child.js FILE [MODULE]
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const { verifyHive } = (await import(process.argv[3] === undefined ? '@hivetool/hive' : pathToFileURL(process.argv[3]).href)) as typeof import('@hivetool/hive');
const buffer = readFileSync(process.argv[2]!);
const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
const cpuStart = process.cpuUsage();
const start = performance.now();
const report = verifyHive(bytes);
const ms = performance.now() - start;
const cpu = process.cpuUsage(cpuStart);
// CPU time of the process over the call (user + system): the figure that holds on a busy machine.
const cpuMs = (cpu.user + cpu.system) / 1000;
process.stdout.write(JSON.stringify({ ms, cpuMs, bytes: bytes.length, errors: report.summary.errors, findings: report.findings.length }) + '\n');
