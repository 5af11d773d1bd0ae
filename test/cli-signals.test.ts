/**
 * Interrupted writes leave nothing behind: a signal during `dump -o` (one thread, or
 * `--jobs 2` with its folder of parts) removes the temporary files and exits 128 + the
 * signal's number; an output that was not written is never reported as done; `-o FIFO`
 * is opened only when there is something to write.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync, createReadStream } from 'node:fs';
import { join } from 'node:path';
import { HIVETOOL_BIN, REPO_ROOT, runCli, runCliProcess } from '@hivetool/test-support';
import { scratchDirectory } from '@hivetool/test-support/scratch';

const scratch = scratchDirectory('hivetool-signals-');
let big = '';

beforeAll(async () => {
  const { generateHive } = (await import(join(REPO_ROOT, 'bench/dist/generate.js'))) as { generateHive(targetBytes: number): { bytes: Uint8Array } };
  big = join(scratch.path, 'big.hv');
  writeFileSync(big, generateHive(16 * 1024 * 1024).bytes);
});

/** Every file under `directory`, recursively (relative names). */
const everything = (directory: string): string[] => (readdirSync(directory, { recursive: true, encoding: 'utf8' }) as string[]).sort();

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts `hivetool args`, waits until `writing()` says the output is being written, sends
 * `signal`, and returns how the process ended.
 */
async function interrupt(args: string[], env: Record<string, string>, writing: () => boolean, signal: NodeJS.Signals): Promise<{ code: number | null; stderr: string; sentMidWrite: boolean }> {
  const child = spawn(process.execPath, [HIVETOOL_BIN, ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => (stderr += text));
  const ended = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let running = true;
  void ended.then(() => (running = false));
  while (running && !writing()) await sleep(5);
  const sentMidWrite = running;
  child.kill(signal);
  const code = await ended;
  return { code, stderr, sentMidWrite };
}

const temporariesBeside = (output: string): string[] => readdirSync(join(output, '..')).filter((name) => name.endsWith('.tmp'));

describe('a signal during dump -o', () => {
  const cases: Array<[string, NodeJS.Signals, number, string]> = [
    ['one thread', 'SIGINT', 130, '1'],
    ['one thread', 'SIGTERM', 143, '1'],
    ['--jobs 2', 'SIGINT', 130, '2'],
    ['--jobs 2', 'SIGTERM', 143, '2'],
    ['one thread', 'SIGHUP', 129, '1'],
  ];
  test.each(cases)('%s, %s: exit %d, no temporary file or part folder left, no output', async (_how, signal, status, jobs) => {
    const directory = join(scratch.path, `${signal}-${jobs}`);
    const tmp = join(directory, 'tmp');
    mkdirSync(tmp, { recursive: true });
    const output = join(directory, 'out.json');
    // Four copies of a 16 MiB hive: seconds of writing, stopped as soon as it has started.
    const args = ['dump', '-f', 'json', '-j', jobs, big, big, big, big, '-o', output];
    const writing = (): boolean => {
      const beside = temporariesBeside(output);
      if (jobs === '1') return beside.some((name) => statSync(join(directory, name)).size > 0);
      // With --jobs, a worker has started writing a part.
      return everything(tmp).some((name) => !statSync(join(tmp, name)).isDirectory() && statSync(join(tmp, name)).size > 0);
    };
    const result = await interrupt(args, { TMPDIR: tmp }, writing, signal);
    expect(result.sentMidWrite).toBe(true);
    expect(result.code).toBe(status);
    expect(result.stderr).toContain(`hivetool: ${output}: not written: stopped by ${signal}`);
    expect(result.stderr).not.toMatch(/dumped/);
    expect(existsSync(output)).toBe(false);
    expect(temporariesBeside(output)).toEqual([]);
    expect(everything(tmp)).toEqual([]);
  });
});

describe('outputs not written are not reported as written', () => {
  test('dump -j 2 into a full device: no "2 dumped", exit 2, the output named', () => {
    const result = runCliProcess(['dump', '-j', '2', 'samples/device.hv', 'samples/device.hv', '-o', '/dev/full']);
    expect(result.status).toBe(2);
    expect(result.stderr).not.toMatch(/dumped/);
    expect(result.stderr).toMatch(/^hivetool: \/dev\/full: cannot write: no space left on the device$/m);
  });
});

describe('-o FIFO', () => {
  test('nothing to write (the input fails): the FIFO is never opened, no wait for a reader', () => {
    const fifo = join(scratch.path, 'nothing.fifo');
    spawnSync('mkfifo', [fifo]);
    const result = spawnSync(process.execPath, [HIVETOOL_BIN, 'dump', join(scratch.path, 'missing.hv'), '-o', fifo], { encoding: 'utf8', timeout: 20_000 });
    expect(result.signal).toBeNull();
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/missing\.hv: no such file or directory/);
  });

  test('no reader yet: hivetool says it waits, then writes the dump once a reader comes', async () => {
    const fifo = join(scratch.path, 'reader.fifo');
    spawnSync('mkfifo', [fifo]);
    const child = spawn(process.execPath, [HIVETOOL_BIN, 'dump', 'samples/device.hv', '-o', fifo], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    const said = new Promise<void>((resolve) =>
      child.stderr.on('data', (text: string) => {
        stderr += text;
        if (stderr.includes('waiting for a reader')) resolve();
      }),
    );
    const ended = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await said;
    expect(stderr).toBe(`hivetool: ${fifo}: waiting for a reader of this FIFO\n`);
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve, reject) => createReadStream(fifo).on('data', (chunk) => chunks.push(chunk as Buffer)).on('end', resolve).on('error', reject));
    expect(await ended).toBe(0);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(runCli(['dump', 'samples/device.hv']).stdout);
  });
});

