/**
 * What `npm pack` puts in each package's tarball is consistent: a LICENSE and a README,
 * every file `package.json` points at, and every source map's sources (the maps point at
 * `../src/*.ts`, so `src` is published with `dist`; the command line's bundle embeds its
 * sources in its maps). The command line's tarball holds the bundle its binary runs.
 */
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { REPO_ROOT } from '@hivetool/test-support';

// Every published workspace under packages/ (all of them: none is private).
const PACKAGES = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces
  .filter((workspace) => workspace.startsWith('packages/'))
  .map((workspace) => workspace.slice('packages/'.length));

interface PackageJson {
  name: string;
  license: string;
  main?: string;
  types?: string;
  bin?: Record<string, string>;
  exports: Record<string, { types: string; default: string }>;
}

let packs: Map<string, string[]> | undefined;

/**
 * The file list of the package's tarball, from `npm pack --dry-run --json`: one run of
 * npm for every package (`-w` once per package), made by the first test that asks.
 */
function tarballFiles(name: string): string[] {
  if (packs === undefined) {
    const result = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts', ...PACKAGES.flatMap((each) => ['-w', `packages/${each}`])], { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect(result.status).toBe(0);
    const listed = JSON.parse(result.stdout) as Array<{ name: string; files: Array<{ path: string }> }>;
    packs = new Map(listed.map((pack) => [pack.name, pack.files.map((file) => file.path)]));
  }
  const packageName = (JSON.parse(readFileSync(join(REPO_ROOT, 'packages', name, 'package.json'), 'utf8')) as { name: string }).name;
  const files = packs.get(packageName);
  expect([name, files !== undefined]).toEqual([name, true]);
  return files!;
}

describe.each(PACKAGES)('the %s tarball', (name) => {
  const root = join(REPO_ROOT, 'packages', name);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson;
  let files: Set<string>;
  const packed = (): Set<string> => (files ??= new Set(tarballFiles(name)));

  test('holds an MIT LICENSE and a README naming the package', () => {
    expect(pkg.license).toBe('MIT');
    expect(packed().has('LICENSE')).toBe(true);
    expect(readFileSync(join(root, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} hivetool contributors\n/);
    expect(packed().has('README.md')).toBe(true);
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toMatch(new RegExp(`^# ${pkg.name.replace('/', '\\/')}\\n`));
  });

  test('holds every file package.json points at, and no tests', () => {
    const targets = [pkg.main, pkg.types, ...Object.values(pkg.bin ?? {}), ...Object.values(pkg.exports).flatMap((entry) => [entry.types, entry.default])];
    for (const target of targets) if (target !== undefined) expect([target, packed().has(normalize(target))]).toEqual([target, true]);
    expect([...packed()].filter((path) => /\.test\.|tsbuildinfo|dist-test\//.test(path))).toEqual([]);
  });

  test('every source map points at sources in the tarball, or holds their text', () => {
    const maps = [...packed()].filter((path) => path.endsWith('.map'));
    // The viewer publishes its bundled page only (no maps); every library ships maps.
    if (pkg.main !== undefined) expect(maps.length).toBeGreaterThan(0);
    const missing: string[] = [];
    for (const map of maps) {
      const { sources, sourcesContent } = JSON.parse(readFileSync(join(root, map), 'utf8')) as { sources: string[]; sourcesContent?: Array<string | null> };
      for (const [index, source] of sources.entries()) {
        const path = normalize(join(dirname(map), source));
        if (!packed().has(path) && typeof sourcesContent?.[index] !== 'string') missing.push(`${map} → ${path}`);
      }
    }
    expect(missing).toEqual([]);
  });

  if (pkg.bin !== undefined) {
    test('holds the bundle the binary runs, every file of it (packages/cli/build.mjs)', () => {
      const bundle = readdirSync(join(root, 'bundle')).map((file) => `bundle/${file}`);
      for (const entry of ['bundle/main.js', 'bundle/batchWorker.js', 'bundle/dumpWorker.js', 'bundle/carveWorker.js', 'bundle/mediaWorker.js']) expect(bundle).toContain(entry);
      expect(bundle.filter((file) => !packed().has(file))).toEqual([]);
    });
  }
});
