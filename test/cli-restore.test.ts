/**
 * The restore area on the command line: info, verify, dump --as-stored and recover.
 *
 * Fixtures: no public hive with a tail of restore records exists, so the files here are
 * made by the codec's flush simulator (`planFlush` / `applyFlush` / `simulateFlush`,
 * format guide §3a) from the corpus `user.hv`: `settleHive` gives it the restore fields a
 * finished flush leaves (restoreFlags 0, restoreSize = page size), one value's data byte and
 * the boot sequence number (page 0) are changed to make the next state, and the flush
 * between the two is written whole (`stale.hv`: the new hive and its stale records) or
 * cut just after restoreFlags = 2 (`copying.hv`: a copy pending) or inside the appended
 * records (`appending.hv`: restore records to discard). The same simulator is checked cut
 * by cut in packages/hive/test/flush.test.ts.
 */
import { describe, expect, test, beforeAll } from '@jest/globals';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { applyFlush, openHive, planFlush, simulateFlush } from '@hivetool/hive';
import { REPO_ROOT, corpusBytes, describeCorpus, runCli, settleHive } from '@hivetool/test-support';
import { scratchDirectory } from '@hivetool/test-support/scratch';

const describeWithCorpus = describeCorpus(describe);
const validate = new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(join(REPO_ROOT, 'docs/schemas/verify.schema.json'), 'utf8')) as object);
const scratch = scratchDirectory('hivetool-restore-');
const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

const files = { before: '', after: '', stale: '', copying: '', appending: '' };

