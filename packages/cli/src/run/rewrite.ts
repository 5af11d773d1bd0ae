import { rewriteHive } from '@hivetool/hive';
import { ExitCode, withFile } from '../failures.js';
import { inputName, openHiveFile } from '../input.js';
import { tell, writeFileAtomic } from '../output.js';
import type { CommandIo } from '../command.js';

/** `hivetool rewrite IN.hv OUT.hv`: re-emit a hive from its parsed parts, losslessly. */
export function run({ input, output }: { input: string; output: string }, io: CommandIo): number {
  // As stored: a rewrite re-emits the file, restore records after the hive included.
  const hive = withFile(input, () => openHiveFile(io, input, { recovery: 'as-stored' }));
  const bytes = withFile(input, () => rewriteHive(hive));
  writeFileAtomic(io, output, bytes);
  const identical = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).equals(Buffer.from(hive.file.buffer, hive.file.byteOffset, hive.file.length));
  tell(io, output, `${output}: ${bytes.length} bytes, ${identical ? 'identical to' : 'DIFFERENT from'} ${inputName(input)}\n`);
  return identical ? ExitCode.OK : ExitCode.INTERNAL;
}
