/**
 * One set of rules for damaged hives (docs/verify.md, "Which commands stop, which read
 * on"): every command, run on a damaged copy of a real hive per class of damage, does what
 * the table says. The expectations are written out here from the document's table, not
 * read from the code's.
 */
import { describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openHive, walkTree, type HiveKey } from '@hivetool/hive';
import { REPO_ROOT, corpusAvailable, corpusPath, runCli } from '@hivetool/test-support';
import { scratchDirectory } from '@hivetool/test-support/scratch';

const scratch = scratchDirectory('hivetool-damage-rules-');

/** How a command ended, as the table says: exit code, and what stderr names. */
type Outcome =
  /** exit 0, nothing on stderr but warnings */
  | 'ok'
  /** verify: findings, exit 1 */
  | 'report'
  /** exit 2; nothing shown before the error; nothing written with -o */
  | 'stop'
  /** exit 2; what preceded the damaged record (block) shown (dump -f raw), then the error */
  | 'stop-at-record'
  /** exit 2; the damaged record skipped and what only it leads to, everything else shown, then the error */
  | 'skip-record'
  /** exit 2; everything intact shown, then one error line naming the damage */
  | 'read-on'
  /** info: exit 2, what could be read shown, the problem listed */
  | 'describe'
  /** recover: the repaired file written, exit 1 (errors the repair does not touch) */
  | 'repair-report';

type Command = 'verify' | 'info' | 'dump' | 'dump-json' | 'dump-raw' | 'dump-deleted' | 'dump-key' | 'find' | 'diff' | 'rewrite' | 'image-pack' | 'oem-pack' | 'build-rom' | 'recover';

/**
 * The table of docs/verify.md, written out per class of damage. `code`: the code every
 * error line and finding names.
 */
