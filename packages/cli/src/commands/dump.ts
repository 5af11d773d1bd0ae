import type { Hive } from '@hivetool/hive';
import { openHiveFile } from '../input.js';
import { AtomicFileSink, StdoutSink, type TextSink } from '../output.js';
import { jsonDocumentEnd, jsonDocumentStart, jsonVisitor } from '../dump/json.js';
import { dumpRawHeap, rawHeader, rawVisitor } from '../dump/raw.js';
import { regFileHeader, regVisitor } from '../dump/reg.js';
import { dumpStarts, walkForDump, type DumpStarts } from '../dump/tree.js';
import { ExitCode } from '../failures.js';
import type { Reporter } from '../report.js';

export type DumpFormat = 'reg' | 'json' | 'raw';

export interface DumpArguments {
  files: string[];
  format: DumpFormat;
  key?: string | undefined;
  output?: string | undefined;
}

function dumpOne(hive: Hive, starts: DumpStarts, file: string, args: DumpArguments, sink: TextSink, index: number): void {
  switch (args.format) {
    case 'reg':
      // The .reg header goes out with the first hive that opens, so a run where every
      // file fails prints nothing on stdout.
      if (index === 0) regFileHeader(sink);
      walkForDump(starts, regVisitor(hive, file, sink));
      return;
    case 'json': {
      const visitor = jsonVisitor(hive, file, sink, index === 0);
      walkForDump(starts, visitor);
      visitor.finish();
      return;
    }
    case 'raw':
      sink.write(rawHeader(hive, file));
      if (args.key === undefined) dumpRawHeap(hive, sink);
      else walkForDump(starts, rawVisitor(hive, sink));
      return;
  }
}

/**
 * `hivetool dump FILE...`: every file is opened and walked in turn; a file that fails is
 * reported and the others are still dumped. With `-o`, nothing is written unless all succeed.
 */
export function runDump(args: DumpArguments, report: Reporter): number {
  const sink: TextSink = args.output === undefined ? new StdoutSink() : new AtomicFileSink(args.output);
  let failed = 0;
  let dumped = 0;
  if (args.format === 'json') sink.write(jsonDocumentStart());
  for (const file of args.files) {
    try {
      const hive = openHiveFile(file);
      dumpOne(hive, dumpStarts(hive, args.key), file, args, sink, dumped);
      dumped++;
    } catch (error) {
      if (!report.failure(file, error)) {
        sink.abort();
        throw error;
      }
      failed++;
    }
  }
  if (args.format === 'json') sink.write(jsonDocumentEnd());
  if (failed > 0 && args.output !== undefined) {
    sink.abort();
    report.note(`${args.output} not written`);
  } else {
    sink.close();
  }
  return failed > 0 ? ExitCode.FAILED : ExitCode.OK;
}
