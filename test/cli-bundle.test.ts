/**
 * The binary runs the bundled command line (packages/cli/build.mjs → packages/cli/bundle),
 * not dist/: the root build scripts make it after `tsc --build`, and what only a bundle can
 * get wrong works through the binary: the worker-thread scripts (found beside the chunk
 * that names them), files found from the package (its version, the viewer app), and the
 * source maps, chained through tsc's to the TypeScript sources.
 */
import { describe, expect, test } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { HIVETOOL_BIN, REPO_ROOT, runCliInProcess, runCliProcess } from '@hivetool/test-support';
import { scratchDirectory } from '@hivetool/test-support/scratch';

const CLI = join(REPO_ROOT, 'packages/cli');
const BUNDLE = join(CLI, 'bundle');
const ENTRIES = ['main.js', 'batchWorker.js', 'dumpWorker.js', 'carveWorker.js', 'mediaWorker.js'];
const SAMPLE = 'samples/device.hv';
const OTHER = 'samples/multi-section.hv';
const scratch = scratchDirectory('hivetool-bundle-');

interface SourceMap {
  sources: string[];
  sourcesContent?: Array<string | null>;
}

describe('the binary runs the bundle', () => {
  test('bin/hivetool.js imports bundle/main.js, which is built from the current dist/', () => {
    expect(readFileSync(join(CLI, 'bin/hivetool.js'), 'utf8')).toMatch(/^import \{ main \} from '\.\.\/bundle\/main\.js';$/m);
    for (const entry of ENTRIES) expect([entry, existsSync(join(BUNDLE, entry))]).toEqual([entry, true]);
    expect(statSync(join(BUNDLE, 'main.js')).mtimeMs).toBeGreaterThanOrEqual(statSync(join(CLI, 'dist/main.js')).mtimeMs);
  });

  test('--version prints the package version, from any working directory', () => {
    const { version } = JSON.parse(readFileSync(join(CLI, 'package.json'), 'utf8')) as { version: string };
    for (const cwd of [REPO_ROOT, tmpdir()]) {
      const result = runCliProcess(['--version'], { cwd });
      expect([cwd, result.status, result.stdout]).toEqual([cwd, 0, `${version}\n`]);
    }
    expect(runCliInProcess(['-V']).stdout).toBe(`${version}\n`);
  });

  test('the root build, prepare and pretest scripts bundle after tsc', () => {
    const { scripts } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    for (const name of ['build', 'prepare', 'pretest']) {
      const steps = scripts[name]!.split('&&').map((step) => step.trim());
      const tsc = steps.indexOf('tsc --build');
      expect([name, tsc >= 0, steps.indexOf('node packages/cli/build.mjs') > tsc]).toEqual([name, true, true]);
    }
  });
});

