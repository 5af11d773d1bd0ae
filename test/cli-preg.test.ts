/**
 * `hivetool oem preg verify|extract|pack` and `oem verify` on PREG containers and bare
 * streams (docs/formats/preg.md). Containers are made by `oem preg pack` itself or by
 * `encodePreg`; the stream inside is arbitrary bytes, since its real layout is opaque.
 */
import { describe, expect, test } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeOemStream, encodePreg } from '@hivetool/image';
import { runCli } from '@hivetool/test-support';
import { scratchDirectory } from '@hivetool/test-support/scratch';

const scratch = scratchDirectory('hivetool-preg-');
const path = (name: string): string => join(scratch.path, name);
const stream = Uint8Array.from({ length: 157 }, (_, i) => (i * 37 + 11) & 0xff);

describe('oem preg on the command line', () => {
  test('pack, verify and extract round trip; the stream is written back byte for byte', () => {
    writeFileSync(path('stream.bin'), stream);
    const packed = runCli(['oem', 'preg', 'pack', path('stream.bin'), '-o', path('flash.bin'), '--region-size', '128', '--regions', '2']);
    expect(packed.status).toBe(0);
    expect(packed.stdout).toContain('PREG container, 256 bytes: 12-byte header and a 157-byte stream, 2 region(s) of 128 bytes');
    const flash = new Uint8Array(readFileSync(path('flash.bin')));
    expect(flash).toEqual(encodePreg(stream, { regionSize: 128, regions: 2 }));
    const verified = runCli(['oem', 'preg', 'verify', '--region-size', '128', '--regions', '2', path('flash.bin')]);
    expect(verified.status).toBe(0);
    expect(verified.stdout).toMatch(/flash\.bin: PREG container intact: a 157-byte stream \(opaque: its layout is not published\), checksum 0x[0-9a-f]{8}, 2 region\(s\) of 128 bytes/);
    const extracted = runCli(['oem', 'preg', 'extract', path('flash.bin'), '-o', path('out.bin')]);
    expect(extracted.status).toBe(0);
    expect(new Uint8Array(readFileSync(path('out.bin')))).toEqual(stream);
    expect(runCli(['oem', 'preg', 'extract', path('flash.bin'), '-o', path('flash.bin')]).status).toBe(2);
    expect(readFileSync(path('flash.bin'))).toEqual(Buffer.from(flash));
  });

  test('verify: exit 1 for an interrupted or damaged container, 2 for a file that is no PREG container', () => {
    const interrupted = encodePreg(stream, { regionSize: 256 });
    interrupted.fill(0xff, 0, 12);
    writeFileSync(path('cut.bin'), interrupted);
    const damaged = encodePreg(stream);
    damaged[40]! ^= 0x04;
    writeFileSync(path('damaged.bin'), damaged);
    const text = runCli(['oem', 'preg', 'verify', path('cut.bin'), path('damaged.bin')]);
    expect(text.status).toBe(1);
    expect(text.stdout).toMatch(/cut\.bin: PREG container INTERRUPTED: .*nothing is stored.*\[INTERRUPTED_SAVE\]/);
    expect(text.stdout).toMatch(/damaged\.bin: PREG container DAMAGED: PREG checksum .*\[CHECKSUM_MISMATCH\]/);
    const json = JSON.parse(runCli(['oem', 'preg', 'verify', '--json', path('cut.bin'), path('damaged.bin')]).stdout) as { files: Array<{ state: string; problem: { code: string } | null }> };
    expect(json.files.map((f) => [f.state, f.problem?.code])).toEqual([['interrupted', 'INTERRUPTED_SAVE'], ['damaged', 'CHECKSUM_MISMATCH']]);

    writeFileSync(path('other.bin'), stream);
    const other = runCli(['oem', 'preg', 'verify', path('other.bin')]);
    expect(other.status).toBe(2);
    expect(other.stderr).toMatch(/^hivetool: .*other\.bin: not a PREG container/);

    const extract = runCli(['oem', 'preg', 'extract', path('damaged.bin'), '-o', path('never.bin')]);
    expect(extract.status).toBe(2);
    expect(extract.stderr).toMatch(/damaged\.bin: .*\[CHECKSUM_MISMATCH\]\n$/);
  });

  test('oem verify says which layout it found', () => {
    writeFileSync(path('preg.bin'), encodePreg(stream));
    writeFileSync(path('savedreg.reg'), encodeOemStream({ roots: { 2: [{ name: 'Software', values: [{ name: 'x', type: 4, data: new Uint8Array([1, 0, 0, 0]) }] }] } }));
    writeFileSync(path('unknown.reg'), stream);
    const result = runCli(['oem', 'verify', path('preg.bin'), path('savedreg.reg'), path('unknown.reg')]);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/preg\.bin: layout PREG \(the common OAL's flash container\): PREG container intact: a 157-byte stream/);
    expect(result.stdout).toMatch(/savedreg\.reg: layout bare stream \(no container, as FlashFX stores savedreg\.reg\): hivetool OEM stream OK: .* 1 keys, 1 values/);
    expect(result.stdout).toMatch(/unknown\.reg: BAD: no PREG header and no stream layout hivetool knows/);
  });
});
