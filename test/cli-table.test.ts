import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'csv-parse/sync';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { openHive, walkTree } from '@hivetool/hive';
import { CORPUS_FILES, REPO_ROOT, corpusBytes, corpusPath, describeCorpus, runCli, runCliProcess, type CorpusFile } from '@hivetool/test-support';
import { scratchDirectory } from '@hivetool/test-support/scratch';

const scratch = scratchDirectory('hivetool-table-');
const describeWithCorpus = describeCorpus(describe);
const validateRow = new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(join(REPO_ROOT, 'docs/schemas/table-row.schema.json'), 'utf8')) as object);

const COLUMNS = ['file', 'hive_kind', 'key_path', 'value_name', 'type', 'type_number', 'data', 'data_hex', 'size', 'record_offset', 'source', 'unverified', 'deleted'];

type Row = Record<string, string | number | boolean | null>;

/** The values of a hive, counted by walking it with the codec (not through the CLI). */
function valueCount(name: CorpusFile): number {
  let count = 0;
  walkTree(corpusBytes(name), { value: () => void count++ });
  return count;
}

/** A CSV field back to the JSON Lines value of its column: empty is null, numbers and booleans typed. */
function typed(column: string, field: string, quotedEmpty: boolean): string | number | boolean | null {
  if (field === '' && !quotedEmpty) return null;
  if (column === 'type_number' || column === 'size' || column === 'record_offset') return Number(field);
  if (column === 'unverified' || column === 'deleted') return field === 'true';
  return field;
}

function csvRows(text: string): Row[] {
  // raw: each record with its text as written, to tell "" (an empty string) from an empty field (null).
  const records = parse(text, { raw: true, record_delimiter: '\r\n' }) as unknown as Array<{ record: string[]; raw: string }>;
  const header = records[0]!.record;
  expect(header).toEqual(COLUMNS);
  return records.slice(1).map((entry) => {
    const written = rawFields(entry.raw);
    return Object.fromEntries(header.map((column, i) => [column, typed(column, entry.record[i]!, written[i] === '""')]));
  });
}

/** The fields of one CSV record as written (quotes kept), for telling `""` from an empty field. */
function rawFields(raw: string): string[] {
  const fields: string[] = [];
  let current = '';
  let inQuotes = false;
  for (const char of raw.replace(/\r\n$/, '')) {
    if (char === '"') inQuotes = !inQuotes;
    if (char === ',' && !inQuotes) {
      fields.push(current);
      current = '';
    } else current += char;
  }
  fields.push(current);
  return fields;
}

function jsonlRows(text: string): Row[] {
  const lines = text.split('\n');
  expect(lines.pop()).toBe('');
  return lines.map((line) => JSON.parse(line) as Row);
}

async function parquetRows(path: string): Promise<Row[]> {
  const bytes = readFileSync(path);
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
  const rows = (await parquetReadObjects({ file })) as Row[];
  // INT64 comes back as a bigint.
  return rows.map((row) => ({ ...row, record_offset: typeof row['record_offset'] === 'bigint' ? Number(row['record_offset']) : row['record_offset'] }) as Row);
}

describeWithCorpus('dump -f csv|jsonl|parquet', () => {
  const files = CORPUS_FILES.map((name) => corpusPath(name));
  const expected = CORPUS_FILES.map(valueCount).reduce((a, b) => a + b, 0);
  let jsonl: Row[];

  test('JSON Lines: one row per value, each line parses and fits the schema, in file order', () => {
    const result = runCli(['dump', '-f', 'jsonl', ...files]);
    expect(result.status).toBe(0);
    jsonl = jsonlRows(result.stdout);
    expect(jsonl.length).toBe(expected);
    expect(expected).toBeGreaterThan(1000);
    for (const row of jsonl) {
      if (!validateRow(row)) throw new Error(JSON.stringify(validateRow.errors));
      expect(Object.keys(row)).toEqual(COLUMNS);
    }
    // File order, then the first value of boot.hv as the codec reads it.
    expect([...new Set(jsonl.map((row) => row['file']))]).toEqual(files);
    const hive = openHive(corpusBytes('boot.hv'));
    let first: { path: string; name: string; offset: number; hex: string } | undefined;
    walkTree(hive, { value: (value, _key, path) => void (first ??= { path, name: value.name, offset: value.offset, hex: Buffer.from(value.data).toString('hex') }) });
    expect(jsonl[0]).toMatchObject({ key_path: first!.path, value_name: first!.name, record_offset: first!.offset, data_hex: first!.hex, hive_kind: hive.kind, source: 'file', deleted: false, unverified: false });
  });

  test('CSV (RFC 4180) parses with csv-parse into the same rows', () => {
    const result = runCli(['dump', '-f', 'csv', ...files]);
    expect(result.status).toBe(0);
    const rows = csvRows(result.stdout);
    expect(rows.length).toBe(expected);
    expect(rows).toEqual(jsonl);
    // A multi-line value (REG_MULTI_SZ) is quoted, its lines kept.
    expect(rows.some((row) => typeof row['data'] === 'string' && row['data'].includes('\n'))).toBe(true);
  });

  test('Parquet read back with hyparquet equals the JSON Lines rows; --jobs writes the same bytes', async () => {
    const one = join(scratch.path, 'one.parquet');
    const parallel = join(scratch.path, 'parallel.parquet');
    expect(runCli(['dump', '-f', 'parquet', '-o', one, ...files]).status).toBe(0);
    expect(await parquetRows(one)).toEqual(jsonl);
    // Worker threads render each file; the row groups are written in file order.
    // The parts' folder in this test's scratch folder: cli-batch checks the system's for leftovers.
    expect(runCliProcess(['dump', '--jobs', '2', '-f', 'parquet', '-o', parallel, ...files], { env: { TMPDIR: scratch.path } }).status).toBe(0);
    expect(readFileSync(parallel).equals(readFileSync(one))).toBe(true);
    const bytes = readFileSync(one);
    const metadata = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    expect(Number(metadata.num_rows)).toBe(expected);
  });

  test('CSV and JSON Lines with --jobs are the same as on one thread', () => {
    for (const format of ['csv', 'jsonl']) {
      const single = runCli(['dump', '-f', format, ...files]);
      const parallel = runCliProcess(['dump', '--jobs', '3', '-f', format, ...files], { env: { TMPDIR: scratch.path } });
      expect(parallel.status).toBe(0);
      expect(parallel.stdout).toBe(single.stdout);
    }
  });

  test('Parquet is binary: refused without -o (exit 2)', () => {
    const result = runCli(['dump', '-f', 'parquet', corpusPath('boot.hv')]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/-o FILE/);
  });
});