describe('a signal during carve or compile names the output folder', () => {
  test('carve: stopped mid-scan, exit 130, "OUTDIR: not written in full", nothing left behind', async () => {
    const image = join(scratch.path, 'sparse.img');
    // 16 GiB of holes: seconds of scanning, read from no disk.
    spawnSync('truncate', ['-s', '16G', image]);
    const out = join(scratch.path, 'carved');
    // The folder is made once the handlers are in place.
    const result = await interrupt(['carve', image, '-o', out], {}, () => existsSync(out), 'SIGINT');
    expect(result.sentMidWrite).toBe(true);
    expect(result.code).toBe(130);
    expect(result.stderr).toBe(`hivetool: ${out}: not written in full (the hives already in it are whole): stopped by SIGINT\n`);
    expect(readdirSync(out)).toEqual([]);
  });

  test('compile: a signal while it reads its sources: exit 130, "OUTDIR: not written", nothing written', async () => {
    const strings = join(scratch.path, 'bad.str');
    writeFileSync(strings, '!!!\n');
    const out = join(scratch.path, 'compiled');
    // The sources come on standard input, held open until the signal is sent: the warning
    // about the .str file says the run has started (the handlers are in place).
    const child = spawn(process.execPath, [HIVETOOL_BIN, 'compile', '--strings', strings, '-', '-o', out], { cwd: REPO_ROOT, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    const started = new Promise<void>((resolve) =>
      child.stderr.on('data', (text: string) => {
        stderr += text;
        if (stderr.includes('[BAD_STRING_LINE]')) resolve();
      }),
    );
    const ended = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await started;
    child.kill('SIGINT');
    child.stdin.end('[HKEY_LOCAL_MACHINE\\Signal]\n"Value"=dword:00000001\n');
    expect(await ended).toBe(130);
    expect(stderr).toContain(`hivetool: ${out}: not written: stopped by SIGINT\n`);
    expect(stderr).not.toMatch(/wrote /);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(scratch.path).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});
