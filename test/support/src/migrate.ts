/**
 * What the tests of `migrate` share (its single-hive form in cli-migrate.test.ts, its
 * folder form in cli-migrate-folders.test.ts): the report's JSON schema, and the two
 * hives each scenario starts from, built with hivetool itself from the corpus ROM set.
 * - a new image's ROM hive: the corpus hive dumped, changes applied, another signature;
 * - a device's persistent hive: changes built over a corpus ROM hive with `--rom`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { REPO_ROOT, corpusPath, type CorpusFile } from './corpus.js';
import { runCli } from './cli.js';

/** The ROM signature of every new image the migrate tests build (the corpus's is another). */
export const NEW_ROM_SIGNATURE = '00112233445566778899aabbccddeeff';

let validator: ValidateFunction | undefined;

/** Whether `report` follows docs/schemas/migrate.schema.json (the validator is compiled once). */
export function validMigrateReport(report: unknown): boolean {
  validator ??= new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(join(REPO_ROOT, 'docs/schemas/migrate.schema.json'), 'utf8')) as object);
  return validator(report);
}

/** Writes `text` to `folder/name`; its path. */
function writeText(folder: string, name: string, text: string): string {
  const path = join(folder, name);
  writeFileSync(path, new TextEncoder().encode(text));
  return path;
}

/** hivetool ARGS, which must succeed. */
function mustRun(args: string[]): string {
  const result = runCli(args);
  if (result.status !== 0) throw new Error(`hivetool ${args.join(' ')}: exit ${String(result.status)}: ${result.stderr}`);
  return result.stdout;
}

/**
 * A new image's ROM hive at `out`: the corpus `hive` dumped to `.reg`, `changes` (`.reg`
 * text) applied after it, built with the signature NEW_ROM_SIGNATURE. The `.reg` files
 * are written in `work` (named after `out`).
 */
export function buildNewRom(work: string, hive: CorpusFile, changes: string, out: string): string {
  const stem = out.replace(/^.*[\\/]/, '').replace(/\.hv$/, '');
  const dump = writeText(work, `${stem}-dump.reg`, mustRun(['dump', corpusPath(hive)]));
  const change = writeText(work, `${stem}-changes.reg`, changes);
  mustRun(['build', dump, change, '--rom-signature', NEW_ROM_SIGNATURE, '-o', out]);
  return out;
}

/** A device's persistent hive at `out`: `changes` (`.reg` text, written in `work`) built over the corpus ROM hive `rom`. */
export function buildDeviceHive(work: string, rom: CorpusFile, changes: string, out: string): string {
  const stem = out.replace(/^.*[\\/]/, '').replace(/\.hv$/, '');
  const reg = writeText(work, `${stem}-device.reg`, changes);
  mustRun(['build', '--rom', corpusPath(rom), reg, '-o', out]);
  return out;
}
