/**
 * Bundles the command line into packages/cli/bundle, the code bin/hivetool.js runs: the
 * compiled entry (dist/main.js, so run after `tsc --build`) and the worker-thread
 * scripts, with the workspace packages they import, split into shared chunks. Start-up
 * then reads a few files instead of about eighty modules; each command's code stays in a
 * chunk of its own, loaded only when that command runs (main.ts imports it lazily). The
 * package's library entry stays dist/main.js.
 *
 * The command line's own npm dependencies (package.json) stay outside, loaded from
 * node_modules as before: yargs, cli-progress and tinyglobby are loaded through
 * createRequire anyway (yargs's CommonJS build on purpose, the other two on first use),
 * and re2js, imported by `find` only, gains nothing measurable from being bundled
 * (docs/PERFORMANCE.md). The libraries' dependencies (@noble/hashes, crc) are bundled
 * with the libraries: loading them from node_modules costs about 5 % of a start-up. Their
 * licences go beside the bundle, in THIRD-PARTY-LICENSES.txt.
 *
 * The source maps are chained through tsc's, so they name the TypeScript sources; the
 * sources are embedded in them, since the other packages' are not in this package.
 *
 * `node build.mjs [OUTDIR]`: OUTDIR (default packages/cli/bundle) is emptied first, since
 * chunk names carry a content hash and an earlier build's files would stay behind.
 */
import { build } from 'esbuild';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const { dependencies } = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8'));

/** Builds the bundle into `outdir`; returns esbuild's metafile. */
export async function buildCli(outdir = join(here, 'bundle')) {
  rmSync(outdir, { recursive: true, force: true });
  const result = await build({
    entryPoints: {
      main: join(here, 'dist/main.js'),
      // The worker-thread scripts sit beside the chunk of workers.ts, which names them.
      batchWorker: join(here, 'dist/batchWorker.js'),
      dumpWorker: join(here, 'dist/dumpWorker.js'),
      carveWorker: join(here, 'dist/carveWorker.js'),
      mediaWorker: join(here, 'dist/mediaWorker.js'),
    },
    // Paths (and so the chunks' content hashes) relative to this package, wherever the build runs from.
    absWorkingDir: here,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir,
    sourcemap: 'linked',
    // A name marks its subpaths (`crc/calculators/crc32`) external too.
    external: Object.keys(dependencies).filter((name) => !name.startsWith('@hivetool/')),
    metafile: true,
    logLevel: 'warning',
  });
  writeFileSync(join(outdir, 'THIRD-PARTY-LICENSES.txt'), licences(result.metafile));
  return result.metafile;
}

/** The name, version and licence text of every npm package with code in the bundle. */
function licences(metafile) {
  const folders = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    // metafile paths are relative to absWorkingDir (this package).
    const parts = resolve(here, input).split(sep);
    const at = parts.lastIndexOf('node_modules');
    if (at < 0) continue;
    folders.add(parts.slice(0, at + (parts[at + 1]?.startsWith('@') ? 3 : 2)).join(sep));
  }
  const sections = [...folders].sort().map((folder) => {
    const pkg = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));
    const file = readdirSync(folder).find((name) => /^licen[cs]e(\.md|\.txt)?$/i.test(name));
    if (file === undefined) throw new Error(`${pkg.name}: no licence file to put beside the bundle`);
    return `${pkg.name} ${pkg.version} (${pkg.license})\n\n${readFileSync(join(folder, file), 'utf8').trim()}\n`;
  });
  return `The bundle in this folder holds code of these npm packages, under these licences.\n\n${sections.join('\n' + '-'.repeat(78) + '\n\n')}`;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await buildCli(process.argv[2] === undefined ? undefined : resolve(process.argv[2]));
}
