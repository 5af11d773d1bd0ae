/** The project's generated benchmark hives, built once and kept in bench/out. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateHive } from './generate.js';

const OUT = resolve(dirname(fileURLToPath(import.meta.url)), '../out');
const MiB = 1024 * 1024;

/** A generated hive, built once and kept in bench/out (deterministic: same bytes every time). */
export function benchHive(mebibytes: number): { file: string; keys: number; values: number } {
  mkdirSync(OUT, { recursive: true });
  const file = join(OUT, `generated-${mebibytes}mib.hv`);
  const meta = `${file}.json`;
  if (existsSync(file) && existsSync(meta)) return { file, ...(JSON.parse(readFileSync(meta, 'utf8')) as { keys: number; values: number }) };
  process.stderr.write(`generating ${file}…\n`);
  const { bytes, keys, values } = generateHive(mebibytes * MiB);
  writeFileSync(file, bytes);
  writeFileSync(meta, JSON.stringify({ keys, values, bytes: bytes.length }));
  return { file, keys, values };
}
