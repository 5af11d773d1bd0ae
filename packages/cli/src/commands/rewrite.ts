import { rewriteHive } from '@hivetool/hive';
import { ExitCode } from '../failures.js';
import { openHiveFile } from '../input.js';
import { refuseInputAsOutput, writeFileAtomic } from '../output.js';

/** `hivetool rewrite IN.hv OUT.hv`: re-emit a hive from its parsed parts, losslessly. */
export function runRewrite(input: string, output: string): number {
  refuseInputAsOutput([input], output);
  const hive = openHiveFile(input);
  const bytes = rewriteHive(hive);
  writeFileAtomic(output, bytes);
  const identical = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).equals(Buffer.from(hive.bytes.buffer, hive.bytes.byteOffset, hive.bytes.length));
  process.stdout.write(`${output}: ${bytes.length} bytes, ${identical ? 'identical to' : 'DIFFERENT from'} ${input}\n`);
  return identical ? ExitCode.OK : ExitCode.INTERNAL;
}
