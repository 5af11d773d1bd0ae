import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './corpus.js';

export const HIVETOOL_BIN = join(REPO_ROOT, 'packages/cli/bin/hivetool.js');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `hivetool` as a user would, in a child process. */
export function runCli(args: string[], options: { cwd?: string; input?: string | Uint8Array; env?: Record<string, string> } = {}): CliResult {
  return runNode(HIVETOOL_BIN, args, options);
}

/** Runs a Node script of the project in a child process. */
export function runNode(script: string, args: string[], options: { cwd?: string; input?: string | Uint8Array; env?: Record<string, string> } = {}): CliResult {
  const result = spawnSync(process.execPath, [script, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, ...options.env },
    input: options.input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
