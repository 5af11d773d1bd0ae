import { damageAction, isHiveFormatError, readRestoreArea, recoverHive, verifyHive, type RecoveryAction } from '@hivetool/hive';
import { ExitCode, UsageError, describeFailure } from '../failures.js';
import { readHiveFile } from '../input.js';
import { print, tell, writeFileAtomic } from '../output.js';
import type { CommandIo } from '../command.js';

export interface RecoverArguments {
  input: string;
  output: string;
  /** Also cut the file at restoreStart (drop the restore records). */
  truncate: boolean;
  json: boolean;
}

const DONE: Record<RecoveryAction, (pages: number) => string> = {
  none: () => 'no flush was interrupted: nothing to recover',
  discard: (pages) => `a flush was cut while appending: ${pages} restore page(s) discarded, the hive is the one before that flush`,
  copy: (pages) => `a flush was cut while copying: ${pages} restore page(s) copied into the hive, the hive is the one after that flush`,
};

/**
 * `hivetool recover IN -o OUT [--truncate]`: the repair Windows CE makes at the next mount
 * (format guide §3a), written to OUT; IN is only read. Exit 0 when OUT verifies without
 * errors, 1 when the hive has errors the repair does not touch.
 */
export function run(args: RecoverArguments, io: CommandIo): number {
  if (!args.json) return recover(args, io);
  try {
    return recover(args, io);
  } catch (error) {
    // With --json, a run that could not be made still prints its document, saying why,
    // as the other commands list a file they could not read; the error line follows.
    const line = describeFailure(error, args.input);
    if (line === undefined) throw error;
    const prefix = `${args.input}: `;
    print(io, JSON.stringify(document(args, null, line.startsWith(prefix) ? line.slice(prefix.length) : line), null, 2) + '\n');
    throw error;
  }
}

interface Recovered {
  action: RecoveryAction;
  pages: number;
  restoreStart: number;
  outputLength: number;
  errors: number;
}

/** The `--json` document: what was done, or (`recovered` null) why nothing was. */
function document(args: RecoverArguments, recovered: Recovered | null, error: string | null): object {
  return {
    format: 'hivetool-recover',
    schemaVersion: 1,
    input: args.input,
    output: args.output,
    action: recovered?.action ?? null,
    pages: recovered?.pages ?? null,
    restoreStart: recovered?.restoreStart ?? null,
    truncated: args.truncate,
    outputLength: recovered?.outputLength ?? null,
    errors: recovered?.errors ?? null,
    error,
  };
}

function recover(args: RecoverArguments, io: CommandIo): number {
  // Whether the output is the input was checked before the command ran (parserMessages.ts).
  const bytes = readHiveFile(io, args.input);
  let area;
  let repaired;
  try {
    area = readRestoreArea(bytes);
    repaired = recoverHive(bytes, { truncate: args.truncate });
  } catch (error) {
    // The error line names the file (a damaged restore area cannot be repaired).
    if (isHiveFormatError(error)) throw new UsageError(`${args.input}: ${describeFailure(error, args.input) ?? error.message}`);
    throw error;
  }
  const report = verifyHive(repaired);
  // The damage a repair cannot get past (damage.ts): nothing is written.
  const stop = report.findings.find((finding) => finding.severity === 'error' && damageAction('repair', finding.code) === 'stop');
  if (stop !== undefined) throw new UsageError(`${args.input}: cannot be repaired: ${stop.message} at offset 0x${stop.offset.toString(16).padStart(8, '0')} [${stop.code}]; hivetool verify lists every finding`, true);
  writeFileAtomic(io, args.output, repaired);
  const tail = repaired.length - area.restoreStart;
  if (args.json) {
    const recovered = { action: area.action, pages: area.actionPages, restoreStart: area.restoreStart, outputLength: repaired.length, errors: report.summary.errors };
    print(io, JSON.stringify(document(args, recovered, null), null, 2) + '\n');
  } else {
    tell(io, args.output,
      `${args.output}: ${DONE[area.action](area.actionPages)}; ${repaired.length} bytes${tail > 0 ? ` (the hive's ${area.restoreStart}, then ${tail} bytes of stale restore records; --truncate drops them)` : ''}\n`,
    );
    if (report.summary.errors > 0) tell(io, args.output, `${args.output}: the hive has ${report.summary.errors} error(s) the repair does not touch; see hivetool verify\n`);
  }
  return report.summary.errors > 0 ? ExitCode.FINDINGS : ExitCode.OK;
}