const TABLE: Record<string, { code: string; expect: Record<Command, Outcome> }> = {
  'not a hive (cut inside the header page)': {
    code: 'TRUNCATED',
    expect: { verify: 'stop', info: 'stop', dump: 'stop', 'dump-json': 'stop', 'dump-raw': 'stop', 'dump-deleted': 'stop', 'dump-key': 'stop', find: 'stop', diff: 'stop', rewrite: 'stop', 'image-pack': 'stop', 'oem-pack': 'stop', 'build-rom': 'stop', recover: 'stop' },
  },
  'header: a version other than 0x400': {
    code: 'UNKNOWN_VERSION',
    expect: { verify: 'ok', info: 'ok', dump: 'ok', 'dump-json': 'ok', 'dump-raw': 'ok', 'dump-deleted': 'ok', 'dump-key': 'ok', find: 'ok', diff: 'ok', rewrite: 'ok', 'image-pack': 'ok', 'oem-pack': 'ok', 'build-rom': 'ok', recover: 'ok' },
  },
  'restore area: restoreFlags 7': {
    code: 'RESTORE_FLAGS_UNKNOWN',
    expect: { verify: 'report', info: 'describe', dump: 'stop', 'dump-json': 'stop', 'dump-raw': 'stop', 'dump-deleted': 'stop', 'dump-key': 'stop', find: 'stop', diff: 'stop', rewrite: 'stop', 'image-pack': 'stop', 'oem-pack': 'stop', 'build-rom': 'stop', recover: 'stop' },
  },
  'a file cut short (27 972 bytes of 28 672)': {
    code: 'RESTORE_START_PAST_EOF',
    expect: { verify: 'report', info: 'describe', dump: 'read-on', 'dump-json': 'read-on', 'dump-raw': 'read-on', 'dump-deleted': 'read-on', 'dump-key': 'read-on', find: 'read-on', diff: 'read-on', rewrite: 'stop', 'image-pack': 'stop', 'oem-pack': 'stop', 'build-rom': 'stop', recover: 'stop' },
  },
  'directory: section 0 table with a wrong index': {
    code: 'BAD_SECTION_TABLE',
    expect: { verify: 'report', info: 'describe', dump: 'stop', 'dump-json': 'stop', 'dump-raw': 'stop', 'dump-deleted': 'stop', 'dump-key': 'stop', find: 'stop', diff: 'stop', rewrite: 'stop', 'image-pack': 'stop', 'oem-pack': 'stop', 'build-rom': 'stop', recover: 'repair-report' },
  },
  'heap: the last free block claims 256 KiB past the end': {
    code: 'BLOCK_PAST_EOF',
    expect: { verify: 'report', info: 'describe', dump: 'read-on', 'dump-json': 'read-on', 'dump-raw': 'stop-at-record', 'dump-deleted': 'read-on', 'dump-key': 'ok', find: 'read-on', diff: 'read-on', rewrite: 'stop', 'image-pack': 'stop', 'oem-pack': 'stop', 'build-rom': 'stop', recover: 'repair-report' },
  },
  'slots: a free-slot chain head out of range': {
    code: 'FREE_HEAD_OUT_OF_RANGE',
    expect: { verify: 'report', info: 'describe', dump: 'read-on', 'dump-json': 'read-on', 'dump-raw': 'read-on', 'dump-deleted': 'read-on', 'dump-key': 'ok', find: 'read-on', diff: 'read-on', rewrite: 'stop', 'image-pack': 'stop', 'oem-pack': 'stop', 'build-rom': 'stop', recover: 'repair-report' },
  },
  'records: a key name running past its block': {
    code: 'NAME_PAST_BLOCK',
    expect: { verify: 'report', info: 'describe', dump: 'skip-record', 'dump-json': 'skip-record', 'dump-raw': 'ok', 'dump-deleted': 'skip-record', 'dump-key': 'skip-record', find: 'skip-record', diff: 'stop', rewrite: 'stop', 'image-pack': 'stop', 'oem-pack': 'stop', 'build-rom': 'stop', recover: 'repair-report' },
  },
  'links: a child link back to an ancestor (a cycle)': {
    code: 'CHILD_CYCLE',
    expect: { verify: 'report', info: 'describe', dump: 'skip-record', 'dump-json': 'skip-record', 'dump-raw': 'ok', 'dump-deleted': 'skip-record', 'dump-key': 'skip-record', find: 'skip-record', diff: 'stop', rewrite: 'stop', 'image-pack': 'stop', 'oem-pack': 'stop', 'build-rom': 'stop', recover: 'repair-report' },
  },
  'links: two roots pointing at one key': {
    code: 'CHILD_CYCLE',
    expect: { verify: 'report', info: 'describe', dump: 'skip-record', 'dump-json': 'skip-record', 'dump-raw': 'ok', 'dump-deleted': 'skip-record', 'dump-key': 'ok', find: 'skip-record', diff: 'stop', rewrite: 'stop', 'image-pack': 'stop', 'oem-pack': 'stop', 'build-rom': 'stop', recover: 'repair-report' },
  },
  'notes: byte +13 of a key set': {
    code: 'KEY_BYTE13_SET',
    expect: { verify: 'ok', info: 'ok', dump: 'ok', 'dump-json': 'ok', 'dump-raw': 'ok', 'dump-deleted': 'ok', 'dump-key': 'ok', find: 'ok', diff: 'ok', rewrite: 'ok', 'image-pack': 'ok', 'oem-pack': 'ok', 'build-rom': 'ok', recover: 'ok' },
  },
};

interface Shape {
  /** A top-level key (its path), and a key two or more levels below it with no subkeys. */
  top: { path: string; name: string; key: HiveKey };
  deep: { path: string; key: HiveKey };
  /** The file offset of the last heap block. */
  lastBlock: number;
  /** The last key in tree order not beside the deep key (which a damaged deep key cuts off). */
  after: string;
}

