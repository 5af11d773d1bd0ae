/**
 * Bundles the command line into packages/cli/bundle, the code bin/hivetool.js runs: the
 * compiled entry (dist/main.js, so run after `tsc --build`) and the two worker-thread
 * scripts, with the workspace packages they import, split into shared chunks. Start-up
 * then reads a few files instead of about eighty modules; each command's code stays in a
 * chunk of its own, loaded only when that command runs (main.ts imports it lazily). The
 * package's library entry stays dist/main.js.
 *
 * Only the workspace packages (@hivetool/*) are bundled. Every npm package stays outside,
 * loaded from node_modules as before, so no third-party code is copied into this package;
 * each one the bundle imports is therefore a dependency of this package, including those
 * of the libraries (@noble/hashes, crc). yargs, cli-progress and tinyglobby are loaded
 * through createRequire anyway (yargs's CommonJS build on purpose, the other two on first
 * use); re2js, imported by `find` only, gains nothing measurable from being bundled
 * (docs/PERFORMANCE.md). The source maps are chained through tsc's, so they name the
 * TypeScript sources; the sources are embedded in them, since the other packages' are not
 * in this package.
 *
 * `node build.mjs [OUTDIR]`: OUTDIR (default packages/cli/bundle) is emptied first, since
 * chunk names carry a content hash and an earlier build's files would stay behind.
 */
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Leaves every import of an npm package (a bare name, not @hivetool/*) to Node at run time. */
const npmPackagesOutside = {
  name: 'npm-packages-outside',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@hivetool/') ? undefined : { path: args.path, external: true }));
  },
};

/** Builds the bundle into `outdir`; returns esbuild's metafile. */
export async function buildCli(outdir = join(here, 'bundle')) {
  rmSync(outdir, { recursive: true, force: true });
  const result = await build({
    entryPoints: {
      main: join(here, 'dist/main.js'),
      // The worker-thread scripts sit beside the chunk of workers.ts, which names them.
      batchWorker: join(here, 'dist/batchWorker.js'),
      dumpWorker: join(here, 'dist/dumpWorker.js'),
    },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir,
    sourcemap: 'linked',
    plugins: [npmPackagesOutside],
    metafile: true,
    logLevel: 'warning',
  });
  return result.metafile;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await buildCli(process.argv[2] === undefined ? undefined : resolve(process.argv[2]));
}
