/**
 * The codec packages run unchanged in browsers: they import no Node built-in, use no Node
 * global, and depend only on the packages named here. Checked on the built output.
 */
import { describe, expect, test } from '@jest/globals';
import { readFileSync, readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { REPO_ROOT } from '@hivetool/test-support';

const CODECS: Record<string, string[]> = {
  registry: ['re2js'],
  hive: ['@hivetool/registry', '@noble/hashes'],
  image: ['@hivetool/registry', '@noble/hashes', 'crc'],
  boot: ['@hivetool/registry', '@hivetool/hive'],
  compile: ['@hivetool/registry', '@hivetool/hive', '@noble/hashes'],
  forensics: ['@hivetool/hive', '@hivetool/registry'],
  media: ['@hivetool/forensics', '@hivetool/hive'],
};

function jsFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[]).filter((name) => name.endsWith('.js')).map((name) => join(dir, name));
}

describe.each(Object.entries(CODECS))('@hivetool/%s', (name, allowed) => {
  const root = join(REPO_ROOT, 'packages', name);

  test('imports only its declared dependencies, and no Node built-in', () => {
    const files = jsFiles(join(root, 'dist'));
    expect(files.length).toBeGreaterThan(3);
    const specifiers = new Set<string>();
    for (const file of files) {
      for (const match of readFileSync(file, 'utf8').matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
        specifiers.add((match[1] ?? match[2])!);
      }
    }
    const external = [...specifiers].filter((spec) => !spec.startsWith('.'));
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    expect(external.filter((spec) => builtins.has(spec) || spec.startsWith('node:'))).toEqual([]);
    const packages = new Set(external.map((spec) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!)));
    expect([...packages].sort()).toEqual([...allowed].sort());
  });

  test('uses no Node global (Buffer, process, require)', () => {
    for (const file of jsFiles(join(root, 'dist'))) {
      const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      expect([file, /\b(Buffer|process|require|__dirname)\b/.test(code)]).toEqual([file, false]);
    }
  });

  test('package.json: ESM, exports with types, runtime dependencies as used', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { type: string; exports: Record<string, { types: string; default: string }>; dependencies?: Record<string, string>; sideEffects: boolean };
    expect(pkg.type).toBe('module');
    expect(pkg.sideEffects).toBe(false);
    expect(pkg.exports['.']).toEqual({ types: './dist/index.d.ts', default: './dist/index.js' });
    expect(Object.keys(pkg.dependencies ?? {}).sort()).toEqual([...allowed].sort());
  });
});

describe('@hivetool/viewer', () => {
  const root = join(REPO_ROOT, 'packages', 'viewer');

  test('the page and its worker import only the codec packages, no Node built-in or global', () => {
    const files = jsFiles(join(root, 'dist'));
    expect(files.length).toBeGreaterThan(3);
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    for (const file of files) {
      const code = readFileSync(file, 'utf8');
      for (const match of code.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]/g)) {
        const spec = match[1]!;
        expect([file, spec, spec.startsWith('.') || ['@hivetool/forensics', '@hivetool/hive', '@hivetool/hive/layout', '@hivetool/image', '@hivetool/registry', '@hivetool/registry/find'].includes(spec) || builtins.has(spec)]).toEqual([file, spec, true]);
        expect([file, spec, builtins.has(spec)]).toEqual([file, spec, false]);
      }
      expect([file, /\b(Buffer|process|require|__dirname)\b/.test(code.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ''))]).toEqual([file, false]);
    }
  });

  test('package.json: ESM; codecs and bundler are build-time only (the app is self-contained)', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { type: string; dependencies?: Record<string, string>; devDependencies: Record<string, string>; files: string[] };
    expect(pkg.type).toBe('module');
    expect(pkg.dependencies).toBeUndefined();
    expect(Object.keys(pkg.devDependencies).sort()).toEqual(['@hivetool/forensics', '@hivetool/hive', '@hivetool/image', '@hivetool/registry', 'esbuild']);
    expect(pkg.files).toEqual(['app', 'README.md', 'LICENSE']);
  });
});
