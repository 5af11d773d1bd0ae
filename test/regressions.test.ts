/**
 * Every input in test/regressions/ once broke a decoder or a command (found by review or
 * by `npm run fuzz`). Each stays a test: its decoder must only throw typed errors, and
 * the commands must end with exit code 0, 1 or 2, never 70 (an internal error).
 */
import { describe, expect, test } from '@jest/globals';
import { readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FUZZ_TARGETS, REPO_ROOT, checkTarget, runCli, type FuzzTargetName } from '@hivetool/test-support';

const DIR = join(REPO_ROOT, 'test/regressions');
const cases = readdirSync(DIR)
  .filter((name) => name.endsWith('.json'))
  .map((name) => {
    const meta = JSON.parse(readFileSync(join(DIR, name), 'utf8')) as { target: FuzzTargetName; problem: string };
    return { name: name.replace(/\.json$/, ''), ...meta, file: join(DIR, name.replace(/\.json$/, '.bin')) };
  });

describe('regressions', () => {
  test('the folder holds cases, each for a known target', () => {
    expect(cases.length).toBeGreaterThan(0);
    for (const { target } of cases) expect(FUZZ_TARGETS).toContain(target);
  });

  test.each(cases.map((c) => [c.name, c] as const))('%s: only typed errors', (_name, { target, file }) => {
    const bytes = new Uint8Array(readFileSync(file));
    const result = checkTarget(target, bytes);
    expect(result).toEqual({ ok: true });
    // The hive decoders also run under verify, which must never throw.
    if (target === 'hive') expect(checkTarget('verify', bytes)).toEqual({ ok: true });
  });

  test.each(cases.filter((c) => c.target === 'hive' || c.target === 'verify').map((c) => [c.name, c] as const))('%s: no command ends in an internal error', (_name, { file }) => {
    for (const args of [['dump'], ['dump', '-f', 'json'], ['dump', '-f', 'raw'], ['info'], ['verify'], ['rewrite', file, join(tmpdir(), `hivetool-regression-${process.pid}.hv`)]]) {
      const result = runCli(args[0] === 'rewrite' ? args : [...args, file]);
      expect([0, 1, 2]).toContain(result.status);
      expect(result.stderr).not.toMatch(/internal error/);
    }
  });
});
