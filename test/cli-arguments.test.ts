/**
 * Argument errors say what is wrong in one line, each problem once; `--help` describes
 * every option and positional, without noise, and never cuts a word.
 */
import { describe, expect, test } from '@jest/globals';
import { runCli } from '@hivetool/test-support';

const SAMPLE = 'samples/device.hv';

describe('argument errors: one line, exit 2, the problem named', () => {
  test.each([
    [['dump', '--bogus', SAMPLE], "hivetool: unknown option --bogus; see 'hivetool dump --help'"],
    [['dump', '--format', SAMPLE], `hivetool: --format "${SAMPLE}" is not one of reg, json, raw, csv, jsonl, parquet (${SAMPLE} looks like a file: put it after the option's value); see 'hivetool dump --help'`],
    [['dump', '-f', 'xml', SAMPLE], "hivetool: -f \"xml\" is not one of reg, json, raw, csv, jsonl, parquet; see 'hivetool dump --help'"],
    [['info', '--reg-style', 'ce', SAMPLE], "hivetool: unknown option --reg-style; see 'hivetool info --help'"],
    [['dump', '--regStyle', 'ce', SAMPLE], "hivetool: unknown option --regStyle; see 'hivetool dump --help'"],
    [['image'], "hivetool: name an image command: pack, unpack or dump; see 'hivetool image --help'"],
    [['oem'], "hivetool: name an oem command: pack, unpack, split, join, store, load, verify or preg; see 'hivetool oem --help'"],
    [['dump'], 'hivetool: dump needs <files>: hivetool dump <files..>'],
    [['rewrite', SAMPLE], 'hivetool: rewrite needs <output>: hivetool rewrite <input> <output>'],
    [['dump', SAMPLE, '-o'], "hivetool: -o needs a value; see 'hivetool dump --help'"],
    [['dump', SAMPLE, '--max-depth'], "hivetool: --max-depth needs a value; see 'hivetool dump --help'"],
    [['oem', 'unpack', 'x.oem'], "hivetool: missing -o FILE (--output); see 'hivetool oem unpack --help'"],
    [['frobnicate'], "hivetool: unknown command \"frobnicate\"; see 'hivetool --help'"],
    [['dum', SAMPLE], "hivetool: unknown command \"dum\": did you mean dump?; see 'hivetool --help'"],
    [['rewrite', SAMPLE, 'a.hv', 'b.hv'], "hivetool: unexpected argument \"b.hv\"; see 'hivetool rewrite --help'"],
    [['compile'], 'hivetool: compile needs <inputs>: hivetool compile <inputs..>'],
    [['compile', '--bogus', 'platform.reg'], "hivetool: unknown option --bogus; see 'hivetool compile --help'"],
    [['compile', 'platform.reg', '--missing-include', 'maybe', '-o', 'out'], "hivetool: --missing-include \"maybe\" is not one of error, warn; see 'hivetool compile --help'"],
    [['boot', 'rom'], 'hivetool: boot needs <storagedir>: hivetool boot <romdir> <storagedir>'],
    [['boot', 'rom', 'storage', '--clean'], "hivetool: --clean needs a value; see 'hivetool boot --help'"],
    [['lint'], 'hivetool: lint needs <romdir>: hivetool lint <romdir>'],
    [['recover', SAMPLE], "hivetool: missing -o FILE (--output); see 'hivetool recover --help'"],
    [['carve', 'flash.bin', '-o'], "hivetool: -o needs a value; see 'hivetool carve --help'"],
    [['find', 'x'], 'hivetool: find needs <files>: hivetool find <pattern> <files..>'],
    [['oem', 'preg'], "hivetool: name a preg command: verify, extract or pack; see 'hivetool oem preg --help'"],
    [['oem', 'preg', 'verify'], 'hivetool: oem preg verify needs <files>: hivetool oem preg verify <files..>'],
    [['view', '--rom'], "hivetool: --rom needs a value; see 'hivetool view --help'"],
    [['carve', SAMPLE, '-o', 'never', '--ram-region', '0:0x100000000'], 'hivetool: --ram-region "0:0x100000000": RAM region, expected START:LENGTH[@BASE] as 32-bit numbers, e.g. 0x80100000:0x40000@0x80000000, found "0:0x100000000"'],
    [['find', '--type', '70000', 'x', SAMPLE], 'hivetool: --type 70000: a value type is a number from 0 to 65535'],
    [['boot', 'rom', 'storage', '--user', '../x'], 'hivetool: --user "../x": a user name is one folder name under ProfileDir (no \\ or /, not . or ..)'],
  ])('%j', (args, line) => {
    const result = runCli(args);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`${line}\n`);
    expect(result.status).toBe(2);
  });
});

const COMMANDS = [
  ['dump'], ['info'], ['verify'], ['diff'], ['build'], ['rewrite'], ['migrate'],
  ['image', 'pack'], ['image', 'unpack'], ['image', 'dump'],
  ['oem', 'pack'], ['oem', 'unpack'], ['oem', 'split'], ['oem', 'join'], ['oem', 'store'], ['oem', 'load'], ['oem', 'verify'],
  ['media'],
];

/** The rows of a help section: `[switch or name, the rest of the row]`. */
function rows(help: string, section: string): Array<[string, string]> {
  const start = help.indexOf(`\n${section}\n`);
  if (start < 0) return [];
  const body = help.slice(start + section.length + 2).split('\n\n')[0]!;
  // A row starts two spaces in; wrapped continuations are indented further.
  return body
    .split('\n')
    .filter((line) => /^ {2}\S|^ {6}--/.test(line))
    .map((line) => {
      const match = /^\s+((?:-\w, )?--?[\w-]+|\w+)\s{2,}(.*)$/.exec(line) ?? /^\s+(\S+)()$/.exec(line)!;
      return [match[1]!, match[2]!];
    });
}

describe('--help', () => {
  test.each(COMMANDS)('%s %s: every option and positional has a description; positionals without [required] [default: []]', (...command) => {
    const result = runCli([...command, '--help']);
    expect(result.status).toBe(0);
    const all = [...rows(result.stdout, 'Positionals:'), ...rows(result.stdout, 'Options:')];
    expect(all.length).toBeGreaterThan(2);
    for (const [name, rest] of all) {
      // A description comes before the bracketed type, choices and default.
      expect([name, /^[^[\s]/.test(rest)]).toEqual([name, true]);
    }
    for (const [name, rest] of rows(result.stdout, 'Positionals:')) expect([name, rest]).toEqual([name, expect.not.stringMatching(/\[required\]|\[default: \[\]\]|\[array\]/)]);
  });

  test.each(COMMANDS)('%s %s: wrapping at 110 columns never cuts a word', (...command) => {
    const words = (env: Record<string, string>): string[] => runCli([...command, '--help'], { env }).stdout.split(/\s+/).filter(Boolean).sort();
    // yargs lays help out without wrapping when YARGS_DISABLE_WRAP is set: the same words.
    expect(words({})).toEqual(words({ YARGS_DISABLE_WRAP: '1' }));
  });
});
