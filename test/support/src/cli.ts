import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { REPO_ROOT } from './corpus.js';
import type { HostAnswer, HostRequest } from './cliHost.js';

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

export interface CliRunOptions {
  /** Working directory (a run with one goes to a child process: a thread cannot change it). */
  cwd?: string;
  /** Standard input. */
  input?: string | Uint8Array;
  /** Environment variables added for the run. */
  env?: Record<string, string>;
}

/**
 * Runs hivetool with `args` and returns its exit status and output. Its stderr must follow
 * the one rule for error lines (errorLineProblems): a run that breaks it throws, failing
 * the test that made it, unless it ended as a bug (exit 70, which prints a stack).
 *
 * The run is in this process: the CLI's main() on a resident worker thread, with standard
 * streams in memory (runCliInProcess). Behaviour that only a real process shows (the exit
 * status of the binary, EPIPE, FIFOs, /dev/null as stdout, signals, memory) is tested with
 * runCliProcess; a run with a `cwd` goes there too.
 */
export function runCli(args: string[], options: CliRunOptions = {}): CliResult {
  // Relative paths in the tests are relative to the repository (jest started elsewhere:
  // the run goes to a child process started there).
  const cwd = options.cwd ?? (process.cwd() === REPO_ROOT ? undefined : REPO_ROOT);
  return cwd === undefined ? runCliInProcess(args, options) : runCliProcess(args, { ...options, cwd });
}

/** runCli in a child process: `node packages/cli/bin/hivetool.js ARGS`, as a user runs it. */
export function runCliProcess(args: string[], options: CliRunOptions = {}): CliResult {
  return checkedLines(args, options.cwd, runNode(HIVETOOL_BIN, args, options));
}

/** The host thread for in-process runs, started by the first one and kept for the rest. */
let host: { port: MessagePort; done: Int32Array } | undefined;

/** How long one in-process run may take before the test fails (a hang is a bug too). */
const IN_PROCESS_TIMEOUT_MS = 120_000;

/**
 * runCli through hivetool's main() with in-memory streams (`main(args, memoryIo(stdin))`),
 * on a worker thread this call waits for: synchronous like runCli, without starting a
 * process. `env` is set on that thread for the run and restored after it.
 */
export function runCliInProcess(args: string[], options: Omit<CliRunOptions, 'cwd'> = {}): CliResult {
  if (host === undefined) {
    const channel = new MessageChannel();
    const done = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(new URL('./cliHost.js', import.meta.url), { workerData: { port: channel.port2, done }, transferList: [channel.port2] });
    // The host must not keep the test process alive once the tests are done.
    worker.unref();
    channel.port1.unref();
    host = { port: channel.port1, done };
  }
  const input = options.input;
  const request: HostRequest = { args, stdin: typeof input === 'string' ? new TextEncoder().encode(input) : input, env: options.env };
  Atomics.store(host.done, 0, 0);
  host.port.postMessage(request);
  if (Atomics.wait(host.done, 0, 0, IN_PROCESS_TIMEOUT_MS) === 'timed-out') {
    host = undefined;
    throw new Error(`hivetool ${args.join(' ')}: no answer within ${IN_PROCESS_TIMEOUT_MS / 1000} s`);
  }
  const reply = receiveMessageOnPort(host.port);
  if (reply === undefined) throw new Error(`hivetool ${args.join(' ')}: the in-process run sent no result`);
  const answer = reply.message as HostAnswer;
  return checkedLines(args, undefined, answer);
}

/** Throws when stderr breaks the rule for error lines (not after a bug: exit 70). */
function checkedLines(args: string[], cwd: string | undefined, result: CliResult): CliResult {
  if (result.status !== 70) {
    const problems = errorLineProblems(result.stderr, cwd ?? REPO_ROOT, args);
    if (problems.length > 0) throw new Error(`hivetool ${args.join(' ')}: stderr breaks the rule for error lines:\n${problems.join('\n')}`);
  }
  return result;
}

/** Runs a Node script of the project in a child process. */
export function runNode(script: string, args: string[], options: CliRunOptions = {}): CliResult {
  const result = spawnSync(process.execPath, [script, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, ...options.env },
    input: options.input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
