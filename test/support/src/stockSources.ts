import { existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { PLATFORM_REG_DIR } from './corpus.js';

/** Microsoft's stock registry source sets in the corpus. */
export type StockSet = 'ce5-microsoft' | 'ce6-emulator' | 'ce7-microsoft';

/**
 * A set's files in the order makeimg merges them: common.reg, the component files (sorted),
 * then platform.reg and project.reg where the set has them. CE 7's timezones.reg is not
 * named: common.reg includes it from the release folder (stockReleaseFolder).
 */
export function stockFiles(set: StockSet): string[] {
  const folder = join(PLATFORM_REG_DIR, set);
  const last = ['common.reg', 'platform.reg', 'project.reg', 'timezones.reg'];
  const present = readdirSync(folder);
  const components = present.filter((name) => name.toLowerCase().endsWith('.reg') && !last.includes(name)).sort();
  return ['common.reg', ...components, ...['platform.reg', 'project.reg'].filter((name) => present.includes(name))].map((name) => join(folder, name));
}

/**
 * A release folder under `under` for `$(_FLATRELEASEDIR)`: CE 7's common.reg includes
 * `$(_FLATRELEASEDIR)\postproc\timezones.reg`, linked there from the set.
 */
export function stockReleaseFolder(under: string): string {
  const release = join(under, 'release');
  if (!existsSync(join(release, 'postproc', 'timezones.reg'))) {
    mkdirSync(join(release, 'postproc'), { recursive: true });
    symlinkSync(join(PLATFORM_REG_DIR, 'ce7-microsoft', 'timezones.reg'), join(release, 'postproc', 'timezones.reg'));
  }
  return release;
}
