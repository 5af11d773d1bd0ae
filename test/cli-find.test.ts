import { beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeHive } from '@hivetool/hive';
import { encodeImage } from '@hivetool/image';
import { ValueType, encodeUtf16 } from '@hivetool/registry';
import { DeviceHeap, corpusAvailable, corpusBytes, corpusPath, describeCorpus, runCli, runCliProcess, runs } from '@hivetool/test-support';
import { scratchDirectory } from '@hivetool/test-support/scratch';

const scratch = scratchDirectory('hivetool-find-');
const describeWithCorpus = describeCorpus(describe);
// Several folders of hives for two worker threads to share; a thousand with test:long.
const FLEET = runs(300, 1000);

function sz(text: string): Uint8Array {
  return encodeUtf16(text + '\0');
}

function dword(value: number): Uint8Array {
  const data = new Uint8Array(4);
  new DataView(data.buffer).setUint32(0, value, true);
  return data;
}

/** A small hive per unit: HKLM\Fleet\Unit<i> with a serial, an id and a blob. */
function unitHive(unit: number): Uint8Array {
  const serial = `SN-${String(unit).padStart(5, '0')}`;
  return encodeHive({
    roots: {
      2: [
        {
          name: 'Fleet',
          subkeys: [
            {
              name: `Unit${unit}`,
              values: [
                { name: 'Serial', type: ValueType.SZ, data: sz(serial) },
                { name: 'Id', type: ValueType.DWORD, data: dword(unit) },
                { name: 'Blob', type: ValueType.BINARY, data: new Uint8Array([0xde, 0xad, unit & 0xff, 0xef]) },
              ],
            },
          ],
        },
      ],
    },
  }, { romSignature: new Uint8Array(16), volumeGuid: new Uint8Array(16) });
}

let fleet = '';
beforeAll(() => {
  fleet = join(scratch.path, 'fleet');
  for (let unit = 0; unit < FLEET; unit++) {
    const dir = join(fleet, `site-${Math.floor(unit / 100)}`);
    if (unit % 100 === 0) mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `unit-${String(unit).padStart(4, '0')}.hv`), unitHive(unit));
  }
});

interface FindJson {
  matches: Array<{ file: string; path: string; kind: string; name?: string; data?: string; deleted?: string }>;
}