describeWithCorpus('find -f csv|jsonl|parquet', () => {
  const files = CORPUS_FILES.map((name) => corpusPath(name));

  test('a row per match, the same matches as --json, in every table format', async () => {
    const json = runCli(['find', '--json', '--name', 'Dll', ...files]);
    expect(json.status).toBe(0);
    const matches = (JSON.parse(json.stdout) as { matches: Array<{ file: string; path: string; name?: string; data?: string }> }).matches;
    expect(matches.length).toBeGreaterThan(10);
    const jsonl = jsonlRows(runCli(['find', '-f', 'jsonl', '--name', 'Dll', ...files]).stdout);
    expect(jsonl.map((row) => [row['file'], row['key_path'], row['value_name']])).toEqual(matches.map((match) => [match.file, match.path, match.name]));
    const csv = runCli(['find', '-f', 'csv', '--name', 'Dll', ...files]);
    expect(csvRows(csv.stdout)).toEqual(jsonl);
    const out = join(scratch.path, 'find.parquet');
    expect(runCli(['find', '-f', 'parquet', '-o', out, '--name', 'Dll', ...files]).status).toBe(0);
    expect(await parquetRows(out)).toEqual(jsonl);
  });

  test('a key path that matched is a row with null value columns', () => {
    const rows = jsonlRows(runCli(['find', '-f', 'jsonl', '--key', 'BuiltIn', corpusPath('boot.hv')]).stdout);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row).toMatchObject({ value_name: null, type: null, data: null, data_hex: null, size: null });
  });

  test('-o: nothing is written when a file cannot be searched (exit 2)', () => {
    const out = join(scratch.path, 'not-written.csv');
    const result = runCli(['find', '-f', 'csv', '-o', out, 'Dll', corpusPath('boot.hv'), join(scratch.path, 'missing.hv')]);
    expect(result.status).toBe(2);
    expect(existsSync(out)).toBe(false);
    expect(result.stderr).toContain(`${out}: not written`);
  });

  test('--json and another -f are refused', () => {
    expect(runCli(['find', '--json', '-f', 'csv', 'x', corpusPath('boot.hv')]).status).toBe(2);
  });
});

describeWithCorpus('DuckDB reads a folder of CSV and Parquet tables', () => {
  test('the query of docs/tables.md returns the values of each hive', () => {
    const folder = join(scratch.path, 'duck');
    mkdirSync(join(folder, 'tables'), { recursive: true });
    expect(runCli(['dump', '-f', 'csv', '-o', join(folder, 'tables/boot.csv'), corpusPath('boot.hv')]).status).toBe(0);
    expect(runCli(['dump', '-f', 'csv', '-o', join(folder, 'tables/default.csv'), corpusPath('default.hv')]).status).toBe(0);
    expect(runCli(['dump', '-f', 'parquet', '-o', join(folder, 'tables/user.parquet'), corpusPath('user.hv')]).status).toBe(0);
    // The query exactly as the documentation shows it.
    const doc = readFileSync(join(REPO_ROOT, 'docs/tables.md'), 'utf8');
    const query = /<!-- tables-query[^>]*-->\n```sql\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(query).toBeDefined();
    // DuckDB's native binding, run in a child process from the folder holding tables/.
    const script = `const { DuckDBInstance } = require(process.env.DUCKDB);
(async () => {
const db = await DuckDBInstance.create(':memory:');
const connection = await db.connect();
const result = await connection.runAndReadAll(process.env.QUERY);
process.stdout.write(JSON.stringify(result.getRowObjectsJson()));
})().catch((error) => { console.error(error); process.exit(1); });`;
    const duckdb = createRequire(join(REPO_ROOT, 'package.json')).resolve('@duckdb/node-api');
    const output = execFileSync(process.execPath, ['-e', script], { cwd: folder, env: { ...process.env, QUERY: query!, DUCKDB: duckdb }, encoding: 'utf8' });
    const rows = JSON.parse(output) as Array<{ file: string; value_count: string; strings: string }>;
    const expected = CORPUS_FILES.map((name) => {
      let values = 0;
      let strings = 0;
      walkTree(corpusBytes(name), { value: (value) => void (values++, value.type === 1 && strings++) });
      return { file: corpusPath(name), value_count: String(values), strings: String(strings) };
    }).sort((a, b) => (a.file < b.file ? -1 : 1));
    expect(rows).toEqual(expected);
  });
});
