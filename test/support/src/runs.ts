/**
 * Property test run counts: the normal count in `npm test`, and a longer run with
 * `npm run test:long` (HIVETOOL_LONG=1), by default 25 times as many.
 */
export function runs(normal: number, long = normal * 25): number {
  return process.env['HIVETOOL_LONG'] === '1' ? long : normal;
}
