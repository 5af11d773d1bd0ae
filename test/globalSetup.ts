/**
 * Jest's global set-up: builds the command-line bundle (packages/cli/build.mjs) from the
 * compiled code before any test file runs, unless it is newer than everything it is made
 * from. The tests that start the binary run that bundle, which after a plain
 * `tsc --build` would still hold the code of the build before.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// test/dist/globalSetup.js → the repository (test-support is not loaded here: it needs jest's test environment).
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The newest (`newest`) or oldest modification time of the files under `folder`, walked iteratively; undefined when it holds none. */
function modified(folder: string, newest: boolean): number | undefined {
  let found: number | undefined;
  const folders = [folder];
  while (folders.length > 0) {
    const at = folders.pop()!;
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) folders.push(path);
      else if (entry.isFile()) {
        const time = statSync(path).mtimeMs;
        if (found === undefined || (newest ? time > found : time < found)) found = time;
      }
    }
  }
  return found;
}

/**
 * Whether packages/cli/bundle is older than what it is made from: the compiled code of
 * every package (packages/NAME/dist), the build script, the command line's package.json
 * and the lockfile (the npm packages bundled with the libraries).
 */
function bundleStale(): boolean {
  const bundle = join(REPO_ROOT, 'packages/cli/bundle');
  if (!existsSync(join(bundle, 'main.js'))) return true;
  const built = modified(bundle, false);
  if (built === undefined) return true;
  const inputs = [join(REPO_ROOT, 'packages/cli/build.mjs'), join(REPO_ROOT, 'packages/cli/package.json'), join(REPO_ROOT, 'package-lock.json')].filter(existsSync).map((path) => statSync(path).mtimeMs);
  for (const name of readdirSync(join(REPO_ROOT, 'packages'))) {
    const dist = join(REPO_ROOT, 'packages', name, 'dist');
    if (existsSync(dist)) inputs.push(modified(dist, true) ?? 0);
  }
  return inputs.some((time) => time > built);
}

export default function buildCliBundle(): void {
  if (!bundleStale()) return;
  const result = spawnSync(process.execPath, ['packages/cli/build.mjs'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`packages/cli/build.mjs failed (exit ${String(result.status)}):\n${result.stderr}`);
}
