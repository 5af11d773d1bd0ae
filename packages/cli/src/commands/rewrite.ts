import { rewriteHive } from '@hivetool/hive';
import { ExitCode } from '../failures.js';
import { openHiveFile } from '../input.js';
import { refuseInputAsOutput, writeFileAtomic } from '../output.js';

/** `hivetool rewrite IN.hv OUT.hv`: re-emit a hive from its parsed parts, losslessly. */
export function runRewrite(input: string, output: string): number {
  refuseInputAsOutput([input], output);
  // As stored: a rewrite re-emits the file, restore records after the hive included.
  const hive = openHiveFile(input, { recovery: 'as-stored' });
  const bytes = rewriteHive(hive);
  writeFileAtomic(output, bytes);
  const identical = bytes.length === hive.file.length && bytes.every((byte, i) => byte === hive.file[i]);
  process.stdout.write(`${output}: ${bytes.length} bytes, ${identical ? 'identical to' : 'DIFFERENT from'} ${input}\n`);
  return identical ? ExitCode.OK : ExitCode.INTERNAL;
}
