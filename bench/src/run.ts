/**
 * `npm run bench`: whole-process timings of hivetool on generated hives.
 * Each figure is the median of RUNS runs after one warm-up, with min and max.
 * Results go to stdout and to bench/out/results.json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync, readFileSync, statSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchHive } from './hives.js';
import { compareWithBaseline } from './compare.js';
import { benchCompile } from './compile.js';
import { RUNS, stat, timeCommand, type Stat } from './measure.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = resolve(HERE, '../out');
const MiB = 1024 * 1024;


/** The .reg dump of a generated hive, made once with this hivetool (what `build` is timed on). */
function benchReg(mebibytes: number): string {
  const hive = benchHive(mebibytes);
  const file = join(OUT, `generated-${mebibytes}mib.reg`);
  if (existsSync(file)) return file;
  const result = spawnSync(process.execPath, [join(HERE, 'measure-child.js'), 'dump', hive.file, '-o', file], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  if (result.status !== 0) throw new Error(`dump of ${hive.file} failed: ${result.stderr?.toString() ?? ''}`);
  return file;
}

function timeLookup(file: string, path: string, mode: 'whole' | 'lazy'): { totalMs: Stat; readOpenMs: Stat; lookupMs: Stat; importMs: Stat } {
  const child = join(HERE, 'lookup-child.js');
  const totals: number[] = [];
  const opens: number[] = [];
  const lookups: number[] = [];
  const imports: number[] = [];
  for (let run = 0; run <= RUNS; run++) {
    const result = spawnSync(process.execPath, [child, file, path, mode], { encoding: 'utf8' });
    const report = JSON.parse(result.stdout) as { found: boolean; totalMs: number; readOpenMs: number; lookupMs: number; importMs: number };
    if (!report.found) throw new Error(`lookup of ${path} found nothing`);
    if (run === 0) continue;
    totals.push(report.totalMs);
    opens.push(report.readOpenMs);
    lookups.push(report.lookupMs);
    imports.push(report.importMs);
  }
  return { totalMs: stat(totals), readOpenMs: stat(opens), lookupMs: stat(lookups), importMs: stat(imports) };
}

/** A path to a deep key of the generated hive: first child at each level. */
function deepPath(file: string): Promise<string> {
  return import('@hivetool/hive').then(({ openHive }) => {
    const hive = openHive(new Uint8Array(readFileSync(file)));
    let path = 'HKLM';
    let node = hive.root(2);
    for (;;) {
      let next: ReturnType<typeof node.subkey> | undefined;
      for (const entry of node.subkeys()) {
        if (entry.kind === 'key') next = entry; // the last sibling: the longest chain walk
      }
      if (next === undefined) return path;
      path += '\\' + next.name;
      node = next as never;
    }
  });
}

function timeWrite(mebibytes: number): { encodeMs: Stat; deriveMs: Stat; deriveNodeMs: Stat; rssMiB: Stat; bytes: number; keys: number; values: number } {
  const child = join(HERE, 'write-child.js');
  const encodes: number[] = [];
  const derives: number[] = [];
  const derivesNode: number[] = [];
  const rss: number[] = [];
  let last = { bytes: 0, keys: 0, values: 0 };
  for (let run = 0; run <= RUNS; run++) {
    const result = spawnSync(process.execPath, [child, String(mebibytes)], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`write benchmark failed: ${result.stderr}`);
    const report = JSON.parse(result.stdout) as { encodeMs: number; deriveMs: number; deriveNodeMs: number; maxRssKiB: number; bytes: number; keys: number; values: number };
    last = report;
    if (run === 0) continue;
    encodes.push(report.encodeMs);
    derives.push(report.deriveMs);
    derivesNode.push(report.deriveNodeMs);
    rss.push(report.maxRssKiB / 1024);
  }
  return { encodeMs: stat(encodes), deriveMs: stat(derives), deriveNodeMs: stat(derivesNode), rssMiB: stat(rss), bytes: last.bytes, keys: last.keys, values: last.values };
}

function timeVerify(file: string): { ms: Stat; mbPerSecond: Stat } {
  const child = join(HERE, 'verify-child.js');
  const times: number[] = [];
  const rates: number[] = [];
  for (let run = 0; run <= RUNS; run++) {
    const result = spawnSync(process.execPath, [child, file], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`verify benchmark failed: ${result.stderr}`);
    const report = JSON.parse(result.stdout) as { ms: number; bytes: number; findings: number };
    if (report.findings !== 0) throw new Error(`the benchmark hive has ${report.findings} findings`);
    if (run === 0) continue;
    times.push(report.ms);
    rates.push(report.bytes / 1e6 / (report.ms / 1000));
  }
  return { ms: stat(times), mbPerSecond: stat(rates) };
}

const fmt = (s: Stat, digits = 1): string => `${s.median.toFixed(digits)} (min ${s.min.toFixed(digits)}, max ${s.max.toFixed(digits)})`;

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB, Node ${process.version}`;
  const results: Record<string, unknown> = { machine, runs: RUNS, date: new Date().toISOString() };
  process.stdout.write(`hivetool benchmarks — ${machine}; median of ${RUNS} runs after 1 warm-up\n\n`);

  for (const size of [1, 64]) {
    const hive = benchHive(size);
    const dump = timeCommand(['dump', '--format', 'reg', hive.file]);
    results[`dumpReg${size}MiB`] = { ...hive, ...dump };
    process.stdout.write(`dump --format reg > /dev/null, ${size} MiB hive (${hive.keys} keys, ${hive.values} values)\n`);
    process.stdout.write(`  wall ms ${fmt(dump.wallMs)}\n  peak RSS MiB ${fmt(dump.rssMiB)}\n`);
  }
  const big = benchHive(64);
  const json = timeCommand(['dump', '--format', 'json', big.file]);
  results['dumpJson64MiB'] = json;
  const reg64 = results['dumpReg64MiB'] as { wallMs: Stat };
  process.stdout.write(`\ndump --format json > /dev/null, 64 MiB hive\n  wall ms ${fmt(json.wallMs)}\n  peak RSS MiB ${fmt(json.rssMiB)}\n`);
  process.stdout.write(`  JSON / .reg dump wall time (medians) = ${(json.wallMs.median / reg64.wallMs.median).toFixed(2)}×\n`);

  // build: the .reg dump of each generated hive back into a hive; a tiny input gives the start-up cost.
  const tiny = join(OUT, 'tiny.reg');
  writeFileSync(tiny, '[HKEY_LOCAL_MACHINE\\Software]\n"Value"=dword:00000001\n');
  const buildTiny = timeCommand(['build', tiny, '-o', join(OUT, 'built-tiny.hv')]);
  results['buildTiny'] = buildTiny;
  process.stdout.write(`\nbuild, a one-key .reg (start-up): wall ms ${fmt(buildTiny.wallMs)}, peak RSS MiB ${fmt(buildTiny.rssMiB)}\n`);
  const perMiB: Record<number, { wall: number; rss: number }> = {};
  for (const size of [1, 64]) {
    const reg = benchReg(size);
    const megabytes = statSync(reg).size / MiB;
    const build = timeCommand(['build', reg, '-o', join(OUT, `built-${size}mib.hv`)]);
    results[`build${size}MiB`] = { reg, regMiB: megabytes, ...build };
    perMiB[size] = { wall: (build.wallMs.median - buildTiny.wallMs.median) / megabytes, rss: (build.rssMiB.median - buildTiny.rssMiB.median) / megabytes };
    process.stdout.write(`build of the ${size} MiB hive's .reg dump (${megabytes.toFixed(1)} MiB of text)\n  wall ms ${fmt(build.wallMs)}\n  peak RSS MiB ${fmt(build.rssMiB)}\n`);
  }
  // Memory over start-up can be below what RSS resolves at 1 MiB: then only the 64 MiB figure says something.
  const memoryRatio = perMiB[1]!.rss > 0 ? `${(perMiB[64]!.rss / perMiB[1]!.rss).toFixed(2)}×` : 'not measurable (the 1 MiB build peaks no higher than start-up)';
  process.stdout.write(
    `  per MiB of text over start-up, 64 MiB / 1 MiB: wall ${(perMiB[64]!.wall / perMiB[1]!.wall).toFixed(2)}×; memory ${memoryRatio}; 64 MiB: ${perMiB[64]!.rss.toFixed(1)} MiB of memory per MiB of text\n`,
  );

  const path = await deepPath(big.file);
  const lookup = timeLookup(big.file, path, 'whole');
  const lazy = timeLookup(big.file, path, 'lazy');
  results['lookup64MiB'] = { path, whole: lookup, lazy };
  process.stdout.write(`\nopen + one path lookup, 64 MiB hive, ${path.split('\\').length - 1} levels deep (in a fresh process, after start-up)\n`);
  process.stdout.write(`  whole file read first: read + open ms ${fmt(lookup.readOpenMs, 2)}, lookup ms ${fmt(lookup.lookupMs, 2)}, total ms ${fmt(lookup.totalMs, 2)}\n`);
  process.stdout.write(`  pages read on demand (openHiveFileLazy, as dump --key does): open ms ${fmt(lazy.readOpenMs, 2)}, lookup ms ${fmt(lazy.lookupMs, 2)}, total ms ${fmt(lazy.totalMs, 2)}\n`);
  process.stdout.write(`  (module import ms ${fmt(lookup.importMs, 2)}, not counted)\n`);
  const verify = timeVerify(big.file);
  const verifyCommand = timeCommand(['verify', big.file]);
  results['verify64MiB'] = { ...verify, command: verifyCommand };
  process.stdout.write(`\nverify (structure, links, reachability; no names decoded), 64 MiB, in a fresh process after reading the file\n`);
  process.stdout.write(`  verifyHive ms ${fmt(verify.ms)}\n  MB/s ${fmt(verify.mbPerSecond, 0)}\n`);
  process.stdout.write(`  whole \`hivetool verify\` command: wall ms ${fmt(verifyCommand.wallMs)}, peak RSS MiB ${fmt(verifyCommand.rssMiB)}\n`);

  const write = timeWrite(64);
  results['write64MiB'] = write;
  process.stdout.write(`\nencodeHive from a tree, 64 MiB (${write.keys} keys, ${write.values} values, ${write.bytes} bytes)\n`);
  process.stdout.write(
    `  encode ms ${fmt(write.encodeMs)}\n  signature + GUID derivation ms, portable SHA-256 ${fmt(write.deriveMs)}, Node's crypto (as build) ${fmt(write.deriveNodeMs)}\n  peak RSS MiB (tree + file) ${fmt(write.rssMiB)}\n`,
  );
  const d1 = results['dumpReg1MiB'] as { wallMs: Stat };
  const d64 = results['dumpReg64MiB'] as { wallMs: Stat };
  process.stdout.write(`\nscaling: 64 MiB dump / 1 MiB dump wall time = ${(d64.wallMs.median / d1.wallMs.median).toFixed(1)}×\n`);
  Object.assign(results, benchCompile());
  if (process.env['BENCH_COMPARE'] !== '0') results['compare'] = compareWithBaseline(big.file);
  writeFileSync(join(OUT, 'results.json'), JSON.stringify(results, null, 2) + '\n');
}

await main();