describe('a build of the bundle', () => {
  test('holds the entry and the two workers, every chunk with a linked source map naming the TypeScript sources; the command line\'s npm dependencies stay outside, the licences of bundled ones go with it', () => {
    const out = join(scratch.path, 'bundle');
    const build = spawnSync(process.execPath, [join(CLI, 'build.mjs'), out], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect([build.status, build.stderr]).toEqual([0, '']);
    const files = readdirSync(out);
    for (const entry of ENTRIES) expect([entry, files.includes(entry)]).toEqual([entry, true]);
    const scripts = files.filter((file) => file.endsWith('.js'));
    const sources = new Set<string>();
    const imported = new Set<string>();
    for (const script of scripts) {
      const code = readFileSync(join(out, script), 'utf8');
      expect([script, code.endsWith(`//# sourceMappingURL=${script}.map\n`)]).toEqual([script, true]);
      for (const match of code.matchAll(/^(?:import|export)\b[^;]*?\bfrom "([^"]+)";$|^import "([^"]+)";$|\bimport\("([^"]+)"\)/gm)) imported.add(match[1] ?? match[2] ?? match[3]!);
      const map = JSON.parse(readFileSync(join(out, `${script}.map`), 'utf8')) as SourceMap;
      // Every source's text is in the map: the sources of the other packages are not published with this one.
      expect([script, map.sourcesContent?.length, map.sourcesContent?.every((text) => typeof text === 'string')]).toEqual([script, map.sources.length, true]);
      for (const source of map.sources) sources.add(resolve(out, source));
    }
    // tsc's maps were followed: the sources are the .ts files, of the command line and of the libraries.
    expect(sources).toContain(join(CLI, 'src/main.ts'));
    expect(sources).toContain(join(CLI, 'src/dumpWorker.ts'));
    expect(sources).toContain(join(REPO_ROOT, 'packages/hive/src/reader.ts'));
    expect([...sources].filter((source) => source.endsWith('.js') && !source.includes('/node_modules/'))).toEqual([]);
    // The workspace packages are inside, and the npm packages they import; the command
    // line's own npm dependencies are loaded from node_modules, and nothing else is.
    const packageName = (specifier: string): string => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
    const packages = [...imported].filter((specifier) => !specifier.startsWith('.') && !isBuiltin(specifier)).map(packageName);
    expect(packages).toContain('re2js');
    const { dependencies } = JSON.parse(readFileSync(join(CLI, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(packages.filter((name) => dependencies[name] === undefined || name.startsWith('@hivetool/'))).toEqual([]);
    const bundled = new Set([...sources].map((source) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(source)?.[1]).filter((name) => name !== undefined));
    expect(bundled).toContain('@noble/hashes');
    expect([...bundled].filter((name) => dependencies[name] !== undefined)).toEqual([]);
    // Each bundled package's licence goes with the bundle.
    const licences = readFileSync(join(out, 'THIRD-PARTY-LICENSES.txt'), 'utf8');
    for (const name of bundled) {
      const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string };
      expect(licences).toContain(`\n${name} ${version} (MIT)\n\nThe MIT License (MIT)\n\nCopyright `);
    }
  });

  test('the same files, byte for byte, whatever folder the build runs from (npm pack builds from the package)', () => {
    const fromRoot = join(scratch.path, 'from-root');
    const fromPackage = join(scratch.path, 'from-package');
    for (const [out, cwd] of [[fromRoot, REPO_ROOT], [fromPackage, CLI]] as const) {
      const build = spawnSync(process.execPath, [join(CLI, 'build.mjs'), out], { cwd, encoding: 'utf8' });
      expect([build.status, build.stderr]).toEqual([0, '']);
    }
    const files = readdirSync(fromRoot).sort();
    expect(readdirSync(fromPackage).sort()).toEqual(files);
    for (const file of files) {
      const a = readFileSync(join(fromRoot, file));
      const b = readFileSync(join(fromPackage, file));
      // A map names its sources relative to where it is; the two folders sit side by side.
      expect([file, file.endsWith('.map') || a.equals(b)]).toEqual([file, true]);
    }
  });
});

describe('through the binary', () => {
  test('dump, info, verify and find --jobs 2 (worker threads) print what one thread in this process prints', () => {
    for (const args of [
      ['dump', SAMPLE, OTHER],
      ['dump', '-f', 'json', SAMPLE, OTHER],
      ['info', '--json', SAMPLE, OTHER],
      ['verify', '--json', SAMPLE, OTHER],
      ['find', 'drivers', SAMPLE, OTHER],
    ]) {
      const threads = runCliProcess([...args, '--jobs', '2']);
      const one = runCliInProcess(args);
      expect([args.join(' '), threads.status]).toEqual([args.join(' '), one.status]);
      expect(threads.stdout).toBe(one.stdout);
      expect(threads.stderr).toBe(one.stderr);
    }
  });

  test('dump -o of an input over 1 MiB (written on the dump worker thread) writes what dump to stdout prints', async () => {
    const { generateHive } = (await import(join(REPO_ROOT, 'bench/dist/generate.js'))) as { generateHive(targetBytes: number): { bytes: Uint8Array } };
    const big = join(scratch.path, 'big.hv');
    writeFileSync(big, generateHive(2 * 1024 * 1024).bytes);
    for (const format of ['reg', 'json']) {
      const output = join(scratch.path, `big.${format}`);
      const written = runCliProcess(['dump', '-f', format, '-o', output, big]);
      expect([format, written.status, written.stdout]).toEqual([format, 0, '']);
      const printed = runCliInProcess(['dump', '-f', format, big]);
      expect(printed.status).toBe(0);
      expect(readFileSync(output, 'utf8') === printed.stdout).toBe(true);
    }
  });

  test('an internal error prints its stack; under --enable-source-maps it names the TypeScript source lines', () => {
    // A bug planted before hivetool starts: opening the sample throws a TypeError.
    const plant = join(scratch.path, 'plant-bug.mjs');
    writeFileSync(
      plant,
      "import fs from 'node:fs';\nimport { syncBuiltinESMExports } from 'node:module';\nconst open = fs.openSync;\n" +
        "fs.openSync = (path, ...rest) => { if (String(path).endsWith('device.hv')) throw new TypeError('planted bug'); return open(path, ...rest); };\nsyncBuiltinESMExports();\n",
    );
    const plain = spawnSync(process.execPath, ['--import', plant, HIVETOOL_BIN, 'info', SAMPLE], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(plain.status).toBe(70);
    expect(plain.stderr).toMatch(/^hivetool: internal error \(please report it with the input that caused it\):\n.*TypeError: planted bug\n/);
    expect(plain.stderr).toMatch(/at readInputFile \(file:\/\/.*\/packages\/cli\/bundle\/[\w-]+\.js:\d+:\d+\)/);
    const mapped = spawnSync(process.execPath, ['--enable-source-maps', '--import', plant, HIVETOOL_BIN, 'info', SAMPLE], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(mapped.status).toBe(70);
    const line = /at readInputFile \((?<file>[^:]+):(?<line>\d+):\d+\)/.exec(mapped.stderr)?.groups;
    expect(line?.['file']).toBe(join(CLI, 'src/input.ts'));
    expect(readFileSync(join(CLI, 'src/input.ts'), 'utf8').split('\n')[Number(line?.['line']) - 1]).toMatch(/openSync\(/);
  });

  test('view serves the viewer app and the files until interrupted', async () => {
    const app = join(REPO_ROOT, 'packages/viewer/app/index.html');
    if (!existsSync(app)) throw new Error('the viewer is not built (npm run build)');
    const child = spawn(process.execPath, [HIVETOOL_BIN, 'view', '--json', SAMPLE], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const ended = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    try {
      while (!stdout.includes('\n')) {
        if (child.exitCode !== null) throw new Error(`view ended (${child.exitCode}): ${stderr}`);
        await new Promise((wait) => setTimeout(wait, 10));
      }
      const { url, files } = JSON.parse(stdout.split('\n')[0]!) as { url: string; files: string[] };
      expect(files).toEqual(['device.hv']);
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toBe(readFileSync(app, 'utf8'));
      const file = await fetch(new URL('files/0', url));
      expect(Buffer.from(await file.arrayBuffer()).equals(readFileSync(join(REPO_ROOT, SAMPLE)))).toBe(true);
    } finally {
      child.kill('SIGINT');
    }
    expect(await ended).toBe(130);
    expect(stderr).toBe('');
  });
});