function shapeOf(bytes: Uint8Array): Shape {
  const hive = openHive(bytes);
  const keys: Array<{ key: HiveKey; path: string; depth: number }> = [];
  walkTree(hive, { key: (key, path, depth) => keys.push({ key, path, depth }) });
  const deep = keys.find((entry) => entry.depth >= 2 && entry.key.firstChild === 0)!;
  const top = keys.find((entry) => entry.depth === 1 && deep.path.startsWith(`${entry.path}\\`))!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let lastBlock = 0x5000;
  for (let offset = 0x5000; offset < bytes.length; ) {
    lastBlock = offset;
    const sizeType = view.getUint32(offset, true);
    offset += 12 + ((sizeType & 1) === 1 ? (sizeType & ~1) >>> 0 : sizeType & 0x0fffffff);
  }
  return { top: { path: top.path, name: top.path.slice(top.path.lastIndexOf('\\') + 1), key: top.key }, deep: { path: deep.path, key: deep.key }, lastBlock, after: keys.filter((entry) => !entry.path.startsWith(deep.path.slice(0, deep.path.lastIndexOf('\\') + 1))).pop()!.path };
}

/** The damaged copy of `clean` for one class of the table. */
function damage(clean: Uint8Array, which: string, shape: Shape): Uint8Array {
  const bytes = clean.slice();
  const view = new DataView(bytes.buffer);
  const section0 = 0x5000 + view.getUint32(0x1000, true);
  switch (TABLE[which]!.code) {
    case 'TRUNCATED':
      return bytes.subarray(0, 100);
    case 'UNKNOWN_VERSION':
      view.setUint32(0, 0x401, true);
      break;
    case 'RESTORE_FLAGS_UNKNOWN':
      view.setUint32(0x1c, 7, true);
      break;
    case 'RESTORE_START_PAST_EOF':
      return bytes.subarray(0, bytes.length - 700);
    case 'BAD_SECTION_TABLE':
      view.setUint32(section0 + 8, 7, true);
      break;
    case 'BLOCK_PAST_EOF':
      view.setUint32(shape.lastBlock, view.getUint32(shape.lastBlock, true) + 0x40000, true);
      break;
    case 'FREE_HEAD_OUT_OF_RANGE':
      view.setUint32(section0 + 12 + 4096, 5000, true);
      break;
    case 'NAME_PAST_BLOCK':
      bytes[shape.deep.key.offset + 12 + 12] = 255;
      break;
    case 'CHILD_CYCLE':
      if (which.startsWith('links: two roots')) {
        // A root entry other than the --key key's set to the first key of a third root.
        const topRoot = openHive(clean).roots().find((root) => shape.top.path.startsWith(`${root.name}\\`))!.index;
        const source = openHive(clean).roots().find((root) => root.index !== topRoot && root.firstKey !== 0)!;
        const target = [0, 1, 2, 3].find((index) => index !== topRoot && index !== source.index)!;
        view.setUint32(source.refOffset + 4 * (target - source.index), source.firstKey, true);
      } else {
        view.setUint32(shape.deep.key.offset + 12 + 4, ((2 << 28) | shape.top.key.id) >>> 0, true);
      }
      break;
    case 'KEY_BYTE13_SET':
      bytes[shape.deep.key.offset + 12 + 13] = 1;
      break;
  }
  return bytes;
}

/** The arguments of each command on `file`; `out` is where a command that writes one writes it. */
function commandLine(command: Command, file: string, clean: string, out: string, shape: Shape, reg: string): string[] {
  switch (command) {
    case 'verify':
      return ['verify', file];
    case 'info':
      return ['info', file];
    case 'dump':
      return ['dump', file];
    case 'dump-json':
      return ['dump', '-f', 'json', file];
    case 'dump-raw':
      return ['dump', '-f', 'raw', file];
    case 'dump-deleted':
      return ['dump', '--deleted', file];
    case 'dump-key':
      return ['dump', '--key', shape.top.path, file];
    case 'find':
      return ['find', shape.top.name, file];
    case 'diff':
      return ['diff', clean, file];
    case 'rewrite':
      return ['rewrite', file, out];
    case 'image-pack':
      return ['image', 'pack', file, '-o', out];
    case 'oem-pack':
      return ['oem', 'pack', file, '-o', out];
    case 'build-rom':
      return ['build', '--rom', file, reg, '-o', out];
    case 'recover':
      return ['recover', file, '-o', out];
  }
}