describeWithCorpus('the restore area on the command line', () => {
  beforeAll(() => {
    const before = settleHive(corpusBytes('user.hv'), 4096);
    const after = before.slice();
    const value = [...openHive(after).root(1).subkeys()].flatMap((key) => (key.kind === 'key' ? [...key.values()] : [])).find((v) => v.kind === 'value' && v.dataLength > 0);
    if (value === undefined || value.kind !== 'value') throw new Error('user.hv has a value with data');
    after[value.dataOffset]! ^= 0x21;
    new DataView(after.buffer).setUint32(0xf4, 7, true);
    const plan = planFlush(before, after, { pageSize: 4096 });
    const flagsTwo = plan.writes.findIndex((w) => w.what === 'restoreFlags = 2');
    const upTo = (count: number): number => plan.writes.slice(0, count).reduce((sum, w) => sum + w.bytes.length, 0);
    const write = (name: keyof typeof files, bytes: Uint8Array): void => {
      files[name] = join(scratch.path, `${name}.hv`);
      writeFileSync(files[name], bytes);
    };
    write('before', before);
    write('after', after);
    write('stale', simulateFlush(before, after, { pageSize: 4096 }));
    write('copying', applyFlush(before, plan, upTo(flagsTwo + 1) + 10));
    write('appending', applyFlush(before, plan, upTo(2) + 7));
  });

  test('info lists the stale records of a clean file and says nothing is pending', () => {
    const text = runCli(['info', files.stale]);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/restore tail +8200 bytes: 2 record\(s\) \(stale\)/);
    expect(text.stdout).toMatch(/next mount +nothing to recover/);
    expect(text.stdout).toMatch(/restore record +0 at 0x00008000 → 0x00000000, inside the hive, stale/);
    const json = JSON.parse(runCli(['info', '--json', files.stale]).stdout) as { hives: Array<{ restore: { nextMount: string; records: Array<{ targetOffset: number; live: boolean }> }; statistics: { fileLength: number; hiveLength: number } }> };
    const info = json.hives[0]!;
    expect(info.restore.nextMount).toBe('none');
    expect(info.restore.records.map((r) => r.live)).toEqual([false, false]);
    expect(info.statistics).toMatchObject({ fileLength: 32768 + 8200, hiveLength: 32768 });
  });

  test('verify: a stale tail is a note (exit 0); a pending recovery says what the kernel will do (exit 1)', () => {
    const stale = runCli(['verify', files.stale]);
    expect(stale.status).toBe(0);
    expect(stale.stdout).toContain('next mount: nothing to recover');
    expect(stale.stdout).toMatch(/info +RESTORE_TAIL/);

    const copying = runCli(['verify', files.copying]);
    expect(copying.status).toBe(1);
    expect(copying.stdout).toContain('next mount: recovery pending: Windows CE copies 2 restore page(s) into the hive, finishing the cut flush (checked as mounted)');
    expect(copying.stdout).toMatch(/record 1 at 0x00009004 → 0x[0-9a-f]{8} inside the hive, live/);

    const appending = runCli(['verify', files.appending]);
    expect(appending.status).toBe(1);
    expect(appending.stdout).toContain('next mount: recovery pending: Windows CE discards 1 restore page(s)');

    const json = runCli(['verify', '--json', '--as-stored', files.copying, files.stale]);
    expect(json.status).toBe(1);
    const document = JSON.parse(json.stdout) as { hives: Array<{ restore: { action: string; pages: number; view: string } }> };
    expect(validate(document)).toBe(true);
    expect(document.hives.map((h) => h.restore)).toMatchObject([{ action: 'copy', pages: 2, view: 'as-stored' }, { action: 'none', pages: 0 }]);
  });

  test('dump reads a pending copy as mounted, --as-stored as stored', () => {
    const mounted = runCli(['dump', files.copying]);
    expect(mounted.status).toBe(0);
    expect(mounted.stderr).toMatch(/restoreFlags 2, .* this dump shows the hive as mounted \(2 restore page\(s\) applied/);
    expect(mounted.stdout).toBe(runCli(['dump', files.after]).stdout.replaceAll(files.after, files.copying));
    // --key reads the file page by page: the same hive as mounted.
    const key = 'HKEY_CURRENT_USER\\keyboard layout';
    expect(runCli(['dump', '-k', key, files.copying]).stdout).toBe(runCli(['dump', '-k', key, files.after]).stdout.replaceAll(files.after, files.copying));
    const stored = runCli(['dump', '--as-stored', files.copying]);
    expect(stored.stderr).toMatch(/this dump shows the hive as stored/);
    expect(stored.stdout).not.toBe(mounted.stdout);
  });

  test('recover writes the repaired hive, never touching the input; --truncate drops the tail', () => {
    const input = sha(files.copying);
    const out = join(scratch.path, 'recovered.hv');
    const result = runCli(['recover', files.copying, '-o', out]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('2 restore page(s) copied into the hive');
    expect(sha(files.copying)).toBe(input);
    const recovered = new Uint8Array(readFileSync(out));
    const after = new Uint8Array(readFileSync(files.after));
    expect(recovered.length).toBe(readFileSync(files.copying).length);
    expect(recovered.subarray(0, after.length)).toEqual(after);
    expect(runCli(['verify', out]).status).toBe(0);

    const cut = join(scratch.path, 'cut.hv');
    const json = runCli(['recover', '--truncate', '--json', files.appending, '-o', cut]);
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ format: 'hivetool-recover', action: 'discard', pages: 1, truncated: true, outputLength: 32768 });
    expect(readFileSync(cut)).toEqual(readFileSync(files.before));

    const refused = runCli(['recover', files.copying, '-o', files.copying]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/this output is the input/);
    expect(sha(files.copying)).toBe(input);
  });

  test('recover refuses a damaged restore area with its code', () => {
    const bytes = new Uint8Array(readFileSync(files.copying));
    new DataView(bytes.buffer).setUint32(0x24, (9 << 16) | 0x1000, true);
    const damaged = join(scratch.path, 'damaged.hv');
    writeFileSync(damaged, bytes);
    const result = runCli(['recover', damaged, '-o', join(scratch.path, 'never.hv')]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/damaged\.hv: .*\[RESTORE_COUNT_TOO_LARGE\]\n$/);
    expect(runCli(['verify', damaged]).stdout).toMatch(/ERROR +RESTORE_COUNT_TOO_LARGE/);
  });

  test('-o a folder: one line saying it is a folder, before any input is read; nothing written', () => {
    const folder = join(scratch.path, 'a-folder');
    mkdirSync(folder, { recursive: true });
    // The input is no hive, no .reg and no image: the folder is named first all the same.
    const text = join(REPO_ROOT, 'LICENSE');
    for (const output of [folder, `${folder}/`]) {
      for (const args of [['recover', text, '-o', output], ['rewrite', text, output], ['build', text, '-o', output], ['image', 'pack', text, '-o', output], ['oem', 'pack', text, '-o', output], ['dump', text, '-o', output]]) {
        const result = runCli(args);
        expect([args, result.status, result.stdout]).toEqual([args, 2, '']);
        expect(result.stderr).toBe(`hivetool: ${output}: cannot write: is a directory; name a file to write (e.g. ${join(output, 'out')})\n`);
      }
      expect(readdirSync(folder)).toEqual([]);
    }
  });

  test('recover of a file that is not a hive: one line naming it, exit 2, nothing written', () => {
    const text = join(scratch.path, 'notes.txt');
    writeFileSync(text, 'hello\n');
    const out = join(scratch.path, 'from-text.hv');
    const result = runCli(['recover', text, '-o', out]);
    expect([result.status, result.stdout]).toEqual([2, '']);
    expect(result.stderr).toMatch(/^hivetool: .*notes\.txt: .*\[TRUNCATED\]\n$/);
    expect(existsSync(out)).toBe(false);
  });
});
