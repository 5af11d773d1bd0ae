import { describe, expect, test } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { CORPUS_FILES, REPO_ROOT, corpusPath, describeCorpus, runCli } from '@hivetool/test-support';
import { scratchDirectory } from '@hivetool/test-support/scratch';

const describeWithCorpus = describeCorpus(describe);
const validate = new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(join(REPO_ROOT, 'docs/schemas/verify.schema.json'), 'utf8')) as object);

const scratch = scratchDirectory('hivetool-verify-');

describeWithCorpus('verify on the command line', () => {
  test.each(CORPUS_FILES)('%s verifies clean: exit 0, zero findings', (file) => {
    const result = runCli(['verify', corpusPath(file)]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('result: 0 error(s), 0 warning(s), 0 note(s)');
    expect(result.stdout).toContain('ROM signature 6e950daec1672852a98cf772c09550c9');
  });

  test('--rom alone checks the ROM hive and shows its signature; JSON validates', () => {
    const text = runCli(['verify', '--rom', corpusPath('default.hv')]);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/default\.hv: rom hive, 266240 bytes, ROM signature 6e950daec1672852a98cf772c09550c9/);
    expect(text.stdout).toContain('boot: ROM hive: part of the OS image');
    const json = JSON.parse(runCli(['verify', '--json', '--rom', corpusPath('default.hv')]).stdout) as { hives: Array<{ findings: unknown[]; kind: string }> };
    expect(validate(json)).toBe(true);
    expect(json.hives[0]!.findings).toEqual([]);
    expect(json.hives[0]!.kind).toBe('rom');
  });

  test('findings give exit 1; warnings only with --strict; an unreadable file exit 2', () => {
    const bytes = new Uint8Array(readFileSync(corpusPath('user.hv')));
    new DataView(bytes.buffer).setUint32(0xe8, 1, true); // a pending recovery log entry: a warning
    const warned = join(scratch.path, 'warned.hv');
    writeFileSync(warned, bytes);
    expect(runCli(['verify', warned]).status).toBe(0);
    const strict = runCli(['verify', '--strict', warned]);
    expect(strict.status).toBe(1);
    expect(strict.stdout).toMatch(/WARNING LOG_PENDING at 0x000000e8: 1 recovery log entry is pending/);
    bytes[8] = 0;
    const broken = join(scratch.path, 'broken.hv');
    writeFileSync(broken, bytes);
    const json = runCli(['verify', '--json', broken, join(scratch.path, 'missing.hv')]);
    expect(json.status).toBe(2);
    const document = JSON.parse(json.stdout) as { hives: Array<{ findings?: Array<{ code: string }>; error?: string }> };
    expect(validate(document)).toBe(true);
    expect(document.hives[0]!.findings!.map((f) => f.code)).toEqual(['BAD_MAGIC']);
    expect(document.hives[1]!.error).toMatch(/no such file/);
    expect(runCli(['verify', broken]).status).toBe(1);
  });

  test('--rom must be a ROM hive', () => {
    const built = join(scratch.path, 'p.hv');
    const reg = join(scratch.path, 'p.reg');
    writeFileSync(reg, '[HKLM\\a]\n');
    expect(runCli(['build', '--layout', 'persistent', reg, '-o', built]).status).toBe(0);
    const refused = runCli(['verify', '--rom', built, corpusPath('user.hv')]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/^hivetool: .*p\.hv: this is a persistent hive .*--rom takes the ROM hive/);
  });
});