const WRITES: ReadonlySet<Command> = new Set(['rewrite', 'image-pack', 'oem-pack', 'build-rom', 'recover']);
const EXIT: Record<Outcome, number> = { ok: 0, report: 1, stop: 2, 'stop-at-record': 2, 'skip-record': 2, 'read-on': 2, describe: 2, 'repair-report': 1 };

function checkAgreement(source: string, label: string): void {
  const clean = new Uint8Array(readFileSync(source));
  const shape = shapeOf(clean);
  const cleanFile = join(scratch.path, `${label}-clean.hv`);
  writeFileSync(cleanFile, clean);
  const reg = join(scratch.path, 'change.reg');
  writeFileSync(reg, 'REGEDIT4\n\n[HKEY_LOCAL_MACHINE\\DamageRules]\n"v"=dword:00000001\n');
  const failures: string[] = [];
  for (const [which, row] of Object.entries(TABLE)) {
    const file = join(scratch.path, `${label}-${row.code.toLowerCase()}-${which.startsWith('links: two') ? 'roots' : 'one'}.hv`);
    writeFileSync(file, damage(clean, which, shape));
    for (const [command, outcome] of Object.entries(row.expect) as Array<[Command, Outcome]>) {
      const out = join(scratch.path, `${label}-out-${command}`);
      rmSync(out, { force: true });
      const result = runCli(commandLine(command, file, cleanFile, out, shape, reg));
      const problems: string[] = [];
      if (result.status !== EXIT[outcome]) problems.push(`exit ${result.status}, expected ${EXIT[outcome]}`);
      const named = result.stderr.includes(`[${row.code}]`) || result.stdout.includes(row.code);
      switch (outcome) {
        case 'ok':
          if (/^hivetool: (?!warning: )/m.test(result.stderr)) problems.push(`an error line: ${result.stderr}`);
          break;
        case 'report':
          if (!result.stdout.includes(row.code)) problems.push(`no ${row.code} finding`);
          break;
        case 'stop':
          if (!named && row.code !== 'TRUNCATED') problems.push(`stderr does not name [${row.code}]: ${result.stderr}`);
          if (command.startsWith('dump') && result.stdout.includes('[HKEY_')) problems.push('keys shown before the stop');
          break;
        case 'stop-at-record':
          if (!named) problems.push(`stderr does not name [${row.code}]: ${result.stderr}`);
          if (command === 'dump' && !/stops here/.test(result.stdout)) problems.push('no "stops here" line in the output');
          break;
        case 'skip-record': {
          if (!named) problems.push(`stderr does not name [${row.code}]: ${result.stderr}`);
          if (!/record\(s\) or link\(s\) skipped.*what was shown is what is intact/.test(result.stderr)) problems.push(`the error line does not count what was skipped: ${result.stderr}`);
          if (/stops here/.test(result.stdout)) problems.push('the walk stopped');
          if (command === 'find' && !result.stdout.includes(shape.top.name)) problems.push('the intact match is not shown');
          if ((command === 'dump' || command === 'dump-deleted') && !/; hivetool: damaged record skipped under /.test(result.stdout)) problems.push('the skipped record is not noted in the output');
          // The damage is at or below the deep key: the keys after it in the tree are shown.
          if ((command === 'dump' || command === 'dump-deleted') && !which.startsWith('links: two') && !result.stdout.includes(`[${shape.after}]`)) problems.push(`a key after the damage (${shape.after}) is not shown`);
          break;
        }
        case 'read-on': {
          if (!named) problems.push(`stderr does not name [${row.code}]: ${result.stderr}`);
          if (!/what was shown is what/.test(result.stderr)) problems.push(`the error line does not say what was shown: ${result.stderr}`);
          if (command === 'find' && !result.stdout.includes(shape.top.name)) problems.push('the intact match is not shown');
          if ((command === 'dump' || command === 'dump-deleted' || command === 'dump-key') && !result.stdout.includes(`[${shape.deep.path}]`)) problems.push('the intact keys are not shown');
          if (/stops here/.test(result.stdout)) problems.push('the dump stopped');
          break;
        }
        case 'describe':
          if (!named) problems.push(`stderr does not name [${row.code}]: ${result.stderr}`);
          if (!/ROM signature/.test(result.stdout)) problems.push('the header is not shown');
          break;
        case 'repair-report':
          if (!/error\(s\) the repair does not touch/.test(result.stdout)) problems.push('no count of the errors left');
          break;
      }
      if (WRITES.has(command)) {
        const written = existsSync(out);
        if (written !== (outcome === 'ok' || outcome === 'repair-report')) problems.push(written ? 'an output was written' : 'no output was written');
      }
      if (problems.length > 0) failures.push(`${which} / ${command} (${outcome}): ${problems.join('; ')}`);
    }
  }
  expect(failures).toEqual([]);
}

