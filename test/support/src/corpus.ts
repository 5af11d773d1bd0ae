import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is test/support/dist/corpus.js once built). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * The real hives live beside the checkout in ../shared/corpus (never in this repository);
 * HIVETOOL_CORPUS overrides the location.
 */
export const CORPUS_DIR = process.env['HIVETOOL_CORPUS'] ?? resolve(REPO_ROOT, '../shared/corpus/ce6-mediaroom');

export const CORPUS_FILES = ['boot.hv', 'default.hv', 'user.hv'] as const;
export type CorpusFile = (typeof CORPUS_FILES)[number];

export const corpusAvailable: boolean = CORPUS_FILES.every((name) => existsSync(join(CORPUS_DIR, name)));

export function corpusPath(name: CorpusFile): string {
  return join(CORPUS_DIR, name);
}

/** The bytes of a corpus file, as a fresh Uint8Array (tests may mutate their copy). */
export function corpusBytes(name: CorpusFile): Uint8Array {
  return new Uint8Array(readFileSync(corpusPath(name)));
}

let warned = false;

/**
 * `describe` when the corpus is present, otherwise `describe.skip` with a message on
 * stderr saying which tests were skipped and why.
 */
export function describeCorpus(describe: { (name: string, fn: () => void): void; skip(name: string, fn: () => void): void }): (name: string, fn: () => void) => void {
  if (corpusAvailable) return describe;
  return (name, fn) => {
    if (!warned) {
      process.stderr.write(`\n[hivetool tests] corpus not found at ${CORPUS_DIR}: tests on real hives are SKIPPED\n`);
      warned = true;
    }
    describe.skip(`${name} (SKIPPED: corpus not found)`, fn);
  };
}

/** Section 12 of the format guide: facts about the corpus, for tests. */
export const CORPUS_FACTS: Record<CorpusFile, { bytes: number; sections: number; keys: number; values: number; types: Record<number, number>; roots: Record<number, number> }> = {
  'boot.hv': { bytes: 53248, sections: 1, keys: 105, values: 364, types: { 1: 123, 4: 223, 7: 18 }, roots: { 2: 0x200001d4 } },
  'default.hv': { bytes: 266240, sections: 4, keys: 955, values: 2703, types: { 1: 1116, 3: 95, 4: 1171, 7: 63, 21: 258 }, roots: { 0: 0x20000331, 2: 0x20000e49 } },
  'user.hv': { bytes: 32768, sections: 1, keys: 37, values: 55, types: { 1: 39, 3: 2, 4: 14 }, roots: { 1: 0x2000005b } },
};

export const CORPUS_SIGNATURE = '6e950daec1672852a98cf772c09550c9';
export const CORPUS_VIRTBASE = 0x00655000;

/**
 * Real registry sources (Microsoft's CE 6 common.reg and BSP platform.reg trees) beside
 * the checkout in ../shared/corpus/platform-reg; HIVETOOL_PLATFORM_REG overrides it.
 */
export const PLATFORM_REG_DIR = process.env['HIVETOOL_PLATFORM_REG'] ?? resolve(REPO_ROOT, '../shared/corpus/platform-reg');

export const platformRegAvailable: boolean = ['ce6-emulator/common.reg', 'tenbyten6410/platform.reg', 'ti-omap35xx/FILES/platform.reg'].every((name) => existsSync(join(PLATFORM_REG_DIR, name)));

/** `describe` when the registry sources are present, otherwise a visible `describe.skip`. */
export function describePlatformReg(describe: { (name: string, fn: () => void): void; skip(name: string, fn: () => void): void }): (name: string, fn: () => void) => void {
  if (platformRegAvailable) return describe;
  return (name, fn) => {
    process.stderr.write(`\n[hivetool tests] registry sources not found at ${PLATFORM_REG_DIR}: "${name}" is SKIPPED\n`);
    describe.skip(`${name} (SKIPPED: registry sources not found)`, fn);
  };
}
