/**
 * Deterministic synthetic hives for benchmarks, shaped like a large device registry:
 * about 3 values per key, names of 6–20 characters, a mix of DWORD, string, binary and
 * multi-string data, keys nested up to about eight levels. A 64 MiB hive holds about
 * 240 000 keys and 720 000 values.
 */
import { encodeHive, type HiveTree, type TreeKey, type TreeValue } from '@hivetool/hive';
import { ValueType, encodeUtf16 } from '@hivetool/registry';
import { prng } from '@hivetool/test-support';

const WORDS = ['Driver', 'Config', 'Display', 'Serial', 'Audio', 'Network', 'Power', 'Storage', 'Input', 'Shell', 'Security', 'Cache', 'Profile', 'Service', 'Device', 'Class'];

export function generateTree(targetBytes: number, seed = 1): { tree: HiveTree; keys: number; values: number } {
  const random = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const name = (index: number): string => pick(WORDS) + (random() < 0.5 ? pick(WORDS) : '') + index.toString(36);
  const top: TreeKey[] = [];
  // Breadth-first: each key gets 0–8 children until the size target is reached.
  const queue: Array<{ key: TreeKey; depth: number }> = [];
  let bytes = 0x5000;
  let keys = 0;
  let values = 0;
  const makeValue = (index: number): TreeValue => {
    const roll = random();
    const valueName = name(index);
    let type: number;
    let data: Uint8Array;
    if (roll < 0.45) {
      type = ValueType.DWORD;
      data = Uint8Array.of(index & 0xff, (index >>> 8) & 0xff, 0, 0);
    } else if (roll < 0.85) {
      type = ValueType.SZ;
      data = encodeUtf16(`${pick(WORDS)}\\${pick(WORDS)}${index}.dll\0`);
    } else if (roll < 0.95) {
      type = ValueType.BINARY;
      data = Uint8Array.from({ length: 8 + Math.floor(random() * 40) }, (_, i) => (i * 31 + index) & 0xff);
    } else {
      type = ValueType.MULTI_SZ;
      data = encodeUtf16(`${pick(WORDS)}\0${pick(WORDS)}${index}\0\0`);
    }
    bytes += 12 + ((10 + 2 * valueName.length + data.length + 2 + 3) & ~3);
    return { name: valueName, type, data };
  };
  const makeKey = (depth: number): TreeKey => {
    const key: TreeKey = { name: name(keys), values: [], subkeys: [] };
    keys++;
    bytes += 12 + ((16 + 2 * key.name.length + 3) & ~3);
    const valueCount = Math.floor(random() * 7); // 0–6, 3 on average
    for (let i = 0; i < valueCount; i++) key.values!.push(makeValue(values++));
    queue.push({ key, depth });
    return key;
  };
  for (let i = 0; i < 64; i++) top.push(makeKey(1));
  // Section tables: one 4 KiB table per 1024 records.
  const full = (): boolean => bytes + Math.ceil((keys + values) / 1024) * 4120 >= targetBytes;
  for (let head = 0; head < queue.length && !full(); head++) {
    const { key, depth } = queue[head]!;
    const children = depth >= 8 ? 0 : Math.floor(random() * 9);
    for (let i = 0; i < children && !full(); i++) key.subkeys!.push(makeKey(depth + 1));
  }
  return { tree: { roots: { 2: top } }, keys, values };
}

export function generateHive(targetBytes: number, seed = 1): { bytes: Uint8Array; keys: number; values: number } {
  const { tree, keys, values } = generateTree(targetBytes, seed);
  return { bytes: encodeHive(tree, { romSignature: new TextEncoder().encode('hivetool-bench!!') }), keys, values };
}
