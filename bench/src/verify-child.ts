/**
 * Times `verifyHive` (structure, links and reachability; no names decoded) in one fresh
 * process, after the file is read. Reports on stdout as JSON.
 * Usage: node verify-child.js FILE
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { verifyHive } from '@hivetool/hive';

const buffer = readFileSync(process.argv[2]!);
const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
const start = performance.now();
const report = verifyHive(bytes);
const ms = performance.now() - start;
process.stdout.write(JSON.stringify({ ms, bytes: bytes.length, errors: report.summary.errors, findings: report.findings.length }) + '\n');
