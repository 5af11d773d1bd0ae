/**
 * Bundles the viewer into packages/viewer/app: index.html, viewer.css, viewer.js (the
 * page, with the worker's bundle inside it as text, see src/client.ts) and meta.json
 * (esbuild's metafile, which the tests read to check that no Node built-in is bundled).
 * Classic scripts, not modules: a browser loads no module script from a file:// page.
 */
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'app');
mkdirSync(out, { recursive: true });

const common = { bundle: true, format: 'iife', platform: 'browser', target: ['es2022'], minify: true, legalComments: 'none', metafile: true, logLevel: 'warning' };
const worker = await build({ ...common, entryPoints: [join(here, 'src/worker.ts')], write: false });
const page = await build({
  ...common,
  entryPoints: [join(here, 'src/main.ts')],
  outfile: join(out, 'viewer.js'),
  define: { WORKER_SOURCE: JSON.stringify(worker.outputFiles[0].text) },
});
writeFileSync(join(out, 'meta.json'), JSON.stringify({ page: page.metafile, worker: worker.metafile }));
for (const file of ['index.html', 'viewer.css']) copyFileSync(join(here, 'static', file), join(out, file));