describe('every command agrees with the table of docs/verify.md on every class of damage', () => {
  test('damaged copies of samples/device.hv', () => {
    checkAgreement(join(REPO_ROOT, 'samples/device.hv'), 'device');
  });

  (corpusAvailable ? test : test.skip)('damaged copies of the corpus default.hv', () => {
    checkAgreement(corpusPath('default.hv'), 'default');
  });
});

describe('the table in docs/verify.md is the one written out here', () => {
  test('each class row of the document gives these actions', () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs/verify.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## Which commands stop, which read on'));
    const rows = section.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| class') && !line.startsWith('|---'));
    const columns = ['class', 'codes', 'verify', 'info', 'read', 'subtree', 'heap', 'copy', 'repair'];
    const kindOf: Record<Command, string> = {
      verify: 'verify', info: 'info', dump: 'read', 'dump-json': 'read', 'dump-deleted': 'read', find: 'read', diff: 'read', 'dump-key': 'subtree', 'dump-raw': 'heap',
      rewrite: 'copy', 'image-pack': 'copy', 'oem-pack': 'copy', 'build-rom': 'copy', recover: 'repair',
    };
    // The words of the document for each outcome seen.
    const words: Record<Outcome, RegExp> = { ok: /^(unaffected|not checked)/, report: /^report/, stop: /^stop( |$)/, 'stop-at-record': /^stop at the (record|block)/, 'skip-record': /^skip the record/, 'read-on': /^read on/, describe: /^describe/, 'repair-report': /^report/ };
    const mismatches: string[] = [];
    for (const [which, row] of Object.entries(TABLE)) {
      const line = rows.find((text) => text.split('|')[2]!.includes(`\`${row.code}\``));
      if (line === undefined) {
        mismatches.push(`${row.code}: no row`);
        continue;
      }
      const cells = line.split('|').slice(1, -1).map((cell) => cell.trim());
      for (const [command, outcome] of Object.entries(row.expect) as Array<[Command, Outcome]>) {
        const cell = cells[columns.indexOf(kindOf[command])]!;
        // diff stops where the other readers skip the record (a subtree skipped would read as
        // keys removed), and shows nothing before the end, so its stop is a plain stop;
        // verify reports warnings and notes with exit 0; a --key subtree away from the
        // damage is not affected by it.
        const expected = command === 'diff' && outcome === 'stop' ? /^(stop|skip the record)/ : command === 'verify' && outcome === 'ok' ? /^report/ : words[outcome];
        const seen = expected.test(cell) || (command === 'dump-key' && outcome === 'ok' && which.startsWith('links: two'));
        if (!seen) mismatches.push(`${which} / ${command}: the document says "${cell}", the test expects ${outcome}`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});
