/**
 * One rule for every error line: `hivetool: FILE: message at offset 0x… [CODE]`, with the
 * file the offset belongs to, advice after the code, and names from files made safe for a
 * terminal. (Every run through `runCli` is checked against the rule as well; these are the
 * commands that used to break it.)
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { copyFileSync, existsSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeHive } from '@hivetool/hive';
import { encodeImage } from '@hivetool/image';
import { MAX_LINE_LENGTH, REPO_ROOT, ROM, chainFixture, errorLineProblems, ref, runCli } from '@hivetool/test-support';
import { scratchDirectory } from '@hivetool/test-support/scratch';

const scratch = scratchDirectory('hivetool-lines-');
const at = (name: string): string => join(scratch.path, name);
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A stderr of exactly one line, naming `file` first, with an offset and `code`. */
const blames = (file: string, code: string): RegExp => new RegExp(`^hivetool: ${escape(file)}: .* at offset 0x[0-9a-f]{8}\\b.* \\[${code}\\][^\\n]*\\n$`);

beforeAll(() => {
  // A ROM hive with a sibling cycle (B → A), and a good copy; a hive linked into the good one.
  const good = chainFixture();
  writeFileSync(at('rom.hv'), good.bytes);
  const bad = chainFixture();
  bad.view.setUint32(bad.offsets.get(4)! + 12, ref(ROM, 1), true);
  writeFileSync(at('rom-damaged.hv'), bad.bytes);
  writeFileSync(at('changes.reg'), '[HKEY_LOCAL_MACHINE\\A]\n"New"=dword:00000001\n');
  expect(runCli(['build', '--rom', at('rom.hv'), at('changes.reg'), '-o', at('system.hv')]).status).toBe(0);
  // A plain hive with a bad magic; an image and a stream with a damaged byte.
  const magic = chainFixture();
  magic.bytes[8] = 0x58;
  writeFileSync(at('bad-magic.hv'), magic.bytes);
  expect(runCli(['image', 'pack', 'samples/device.hv', '-o', at('good.fdf')]).status).toBe(0);
  expect(runCli(['oem', 'pack', 'samples/device.hv', '-o', at('good.oem')]).status).toBe(0);
  copyFileSync(join(REPO_ROOT, 'samples/device.hv'), at('device.hv'));
});

describe('the file an error is about comes first', () => {
  test('diff: A or B, whichever is damaged', () => {
    const a = runCli(['diff', at('bad-magic.hv'), at('device.hv')]);
    expect(a.status).toBe(2);
    expect(a.stderr).toMatch(blames(at('bad-magic.hv'), 'BAD_MAGIC'));
    const b = runCli(['diff', at('device.hv'), at('bad-magic.hv')]);
    expect(b.stderr).toMatch(blames(at('bad-magic.hv'), 'BAD_MAGIC'));
  });

  test('rewrite, image pack, oem pack', () => {
    const rewrite = runCli(['rewrite', at('bad-magic.hv'), at('out.hv')]);
    expect(rewrite.status).toBe(2);
    expect(rewrite.stderr).toMatch(blames(at('bad-magic.hv'), 'BAD_MAGIC'));
    for (const args of [
      ['image', 'pack', at('device.hv'), at('bad-magic.hv'), '-o', at('out.fdf')],
      ['oem', 'pack', at('bad-magic.hv'), '-o', at('out.oem')],
    ]) {
      const result = runCli(args);
      expect(result.status).toBe(2);
      expect(result.stderr).toBe(`hivetool: ${at('bad-magic.hv')}: this is not a format hivetool knows; expected a hive, a registry image or an OEM stream\n`);
    }
  });

  test('image and oem subcommands name the image, stream, call log or store', () => {
    const damage = (from: string, to: string, offset: number): string => {
      const bytes = new Uint8Array(readFileSync(from));
      bytes[offset] = bytes[offset]! ^ 0xff;
      writeFileSync(to, bytes);
      return to;
    };
    const image = damage(at('good.fdf'), at('damaged.fdf'), 100);
    const stream = damage(at('good.oem'), at('damaged.oem'), 100);
    for (const [args, file] of [
      [['image', 'unpack', image, '-o', at('x.hv')], image],
      [['image', 'dump', image], image],
      [['oem', 'unpack', stream, '-o', at('x.hv')], stream],
      [['oem', 'split', stream, '-o', at('x.log')], stream],
    ] as Array<[string[], string]>) {
      const result = runCli(args);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(new RegExp(`^hivetool: ${escape(file)}: .*\\[[A-Z_]+\\][^\\n]*\\n$`));
    }
  });

  test('verify --rom of a damaged ROM hive alone still checks it: findings, exit 1', () => {
    const result = runCli(['verify', '--rom', at('rom-damaged.hv')]);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/ERROR +SIBLING_CYCLE at 0x[0-9a-f]{8}/);
  });

  test('a damaged --rom hive is named as the ROM file, with the offset in it, and said to be the --rom hive', () => {
    for (const args of [
      ['dump', '--rom', at('rom-damaged.hv'), at('system.hv')],
      ['diff', '--rom', at('rom-damaged.hv'), at('system.hv')],
      ['image', 'pack', '--rom', at('rom-damaged.hv'), at('system.hv'), '-o', at('y.fdf')],
    ]) {
      const result = runCli(args);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(blames(at('rom-damaged.hv'), 'SIBLING_CYCLE'));
      expect(result.stderr).toMatch(/; this is the --rom hive\n$/);
    }
  });
});

