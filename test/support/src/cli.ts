import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { REPO_ROOT } from './corpus.js';

export const HIVETOOL_BIN = join(REPO_ROOT, 'packages/cli/bin/hivetool.js');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The one rule for hivetool's lines on stderr: each starts with `hivetool: `; one about a
 * place in a file names the file first, then the message, the offset (or `:LINE:COLUMN`
 * after the file of a text input) and the code, then any advice:
 * `hivetool: FILE: message at offset 0x… [CODE]; advice` (a text source names its line:
 * `FILE:LINE:` or `FILE:LINE:COLUMN:`).
 */
export const LINE_START = /^hivetool: /;
export const LOCATED_LINE = /^hivetool: (?:warning: )?(?<file>.+?)(?::\d+(?::\d+)?)?: (?<message>.+?)(?: at offset 0x[0-9a-f]{8}\b.*?)? \[(?<code>[A-Z][A-Z0-9_]*)\](?<advice>[;,] .*)?$/;
/** Longest line hivetool prints (names from files are cut, see safeLine). */
export const MAX_LINE_LENGTH = 1100;

/**
 * What is wrong with the stderr lines of a run by the rule above, if anything: a line not
 * starting `hivetool: `, a control character, a line too long, a line with an offset or a
 * code that does not name first a file of the command's `args` (an output may not exist),
 * an existing file, or `<stdin>`/`<stdout>`.
 */
export function errorLineProblems(stderr: string, cwd: string = REPO_ROOT, args: readonly string[] = []): string[] {
  const problems: string[] = [];
  for (const line of stderr.split('\n').filter((text) => text !== '')) {
    const shown = JSON.stringify(line.slice(0, 200));
    if (!LINE_START.test(line)) problems.push(`not starting "hivetool: ": ${shown}`);
    if (/[\u0000-\u001f\u007f-\u009f]/.test(line)) problems.push(`control character: ${shown}`);
    if (line.length > MAX_LINE_LENGTH) problems.push(`${line.length} characters: ${shown}`);
    if (/ at offset 0x|\[[A-Z][A-Z0-9_]*\]/.test(line)) {
      const located = LOCATED_LINE.exec(line);
      const file = located?.groups?.['file'];
      if (file === undefined) problems.push(`offset or code without FILE: message … [CODE]: ${shown}`);
      else if (file !== '<stdin>' && file !== '<stdout>' && !args.includes(file) && !existsSync(resolve(cwd, file))) problems.push(`does not start with the file it is about ("${file}"): ${shown}`);
    }
  }
  return problems;
}

/**
 * Runs the built `hivetool` as a user would, in a child process. Its stderr must follow
 * the one rule for error lines (errorLineProblems): a run that breaks it throws, failing
 * the test that made it, unless it ended as a bug (exit 70, which prints a stack).
 */
export function runCli(args: string[], options: { cwd?: string; input?: string | Uint8Array; env?: Record<string, string> } = {}): CliResult {
  const result = runNode(HIVETOOL_BIN, args, options);
  if (result.status !== 70) {
    const problems = errorLineProblems(result.stderr, options.cwd ?? REPO_ROOT, args);
    if (problems.length > 0) throw new Error(`hivetool ${args.join(' ')}: stderr breaks the rule for error lines:\n${problems.join('\n')}`);
  }
  return result;
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