describe('find', () => {
  test(`over ${FLEET} generated hives: --jobs 2 prints what one job prints, in file order`, () => {
    const inputs = corpusAvailable ? [corpusPath('boot.hv'), corpusPath('default.hv'), corpusPath('user.hv'), fleet] : [fleet];
    const one = runCli(['find', '-r', 'de', ...inputs]);
    const two = runCliProcess(['find', '-r', '--jobs', '2', 'de', ...inputs]);
    expect(one.status).toBe(0);
    expect(two.stdout).toBe(one.stdout);
    const lines = one.stdout.trim().split('\n');
    // Every unit's blob (de ad .. ef) matches "de", and the ids whose hex holds it (0xde, 0x1de…).
    const fleetLines = lines.filter((line) => line.startsWith(fleet));
    const blobs = fleetLines.filter((line) => line.includes('\\Blob = hex:de,ad,'));
    expect(blobs).toHaveLength(FLEET);
    expect(fleetLines.filter((line) => !blobs.includes(line)).map((line) => line.slice(line.indexOf(': ') + 2))).toEqual(
      [0xde, 0x1de, 0x2de, 0x3de].filter((unit) => unit < FLEET).map((unit) => `HKEY_LOCAL_MACHINE\\Fleet\\Unit${unit}\\Id = dword:${unit.toString(16).padStart(8, '0')}`),
    );
    expect(blobs[42]).toBe(`${join(fleet, 'site-0', 'unit-0042.hv')}: HKEY_LOCAL_MACHINE\\Fleet\\Unit42\\Blob = hex:de,ad,2a,ef`);
    const files = lines.map((line) => line.slice(0, line.indexOf(': ')));
    const order = [...new Set(files)];
    expect(files).toEqual([...files].sort((a, b) => order.indexOf(a) - order.indexOf(b)));
    const json = JSON.parse(runCliProcess(['find', '-r', '--jobs', '2', '--json', 'de', ...inputs]).stdout) as FindJson;
    expect(json.matches).toHaveLength(lines.length);
  });

  test('--name, --data, --key, --type and --regex narrow the search', () => {
    const unit7 = join(fleet, 'site-0', 'unit-0007.hv');
    expect(runCli(['find', '--data', 'sn-00007', unit7]).stdout).toBe(`${unit7}: HKEY_LOCAL_MACHINE\\Fleet\\Unit7\\Serial = "SN-00007"\n`);
    expect(runCli(['find', '--name', 'sn-00007', unit7]).status).toBe(1);
    expect(runCli(['find', '--key', 'unit7', unit7]).stdout).toBe(`${unit7}: HKEY_LOCAL_MACHINE\\Fleet\\Unit7\n`);
    expect(runCli(['find', '--type', 'dword', '--data', '7', unit7]).stdout).toBe(`${unit7}: HKEY_LOCAL_MACHINE\\Fleet\\Unit7\\Id = dword:00000007\n`);
    expect(runCli(['find', '--regex', '^(Id|Serial)$', '--name', unit7]).stdout.trim().split('\n')).toHaveLength(2);
    // Patterns run in linear time: a catastrophic pattern for a backtracking engine on a long name ends at once.
    const long = join(scratch.path, 'long-names.hv');
    const name = 'a'.repeat(40) + '!';
    writeFileSync(join(scratch.path, 'long-names.reg'), `[HKEY_LOCAL_MACHINE\\${name}]\n"${name}"="${name}"\n`);
    expect(runCli(['build', join(scratch.path, 'long-names.reg'), '-o', long]).status).toBe(0);
    expect(runCli(['find', '--regex', '(a+)+$', long]).status).toBe(1);
    expect(runCli(['find', '--regex', '(a+)+!$', '--name', long]).stdout).toBe(`${long}: HKEY_LOCAL_MACHINE\\${name}\\${name} = "${name}"\n`);
    const invalid = runCli(['find', '--regex', '(', long]);
    expect([invalid.status, invalid.stderr]).toEqual([2, expect.stringMatching(/^hivetool: not a regular expression: \( .*RE2 syntax/)]);
    const bad = runCli(['find', '--type', 'nonsense', 'x', unit7]);
    expect([bad.status, bad.stderr]).toEqual([2, 'hivetool: --type nonsense: not a value type (e.g. REG_SZ, sz, dword, binary, multi_sz, 4)\n']);
    const missing = runCli(['find', 'x', join(fleet, 'missing.hv'), unit7]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain(`hivetool: ${join(fleet, 'missing.hv')}: no such file or directory\n`);
  });

  test('registry images are searched like hives', () => {
    const image = join(scratch.path, 'Restore.fdf');
    writeFileSync(image, encodeImage({ roots: { 2: [{ name: 'Fleet', values: [{ name: 'Owner', type: ValueType.SZ, data: sz('Depot 9') }] }] } }));
    expect(runCli(['find', 'depot', image]).stdout).toBe(`${image}: HKEY_LOCAL_MACHINE\\Fleet\\Owner = "Depot 9"\n`);
  });
});

describe('find: pattern size', () => {
  test('--regex refuses a pattern over 1000 characters or 500 compiled instructions, naming the limit', () => {
    const unit7 = join(fleet, 'site-0', 'unit-0007.hv');
    const long = runCli(['find', '--regex', 'a?'.repeat(500) + 'a'.repeat(500), unit7]);
    expect([long.status, long.stdout, long.stderr]).toEqual([2, '', 'hivetool: --regex: the pattern has 1500 characters, more than the 1000 a regular expression may have; search for a shorter one (a plain-text pattern has no such limit)\n']);
    // 17 characters, but 902 instructions: the size of the program is what the time per character follows.
    const big = runCli(['find', '--regex', '(?:a?){300}a{300}', unit7]);
    expect([big.status, big.stdout, big.stderr]).toEqual([2, '', expect.stringMatching(/^hivetool: --regex: the pattern compiles to 902 instructions, more than the 500 a regular expression may have; /)]);
    // Within both limits: searched as before.
    expect(runCli(['find', '--regex', `^${'(?:S)?'.repeat(20)}erial$`, '--name', unit7]).stdout).toBe(`${unit7}: HKEY_LOCAL_MACHINE\\Fleet\\Unit7\\Serial = "SN-00007"\n`);
    expect(runCli(['find', '--regex', 'x'.repeat(400), unit7]).status).toBe(1);
  });

  test('hostile pattern shapes at growing sizes: refused past a limit, never a run without one', () => {
    const unit7 = join(fleet, 'site-0', 'unit-0007.hv');
    const shapes: Array<(n: number) => string> = [
      (n) => 'a?'.repeat(n) + 'a'.repeat(n),
      (n) => `(?:a?){${n}}a{${n}}`,
      (n) => `(?:[a-z]*x){${n}}`,
      (n) => `(?:(?:a|b|c|d)+x){${n}}`,
      (n) => 'x'.repeat(n),
    ];
    // Sizes below, around and past the limits; more of them with test:long.
    const sizes = runs(4, 12);
    for (const [index, shape] of shapes.entries()) {
      for (let step = 0; step < sizes; step++) {
        const pattern = shape(Math.round(2 ** (2 + (step * 8) / (sizes - 1))));
        const result = runCli(['find', '--regex', pattern, unit7]);
        // RE2's own limit on a repeat count (1000) refuses some first.
        const refused = /^hivetool: (--regex: the pattern (has \d+ characters, more than the 1000|compiles to \d+ instructions, more than the 500) a regular expression may have; |not a regular expression: .*invalid repeat count)/.test(result.stderr);
        expect([index, step, result.status]).toEqual([index, step, refused ? 2 : 1]);
        if (pattern.length > 1000) expect([index, step, refused]).toEqual([index, step, true]);
      }
      // The largest size is refused, the smallest searched.
      expect(runCli(['find', '--regex', shape(1024), unit7]).status).toBe(2);
      expect(runCli(['find', '--regex', shape(4), unit7]).status).toBe(1);
    }
  });

  test('a long plain-text pattern over long data: found where it is, not found where it is not', () => {
    const file = join(scratch.path, 'long-data.hv');
    const run = 'a'.repeat(16000);
    writeFileSync(file, encodeHive({ roots: { 2: [{ name: 'Long', values: [{ name: 'Run', type: ValueType.SZ, data: sz(run + 'b' + run) }] }] } }, { romSignature: new Uint8Array(16), volumeGuid: new Uint8Array(16) }));
    const needle = (left: number, right: number): string => 'A'.repeat(left) + 'B' + 'A'.repeat(right);
    expect(runCli(['find', '--data', needle(2500, 2500), file]).stdout).toBe(`${file}: HKEY_LOCAL_MACHINE\\Long\\Run = "${run}b${run}"\n`);
    expect(runCli(['find', '--data', needle(2500, 16001), file]).status).toBe(1);
    expect(runCli(['find', '--data', needle(2500, 2500) + 'b', file]).status).toBe(1);
  });
});

describeWithCorpus('find on damaged input', () => {
  test('a hive cut short is searched as far as it goes, then reported', () => {
    const file = join(scratch.path, 'cut.hv');
    writeFileSync(file, corpusBytes('default.hv').subarray(0, 159744));
    const cut = runCli(['find', '--key', 'clsid', file]);
    const whole = runCli(['find', '--key', 'clsid', corpusPath('default.hv')]);
    expect(cut.status).toBe(2);
    const lines = cut.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThan(10);
    expect(lines).toEqual(whole.stdout.trim().split('\n').slice(0, lines.length).map((line) => line.replace(corpusPath('default.hv'), file)));
    expect(cut.stderr).toMatch(/^hivetool: .*cut\.hv: not a valid hive: .*\[[A-Z_]+\]\n$/);
  });
});

describeWithCorpus('find --deleted', () => {
  test('finds deleted values too, marked', () => {
    const device = new DeviceHeap(corpusBytes('boot.hv'));
    device.deleteValue('HKEY_LOCAL_MACHINE\\nls', 'DefaultLCID');
    const file = join(scratch.path, 'deleted.hv');
    writeFileSync(file, device.bytes);
    expect(runCli(['find', 'DefaultLCID', file]).status).toBe(1);
    expect(runCli(['find', '--deleted', 'DefaultLCID', file]).stdout).toBe(`${file}: ?\\DefaultLCID = dword:00000409 (deleted, likely)\n`);
  });
});

describe('find --data in binary values', () => {
  /** Bytes: `before` filler bytes, then TEXT in UTF-16LE, then four more. */
  function utf16At(before: number, text: string): Uint8Array {
    const encoded = encodeUtf16(text + '\0');
    const data = new Uint8Array(before + encoded.length + 4).fill(0x11);
    data.set(encoded, before);
    return data;
  }
  const ascii = (text: string): Uint8Array => new Uint8Array([0x3c, 0x09, ...Array.from(text, (c) => c.charCodeAt(0))]);
  let file = '';
  beforeAll(() => {
    file = join(scratch.path, 'binary-text.hv');
    writeFileSync(file, encodeHive({
      roots: {
        2: [{
          name: 'Zones',
          values: [
            { name: 'Even', type: ValueType.BINARY, data: utf16At(4, 'Pacific Standard Time') },
            { name: 'Odd', type: ValueType.BINARY, data: utf16At(5, 'Pacific Standard Time') },
            { name: 'None', type: ValueType.NONE, data: utf16At(7, 'Pacific Daylight Time') },
            { name: 'Custom', type: 0x1234, data: utf16At(2, 'pacific') },
            { name: 'Atlantic', type: ValueType.BINARY, data: utf16At(4, 'Atlantic Standard Time') },
            { name: 'Noise', type: ValueType.BINARY, data: Uint8Array.from({ length: 512 }, (_, i) => (i * 73 + 11) & 0xff) },
            { name: 'Vendor', type: ValueType.BINARY, data: ascii('MSFT_IPTV') },
            { name: 'Zone', type: ValueType.SZ, data: sz('Pacific') },
          ],
        }],
      },
    }, { romSignature: new Uint8Array(16), volumeGuid: new Uint8Array(16) }));
  });
  const names = (stdout: string): string[] => stdout.trim().split('\n').map((line) => line.replace(/^.*\\Zones\\([^ ]+) = .*?( \(as [^)]*\))?$/, '$1$2'));

  test('UTF-16LE text at an even and at an odd offset is found, in any case, marked as such', () => {
    const found = runCli(['find', '--data', 'Pacific', file]);
    expect(found.status).toBe(0);
    expect(names(found.stdout)).toEqual(['Even (as UTF-16LE text)', 'Odd (as UTF-16LE text)', 'None (as UTF-16LE text)', 'Custom (as UTF-16LE text)', 'Zone']);
    expect(found.stdout.split('\n')[0]).toBe(`${file}: HKEY_LOCAL_MACHINE\\Zones\\Even = hex:11,11,11,11,50,00,61,00,63,00,69,00,66,00,69,00,63,00,20,00,53,00,74,00,61,00,6e,00,64,00,61,00,72,00,64,00,20,00,54,00,69,00,6d,00,65,00,00,00,11,11,11,11 (as UTF-16LE text)`);
    expect(runCli(['find', '--data', 'PACIFIC standard', file]).stdout).toBe(runCli(['find', '--data', 'pacific STANDARD', file]).stdout);
    expect(names(runCli(['find', '--data', 'PACIFIC standard', file]).stdout)).toEqual(['Even (as UTF-16LE text)', 'Odd (as UTF-16LE text)']);
    expect(names(runCli(['find', '--data', '--regex', 'pacific\\s+(standard|daylight)', file]).stdout)).toEqual(['Even (as UTF-16LE text)', 'Odd (as UTF-16LE text)', 'None (as UTF-16LE text)']);
    expect(names(runCli(['find', '--data', '--type', 'binary', 'standard time', file]).stdout)).toEqual(['Even (as UTF-16LE text)', 'Odd (as UTF-16LE text)', 'Atlantic (as UTF-16LE text)']);
    const json = JSON.parse(runCli(['find', '--json', '--data', 'pacific', file]).stdout) as FindJson;
    expect(json.matches.map((match) => [match.name, (match as { matchedAs?: string }).matchedAs])).toEqual([['Even', 'UTF-16LE text'], ['Odd', 'UTF-16LE text'], ['None', 'UTF-16LE text'], ['Custom', 'UTF-16LE text'], ['Zone', undefined]]);
  });

  test('ASCII text in binary data is found as Latin-1 text; hex digits still match the raw bytes; nothing else matches', () => {
    expect(names(runCli(['find', '--data', 'msft_iptv', file]).stdout)).toEqual(['Vendor (as Latin-1 text)']);
    // The hex of the bytes matches as before, unmarked.
    expect(names(runCli(['find', '--data', '3c094d534654', file]).stdout)).toEqual(['Vendor']);
    // Text that is not in the data, in any reading: no match (the noise holds every byte value).
    for (const pattern of ['Mountain', 'Pacific Summer', 'iptv_msft']) expect([pattern, runCli(['find', '--data', pattern, file]).status]).toEqual([pattern, 1]);
    expect(runCli(['find', '--data', '--regex', 'atlantic\\s+daylight', file]).status).toBe(1);
    // --name does not read data.
    expect(runCli(['find', '--name', 'Pacific', file]).status).toBe(1);
  });
});

describeWithCorpus('find --data in binary values of a real hive', () => {
  test('default.hv: a DHCP option holding ASCII is found in its bytes; the time zone name as before', () => {
    const vendor = runCli(['find', '--type', 'binary', '--data', 'MSFT_IPTV', corpusPath('default.hv')]);
    expect(vendor.stdout).toContain('\\DhcpSendOptions\\60 = hex:3c,09,4d,53,46,54,5f,49,50,54,56 (as Latin-1 text)\n');
    const pacific = runCli(['find', '--data', 'Pacific', corpusPath('default.hv')]);
    // This hive holds the name as REG_SZ only (its TZI values are numbers): no binary match, none invented.
    expect(pacific.stdout).toBe(`${corpusPath('default.hv')}: HKEY_LOCAL_MACHINE\\Time Zones\\Default = "Pacific Standard Time"\n`);
  });
});
