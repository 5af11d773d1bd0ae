import type { TextSink } from '../output.js';
import { UsageError } from '../failures.js';
import { STDIO } from '../output.js';
import { csvHeader, textRows, type RowSink, type TableFormat } from './rows.js';

/** A table being written: rows, then `finish` (the Parquet footer; nothing for text). */
export interface TableOutput extends RowSink {
  finish(): void;
}

/**
 * Starts a table in `sink`: the CSV header, or a Parquet file's head. The Parquet writer is
 * loaded only here, so that other runs do not pay for loading it.
 */
export async function openTable(format: TableFormat, sink: TextSink): Promise<TableOutput> {
  if (format === 'parquet') {
    const { ParquetRows } = await import('./parquet.js');
    return new ParquetRows(sink);
  }
  if (format === 'csv') sink.write(csvHeader());
  return Object.assign(textRows(format, sink), { finish: () => undefined });
}

/**
 * Parquet is binary: it goes to a file (`-o FILE`), or to standard output only when asked
 * (`-o -`) and that is not a terminal, as every binary output of hivetool.
 */
export function checkBinaryTableOutput(format: string, output: string | undefined, stdoutIsTTY: boolean): void {
  if (format !== 'parquet') return;
  if (output === undefined) throw new UsageError('-f parquet writes a binary file: name it with -o FILE, or give -o - to write it to standard output');
  if (output === STDIO && stdoutIsTTY) throw new UsageError('-o -: standard output is a terminal: redirect it to a file or a pipe');
}
