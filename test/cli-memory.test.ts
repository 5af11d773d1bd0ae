/**
 * `build` and `rewrite` keep their memory proportionate to their input: inputs that once
 * made the process abort with V8's out-of-memory error (blank lines, one huge quoted value,
 * millions of one-line keys, a hive extended with zeros) end with a result or a clear
 * error, and the child's peak memory stays within a few times the input over what the same
 * command takes on a tiny input. The inputs are generated here, at the smallest size that
 * tells the bound apart from what the object-per-line versions took.
 */
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { encodeHive } from '@hivetool/hive';
import { REPO_ROOT, headerFlood } from '@hivetool/test-support';
import { scratchDirectory } from '@hivetool/test-support/scratch';

const scratch = scratchDirectory('hivetool-memory-');
const MiB = 1024 * 1024;

// Runs the CLI in a child that reports its own peak RSS (process.resourceUsage().maxRSS, KiB).
const CHILD = `
const { main } = await import(process.env.HIVETOOL_MAIN);
const code = await main(JSON.parse(process.env.HIVETOOL_ARGS));
process.stdout.write('\\nmaxRSS ' + process.resourceUsage().maxRSS + '\\n');
process.exitCode = code;
`;

function measure(args: string[]): { status: number | null; stdout: string; stderr: string; rssMiB: number } {
  // Through a shell that forks it: on Linux a process started directly by this one (fork,
  // then exec) reports at least this process's peak RSS as its own maxRSS.
  const result = spawnSync('/bin/sh', ['-c', '"$0" "$@"; exit $?', process.execPath, '--input-type=module', '-e', CHILD], {
    env: { ...process.env, HIVETOOL_MAIN: pathToFileURL(join(REPO_ROOT, 'packages/cli/dist/main.js')).href, HIVETOOL_ARGS: JSON.stringify(args) },
    encoding: 'utf8',
  });
  const rss = /maxRSS (\d+)/.exec(result.stdout);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, rssMiB: rss === null ? Infinity : Number(rss[1]) / 1024 };
}

// The same command on a tiny input: start-up and module loading, what no input can lower.
let tinyBuild = 0;
const file = (name: string, bytes: Uint8Array | string): string => {
  const path = join(scratch.path, name);
  writeFileSync(path, bytes);
  return path;
};

describe('build and rewrite: memory bounded by the input size', () => {
  test('a tiny build, the baseline', () => {
    const result = measure(['build', file('tiny.reg', '[HKLM\\a]\n"x"=dword:1\n'), '-o', join(scratch.path, 'tiny.hv')]);
    expect(result.status).toBe(0);
    tinyBuild = result.rssMiB;
    expect(tinyBuild).toBeLessThan(200);
  });

  test('16 MB of blank lines: an empty hive, with a warning', () => {
    const input = file('blank.reg', new Uint8Array(16 * MiB).fill(0x0a));
    const result = measure(['build', input, '-o', join(scratch.path, 'blank.hv')]);
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('empty .reg input');
    expect(result.rssMiB).toBeLessThan(tinyBuild + 2 * 16 + 16);
  });

  test('one 16 MiB quoted value: LIMIT_EXCEEDED naming the line, no string built', () => {
    const text = new Uint8Array(16 * MiB + 32).fill(0x61);
    text.set(Buffer.from('[HKLM\\a]\n"x"="'), 0);
    text[text.length - 2] = 0x22;
    text[text.length - 1] = 0x0a;
    const input = file('long-value.reg', text);
    const result = measure(['build', input, '-o', join(scratch.path, 'long-value.hv')]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`${input}:2:5: value data longer than 65535 bytes [LIMIT_EXCEEDED]`);
    expect(result.rssMiB).toBeLessThan(tinyBuild + 2 * 16 + 16);
  });

  test('300 000 one-line keys (4.8 MB): built in bounded bytes per input byte', () => {
    const lines: string[] = [];
    for (let i = 0; i < 300_000; i++) lines.push(`[HKLM\\Key${i}]`);
    const input = file('keys.reg', lines.join('\n') + '\n');
    const result = measure(['build', input, '-o', join(scratch.path, 'keys.hv')]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('300000 keys, 0 values');
    // About 200 bytes per key (columns, name index, names, the 48-byte record of the hive
    // written) for 16 bytes of text; the object tree took over 1 KiB per key.
    expect(result.rssMiB).toBeLessThan(tinyBuild + 20 * 4.8 + 16);
  });

  test('rewrite of a hive extended with 24 MiB of zeros: identical output, no part per 12 bytes', () => {
    const hive = encodeHive({ roots: { 2: [{ name: 'Software', values: [{ name: 'x', type: 4, data: Uint8Array.of(1, 0, 0, 0) }] }] } });
    const extended = new Uint8Array(hive.length + 24 * MiB);
    extended.set(hive);
    const input = file('extended.hv', extended);
    const output = join(scratch.path, 'extended-out.hv');
    const result = measure(['rewrite', input, output]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('identical to');
    expect(result.status).toBe(0);
    // The file in, the file out, and little else.
    expect(result.rssMiB).toBeLessThan(tinyBuild + 3 * 24 + 16);
  });
});

describe('carve: memory bounded whatever the number of candidates', () => {
  test('8 MiB with a header every 16 bytes (half a million candidates): a window and a report of 4096', () => {
    const tiny = measure(['carve', file('tiny.bin', new Uint8Array(4096)), '-o', join(scratch.path, 'tiny-out')]);
    expect(tiny.status).toBe(0);
    const flood = headerFlood(8 * MiB, 3);
    const result = measure(['carve', file('flood.bin', flood.bytes), '-o', join(scratch.path, 'flood-out')]);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain(`: ${flood.candidates - 4096} more candidates past the first 4096, not reported or written: `);
    // The image's window (8 MiB here) and what the candidates leave to the collector; every
    // candidate's entry and bytes once held took about 300 MB per 2 MiB.
    expect(result.rssMiB).toBeLessThan(tiny.rssMiB + 8 + 48);
  });
});
