/**
 * Runs one hivetool command in this process and reports, on fd 3, the process's peak
 * resident memory and CPU time (user + system, all threads); the parent measures wall
 * time from outside.
 * Usage: node measure-child.js <hivetool arguments...>
 */
import { writeSync } from 'node:fs';
import { main } from 'hivetool';

const code = await main(process.argv.slice(2));
const usage = process.resourceUsage();
writeSync(3, JSON.stringify({ code, maxRssKiB: usage.maxRSS, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000 }) + '\n');
process.exitCode = code;
