/**
 * Preloaded into a timed `hivetool` process (`node --import rusage.js bin/hivetool.js …`):
 * at exit it writes the process's CPU time (user, system) and peak resident memory as one
 * JSON line to fd 3, which the parent opened as a pipe. The binary itself runs unchanged,
 * so the current build and a baseline build are measured the same way.
 */
import { writeSync } from 'node:fs';

process.on('exit', () => {
  const usage = process.resourceUsage();
  try {
    writeSync(3, JSON.stringify({ userUs: usage.userCPUTime, systemUs: usage.systemCPUTime, maxRssKiB: usage.maxRSS }) + '\n');
  } catch {
    // fd 3 is not open: run by hand, nothing to report to.
  }
});
