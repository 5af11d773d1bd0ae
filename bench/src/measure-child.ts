/**
 * Runs one hivetool command in this process and reports, on fd 3, the process's peak
 * resident memory; the parent measures wall time from outside.
 * Usage: node measure-child.js <hivetool arguments...>
 */
import { writeSync } from 'node:fs';
import { main } from 'hivetool';

const code = await main(process.argv.slice(2));
writeSync(3, JSON.stringify({ code, maxRssKiB: process.resourceUsage().maxRSS }) + '\n');
process.exitCode = code;