describe('what the format cannot hold names the file being made', () => {
  test('image unpack of an image with a 300-unit key name: the output hive, "cannot build", not "not a valid hive"', () => {
    const image = at('long-name.fdf');
    writeFileSync(image, encodeImage({ roots: { 2: [{ name: 'n'.repeat(300) }] } }));
    const out = at('long-name.hv');
    const result = runCli(['image', 'unpack', image, '-o', out]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`^hivetool: ${escape(out)}: cannot build this file: key ".*" name at offset 0x00000000: expected ≤ 255 UTF-16 units, found 300 \\[LIMIT_EXCEEDED\\]\\n$`));
    expect(existsSync(out)).toBe(false);
  });
});

describe('build of an over-large .reg', () => {
  test('is refused naming the .reg file, not calling it a hive', () => {
    const huge = at('huge.reg');
    writeFileSync(huge, '');
    truncateSync(huge, 300 * 1024 * 1024); // sparse: nothing is written to the disk
    const result = runCli(['build', huge, '-o', at('huge.hv')]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`hivetool: ${huge}: 314572800 bytes is larger than hivetool reads for this input (268435456 bytes)\n`);
    rmSync(huge);
  });
});

describe('names from files are made safe', () => {
  test('control characters in key names are escaped: no colour codes, no forged second line', () => {
    const evil = 'evil\u001b[31mRED\u0007\nhivetool: forged';
    writeFileSync(at('evil.hv'), encodeHive({ roots: { 2: [{ name: evil, subkeys: [{ name: 'Child' }] }] } }));
    const result = runCli(['dump', '-k', `HKLM\\${evil}\\Missing`, at('evil.hv')]);
    expect(result.status).toBe(2);
    expect(result.stderr.split('\n')).toHaveLength(2); // one line and its newline
    expect(result.stderr).not.toMatch(/\u001b|\u0007/);
    expect(result.stderr).toContain('evil\\x1b[31mRED\\x07\\nhivetool: forged');
    expect(errorLineProblems(result.stderr)).toEqual([]);
  });

  test('a file name with a newline cannot forge a key line in the .reg or raw output', () => {
    const forged = at('x\n[HKEY_LOCAL_MACHINE\\Forged]\n.hv');
    copyFileSync(join(REPO_ROOT, 'samples/device.hv'), forged);
    for (const format of ['reg', 'raw']) {
      const result = runCli(['dump', '-f', format, forged]);
      expect(result.status).toBe(0);
      expect(result.stdout).not.toMatch(/^\[HKEY_LOCAL_MACHINE\\Forged\]$/m);
      expect(result.stdout).toContain('x\\n[HKEY_LOCAL_MACHINE\\Forged]\\n.hv');
    }
  });

  test('a 70 000-character name makes a line of at most the cap, start and end kept', () => {
    const result = runCli(['dump', '-k', `HKLM\\${'x'.repeat(70_000)}`, 'samples/device.hv']);
    expect(result.status).toBe(2);
    const line = result.stderr.trimEnd();
    expect(line.length).toBeLessThanOrEqual(MAX_LINE_LENGTH);
    expect(line).toMatch(/^hivetool: samples\/device\.hv: key not found: HKLM\\x+ …\(\d+ characters left out\)… x+/);
  });

  test('the rule itself: what it accepts and refuses', () => {
    expect(errorLineProblems('hivetool: samples/device.hv: not a valid hive: bad magic at offset 0x00000008 [BAD_MAGIC]\n')).toEqual([]);
    expect(errorLineProblems('hivetool: not a valid hive: bad magic at offset 0x00000008 [BAD_MAGIC]\n')).toHaveLength(1);
    expect(errorLineProblems('Run hivetool --help\n')).toHaveLength(1);
    expect(errorLineProblems('hivetool: x\u001b[31m\n')).toHaveLength(1);
  });
});
