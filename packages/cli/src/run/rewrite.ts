import { rewriteHive, walkTree } from '@hivetool/hive';
import { ExitCode, withFile } from '../failures.js';
import { inputName, openHiveFile } from '../input.js';
import { checkWholeFile } from '../damage.js';
import { tell, writeFileAtomic } from '../output.js';
import type { CommandIo } from '../command.js';

/** `hivetool rewrite IN.hv OUT.hv`: re-emit a hive from its parsed parts, losslessly. */
export function run({ input, output }: { input: string; output: string }, io: CommandIo): number {
  // As stored: a rewrite re-emits the file, restore records after the hive included.
  const hive = withFile(input, () => openHiveFile(io, input, { recovery: 'as-stored' }));
  // A new file is made from it: any whole-file damage stops (damage.ts).
  checkWholeFile(hive, input, 'copy');
  // And every record and link from the roots, as the other commands that make a file read them.
  withFile(input, () => walkTree(hive, {}, { paths: false }));
  const bytes = withFile(input, () => rewriteHive(hive));
  writeFileAtomic(io, output, bytes);
  const identical = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).equals(Buffer.from(hive.file.buffer, hive.file.byteOffset, hive.file.length));
  tell(io, output, `${output}: ${bytes.length} bytes, ${identical ? 'identical to' : 'DIFFERENT from'} ${inputName(input)}\n`);
  return identical ? ExitCode.OK : ExitCode.INTERNAL;
}
