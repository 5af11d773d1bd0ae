/**
 * Builds the sample hives in samples/ with the project's writer. Run with
 * `npm run samples`; the output is deterministic, so a rebuild changes no bytes.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeHive, KeyFlags, type HiveTree, type TreeKey } from '@hivetool/hive';
import { ValueType, encodeUtf16 } from '@hivetool/registry';

const SAMPLES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../samples');

/** ROM signature and volume GUID of every sample: fixed, so the files are reproducible. */
export const SAMPLE_ROM_SIGNATURE = new TextEncoder().encode('hivetool-sample!');
export const SAMPLE_VOLUME_GUID = new TextEncoder().encode('hivetool-volume!');

const sz = (text: string): Uint8Array => encodeUtf16(text + '\0');
const multi = (...items: string[]): Uint8Array => encodeUtf16(items.map((item) => item + '\0').join('') + '\0');
const dword = (value: number): Uint8Array => Uint8Array.of(value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, value >>> 24);
const dwordBigEndian = (value: number): Uint8Array => Uint8Array.of(value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff);

/** A small device registry with every value type, a volatile key and a default value. */
function deviceTree(): HiveTree {
  const hklm: TreeKey[] = [
    {
      name: 'init',
      subkeys: [
        {
          name: 'BootVars',
          values: [
            { name: 'SYSTEMHIVE', type: ValueType.SZ, data: sz('Documents and Settings\\system.hv') },
            { name: 'PROFILEDIR', type: ValueType.SZ, data: sz('Documents and Settings') },
            { name: 'Start DevMgr', type: ValueType.DWORD, data: dword(1) },
            { name: 'RegistryFlags', type: ValueType.DWORD, data: dword(1) },
            { name: 'DefaultUser', type: ValueType.SZ, data: sz('default') },
          ],
        },
      ],
      values: [
        { name: 'Launch10', type: ValueType.SZ, data: sz('shell.exe') },
        { name: 'Depend20', type: ValueType.BINARY, data: Uint8Array.of(0x0a, 0x00) },
      ],
    },
    {
      name: 'Drivers',
      values: [{ name: 'RootKey', type: ValueType.SZ, data: sz('Drivers\\BuiltIn') }],
      subkeys: [
        {
          name: 'BuiltIn',
          subkeys: [
            {
              name: 'Serial',
              values: [
                { name: 'Dll', type: ValueType.SZ, data: sz('serial.dll') },
                { name: 'Prefix', type: ValueType.SZ, data: sz('COM') },
                { name: 'Index', type: ValueType.DWORD, data: dword(1) },
                { name: 'IClass', type: ValueType.MULTI_SZ, data: multi('{CC5195AC-BA49-48a0-BE17-DF6D1B0173DD}', '{A32942B7-920C-486b-B0E6-92A702A99B35}') },
              ],
            },
            {
              name: 'Display',
              values: [
                { name: 'Dll', type: ValueType.SZ, data: sz('ddi.dll') },
                { name: 'Default', type: ValueType.SZ, data: sz('Display driver') },
                { name: 'FriendlyName', type: ValueType.MUI_SZ, data: sz('ddi.dll,#1001') },
              ],
            },
          ],
        },
        // Volatile: its children are not persisted, so the writer stores none.
        { name: 'Active', flags: KeyFlags.VOLATILE },
      ],
    },
    {
      name: 'nls',
      values: [{ name: 'DefaultLCID', type: ValueType.DWORD, data: dword(0x409) }],
    },
    {
      name: 'Samples',
      values: [
        { name: 'None', type: ValueType.NONE, data: new Uint8Array(0) },
        { name: 'String', type: ValueType.SZ, data: sz('plain "quoted" \\ text') },
        { name: 'Expand', type: ValueType.EXPAND_SZ, data: sz('%windir%\\temp') },
        { name: 'Binary', type: ValueType.BINARY, data: Uint8Array.from({ length: 40 }, (_, i) => (i * 37) & 0xff) },
        { name: 'Dword', type: ValueType.DWORD, data: dword(0xdeadbeef) },
        { name: 'DwordBigEndian', type: ValueType.DWORD_BIG_ENDIAN, data: dwordBigEndian(0x12345678) },
        { name: 'Link', type: ValueType.LINK, data: sz('\\Registry\\Machine\\Samples') },
        { name: 'MultiString', type: ValueType.MULTI_SZ, data: multi('first', 'second', 'third') },
        { name: 'ResourceList', type: ValueType.RESOURCE_LIST, data: Uint8Array.of(1, 0, 0, 0) },
        { name: 'Qword', type: ValueType.QWORD, data: Uint8Array.of(0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01) },
        { name: 'MuiString', type: ValueType.MUI_SZ, data: sz('urlmon.dll,#9008') },
        { name: 'UnknownType', type: 0x42, data: Uint8Array.of(1, 2, 3) },
        { name: 'Empty', type: ValueType.SZ, data: sz('') },
        { name: 'Ünïcødé 名前 😀', type: ValueType.SZ, data: sz('astral 😀 and BMP ✓') },
      ],
    },
  ];
  const hkcu: TreeKey[] = [
    { name: 'MUI', values: [{ name: 'CurLang', type: ValueType.DWORD, data: dword(0x409) }] },
    { name: 'ControlPanel', subkeys: [{ name: 'Volume', values: [{ name: 'Volume', type: ValueType.DWORD, data: dword(0xffffffff) }] }] },
  ];
  const hkcr: TreeKey[] = [{ name: '.txt', values: [{ name: 'Default', type: ValueType.SZ, data: sz('txtfile') }] }];
  return { roots: { 0: hkcr, 1: hkcu, 2: hklm } };
}

/** More than 1024 records, so the hive has several sections. */
function multiSectionTree(): HiveTree {
  const keys: TreeKey[] = [];
  for (let i = 0; i < 700; i++) {
    const name = `Item${String(i).padStart(4, '0')}`;
    keys.push({ name, values: [{ name: 'Index', type: ValueType.DWORD, data: dword(i) }, { name: 'Label', type: ValueType.SZ, data: sz(`item number ${i}`) }] });
  }
  return { roots: { 2: [{ name: 'Software', subkeys: [{ name: 'Sample', subkeys: keys }] }] } };
}

export const SAMPLES: Record<string, () => HiveTree> = {
  'device.hv': deviceTree,
  'multi-section.hv': multiSectionTree,
};

/**
 * Writes the samples, or with `--check` compares them with the committed files and
 * exits 1 if any differs (the samples test runs this).
 */
function main(args: string[]): number {
  const check = args.includes('--check');
  let stale = 0;
  mkdirSync(SAMPLES_DIR, { recursive: true });
  for (const [file, build] of Object.entries(SAMPLES)) {
    const bytes = encodeHive(build(), { romSignature: SAMPLE_ROM_SIGNATURE, volumeGuid: SAMPLE_VOLUME_GUID, virtbase: 0x00655000 });
    const target = join(SAMPLES_DIR, file);
    if (check) {
      const committed = existsSync(target) ? new Uint8Array(readFileSync(target)) : new Uint8Array(0);
      if (committed.length !== bytes.length || committed.some((byte, i) => byte !== bytes[i])) {
        process.stderr.write(`${target} differs from what tools/make-samples builds: run npm run samples\n`);
        stale++;
      }
      continue;
    }
    writeFileSync(target, bytes);
    process.stdout.write(`${target}: ${bytes.length} bytes\n`);
  }
  return stale === 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
