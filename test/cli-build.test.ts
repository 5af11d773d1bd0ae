import { describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { hexBytes, hiveStatistics, openHive } from '@hivetool/hive';
import { CORPUS_FACTS, CORPUS_FILES, REPO_ROOT, corpusPath, describeCorpus, layoutProblems, runCli } from '@hivetool/test-support';
import { scratchDirectory } from '@hivetool/test-support/scratch';

const describeWithCorpus = describeCorpus(describe);
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
/** The .reg text without the per-file comment line (it names the file). */
const body = (text: string): string => text.replace(/^; .*: (rom|persistent) hive, ROM signature [0-9a-f]{32}\n/m, '');

const scratch = scratchDirectory('hivetool-build-');

describeWithCorpus('build and rewrite on the corpus', () => {
  test.each(CORPUS_FILES)('%s: dump --format reg → build → dump is a fixed point', (file) => {
    const first = runCli(['dump', corpusPath(file)]);
    expect(first.status).toBe(0);
    const reg = join(scratch.path, `${file}.reg`);
    writeFileSync(reg, first.stdout);
    const built = join(scratch.path, `${file}.built.hv`);
    const build = runCli(['build', reg, '-o', built, '--rom-signature', '6e950daec1672852a98cf772c09550c9']);
    expect(build.stderr).toBe('');
    expect(build.status).toBe(0);
    expect(build.stdout).toContain(`${CORPUS_FACTS[file].keys} keys, ${CORPUS_FACTS[file].values} values, rom layout`);
    const second = runCli(['dump', built]);
    expect(second.status).toBe(0);
    expect(body(second.stdout)).toBe(body(first.stdout));
    // The built hive opens with no findings and keeps the layout invariants.
    const bytes = new Uint8Array(readFileSync(built));
    expect(layoutProblems(bytes)).toEqual([]);
    const stats = hiveStatistics(openHive(bytes));
    expect(stats.unknownBits).toEqual([]);
    expect(stats.reachable).toEqual({ keys: CORPUS_FACTS[file].keys, values: CORPUS_FACTS[file].values, unresolvedLinks: 0 });
    expect(stats.blocks.keys + stats.blocks.values + 1).toBe(stats.slots.used);
    expect(hexBytes(openHive(bytes).header.romSignature)).toBe('6e950daec1672852a98cf772c09550c9');
  });

  test.each(CORPUS_FILES)('%s: rewrite reproduces the file byte for byte', (file) => {
    const out = join(scratch.path, `${file}.rewritten`);
    const result = runCli(['rewrite', corpusPath(file), out]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('identical to');
    expect(sha256(readFileSync(out))).toBe(sha256(readFileSync(corpusPath(file))));
  });
});

describe('build without the corpus', () => {
  test('the sample round-trips through .reg, and the derived signature is deterministic', () => {
    const reg = join(scratch.path, 'device.reg');
    writeFileSync(reg, runCli(['dump', 'samples/device.hv']).stdout);
    const a = join(scratch.path, 'a.hv');
    const b = join(scratch.path, 'b.hv');
    expect(runCli(['build', reg, '-o', a]).status).toBe(0);
    expect(runCli(['build', reg, '-o', b]).status).toBe(0);
    expect(sha256(readFileSync(a))).toBe(sha256(readFileSync(b)));
    expect(runCli(['build', reg, '-o', b, '--guid', '00112233445566778899aabbccddeeff']).status).toBe(0);
    expect(hexBytes(openHive(new Uint8Array(readFileSync(b))).header.volumeGuid)).toBe('00112233445566778899aabbccddeeff');
    expect(body(runCli(['dump', a]).stdout)).toBe(body(runCli(['dump', 'samples/device.hv']).stdout));
  });

  test('several inputs apply in order; --layout persistent writes nibble-0 references', () => {
    const one = join(scratch.path, 'one.reg');
    const two = join(scratch.path, 'two.reg');
    writeFileSync(one, 'REGEDIT4\n\n[HKEY_LOCAL_MACHINE\\A]\n"x"=dword:00000001\n\n[HKEY_LOCAL_MACHINE\\B]\n');
    // UTF-16LE with a BOM, as regedit 5 exports.
    writeFileSync(two, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Windows Registry Editor Version 5.00\r\n\r\n[-HKEY_LOCAL_MACHINE\\B]\r\n[HKEY_LOCAL_MACHINE\\A]\r\n"y"="ü"\r\n', 'utf16le')]));
    const out = join(scratch.path, 'merged.hv');
    expect(runCli(['build', one, two, '-o', out, '--layout', 'persistent']).status).toBe(0);
    const hive = openHive(new Uint8Array(readFileSync(out)));
    expect(hive.kind).toBe('persistent');
    expect(runCli(['dump', out]).stdout).toContain('[HKEY_LOCAL_MACHINE\\A]\n"x"=dword:00000001\n"y"="ü"\n');
    expect(hive.key('HKLM\\B')).toBeUndefined();
  });

  test('a .reg error names file, line and column; nothing is written', () => {
    const bad = join(scratch.path, 'bad.reg');
    writeFileSync(bad, 'REGEDIT4\n[HKLM\\a]\n"x"=dword:zz\n');
    const out = join(scratch.path, 'never.hv');
    const result = runCli(['build', bad, '-o', out]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`hivetool: ${bad}:3:11: dword: takes 1 to 8 hex digits [BAD_DWORD]\n`);
    expect(readdirSync(scratch.path)).not.toContain('never.hv');
  });

  test('an input is never overwritten, by rewrite or build', () => {
    const copy = join(scratch.path, 'input.hv');
    copyFileSync(join(REPO_ROOT, 'samples/device.hv'), copy);
    const before = sha256(readFileSync(copy));
    const rewrite = runCli(['rewrite', copy, copy]);
    expect(rewrite.status).toBe(2);
    expect(rewrite.stderr).toMatch(/never writes over an input/);
    const reg = join(scratch.path, 'in.reg');
    writeFileSync(reg, '[HKLM\\a]\n');
    expect(runCli(['build', reg, '-o', reg]).status).toBe(2);
    expect(readFileSync(reg, 'utf8')).toBe('[HKLM\\a]\n');
    expect(sha256(readFileSync(copy))).toBe(before);
  });

  test('bad option values are refused', () => {
    const reg = join(scratch.path, 'ok.reg');
    writeFileSync(reg, '[HKLM\\a]\n');
    const result = runCli(['build', reg, '-o', join(scratch.path, 'x.hv'), '--rom-signature', '1234']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/--rom-signature takes 16 bytes as 32 hex digits/);
  });
});
