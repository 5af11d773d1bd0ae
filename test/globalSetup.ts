/**
 * Jest's global set-up: builds the command-line bundle (packages/cli/build.mjs) from the
 * compiled code before any test file runs. The tests that start the binary run that bundle,
 * which after a plain `tsc --build` would still hold the code of the build before.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// test/dist/globalSetup.js → the repository (test-support is not loaded here: it needs jest's test environment).
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export default function buildCliBundle(): void {
  const result = spawnSync(process.execPath, ['packages/cli/build.mjs'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`packages/cli/build.mjs failed (exit ${String(result.status)}):\n${result.stderr}`);
}
