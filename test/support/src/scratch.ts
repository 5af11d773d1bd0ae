import { afterAll, beforeAll } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A temporary directory for one test file: made before its tests, removed after them.
 * Its path is `.path` once the tests run.
 */
export function scratchDirectory(prefix: string): { path: string } {
  const scratch = { path: '' };
  beforeAll(() => {
    scratch.path = mkdtempSync(join(tmpdir(), prefix));
  });
  afterAll(() => {
    rmSync(scratch.path, { recursive: true, force: true });
  });
  return scratch;
}
