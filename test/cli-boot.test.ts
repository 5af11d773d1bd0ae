import { describe, expect, test } from '@jest/globals';
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { CORPUS_DIR, CORPUS_SIGNATURE, REPO_ROOT, corpusPath, describeCorpus, runCli } from '@hivetool/test-support';
import { scratchDirectory } from '@hivetool/test-support/scratch';
import { LINT_CHECKS } from '@hivetool/boot';

const describeWithCorpus = describeCorpus(describe);
const ajv = new Ajv({ allErrors: true, strict: true });
const validateBoot = ajv.compile(JSON.parse(readFileSync(join(REPO_ROOT, 'docs/schemas/boot.schema.json'), 'utf8')) as object);
const validateLint = ajv.compile(JSON.parse(readFileSync(join(REPO_ROOT, 'docs/schemas/lint.schema.json'), 'utf8')) as object);

const scratch = scratchDirectory('hivetool-boot-');

interface HiveJson {
  role: string;
  user: string | null;
  path: string | null;
  storage: string;
  outcome: string;
  reason: string;
  storedSignature: string | null;
  romSignature: string;
  regPersisted: boolean;
  decidedBy: Array<{ source: string; what: string; data: string | null }>;
}
interface BootJson {
  bootVolume: { profile: string; fileSystem: string; fileSystemDll: string; mountPoint: string; blockDrivers: Array<{ dll: string; enumerated: boolean }> } | null;
  steps: Array<{ step: number; result: string; decidedBy: Array<{ source: string; what: string; data: string | null }> }>;
  hives: HiveJson[];
  lint: Array<{ code: string; severity: string; message: string }>;
  actions: Array<{ kind: string; path: string }>;
  summary: { kept: number; clean: number; created: number; lintErrors: number };
}

/** Runs `hivetool boot --json` and checks the document against the schema. */
function bootJson(args: string[]): { status: number | null; report: BootJson } {
  const result = runCli(['boot', '--json', ...args]);
  expect(result.stderr).toBe('');
  const report = JSON.parse(result.stdout) as BootJson;
  expect([validateBoot(report), validateBoot.errors]).toEqual([true, null]);
  return { status: result.status, report };
}

let counter = 0;
/** A fresh storage folder for one scenario. */
function storage(): string {
  const dir = join(scratch.path, `storage-${++counter}`);
  mkdirSync(join(dir, 'Documents and Settings'), { recursive: true });
  return dir;
}

/** A persistent hive built against a ROM hive with `build --rom`, holding one change. */
function buildLinked(rom: 'default.hv' | 'user.hv', target: string): Uint8Array {
  const reg = join(scratch.path, `change-${++counter}.reg`);
  writeFileSync(reg, rom === 'default.hv' ? '[HKEY_LOCAL_MACHINE\\Software\\Fleet]\n"Setting"=dword:00000001\n' : '[HKEY_CURRENT_USER\\ControlPanel\\Fleet]\n"Theme"="dark"\n');
  mkdirSync(join(target, '..'), { recursive: true });
  const built = runCli(['build', '--rom', corpusPath(rom), reg, '-o', target]);
  expect(built.stderr).toBe('');
  expect(built.status).toBe(0);
  return new Uint8Array(readFileSync(target));
}

const SYSTEM_HIVE = ['Documents and Settings', 'system.hv'];
const DEFAULT_USER_HIVE = ['Documents and Settings', 'user.hv', 'default', 'user.hv'];

/** Every file under a folder with its bytes, by relative path. */
function tree(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[]) {
    const path = join(dir, name);
    try {
      files[name] = readFileSync(path).toString('hex');
    } catch {
      // a folder
    }
  }
  return files;
}

describeWithCorpus('boot on the mediaroom ROM set', () => {
  test('the report names the boot volume profile and the file system it mounts, read from boot.hv', () => {
    const text = runCli(['boot', CORPUS_DIR, storage()]);
    expect(text.stdout).toContain('boot volume: profile HDProfile, file system FATFS (fatfsd.dll), mounted at \\');
    expect(text.stdout).toContain('boot.hv: HKEY_LOCAL_MACHINE\\System\\StorageManager\\Profiles\\HDProfile\\FATFS\\MountAsBootable = dword:00000001');
    expect(text.stdout).toContain('boot.hv: HKEY_LOCAL_MACHINE\\System\\StorageManager\\FATFS\\Dll = "fatfsd.dll"');
    expect(text.stdout).toContain('note: profile MSFlash is marked bootable too');
    const { report } = bootJson([CORPUS_DIR, storage()]);
    expect(report.bootVolume).toMatchObject({ profile: 'HDProfile', fileSystem: 'FATFS', fileSystemDll: 'fatfsd.dll', mountPoint: '\\' });
    expect(report.bootVolume!.blockDrivers.map((driver) => driver.dll)).toEqual(['atapi.dll', 'atapi.dll', 'atapi.dll', 'atapi.dll', 'bcmatapi.dll']);
    // Step 1 of the issue: events, Storage Manager, boot phases, from the boot hive.
    expect(report.steps.find((step) => step.step === 4)!.result).toMatch(/^5 event\(s\): SYSTEM\/DevMgrApiSetReady/);
    expect(report.steps.find((step) => step.step === 5)!.decidedBy).toEqual([{ source: 'boot.hv', what: 'HKEY_LOCAL_MACHINE\\System\\StorageManager\\Dll', data: '"fsdmgr.dll"' }]);
    expect(report.steps.find((step) => step.step === 6)!.result).toContain('device.exe starts now');
  });

  test('a folder where system.hv belongs: one error line naming it, exit 2, with or without --apply (nothing written)', () => {
    const dir = storage();
    mkdirSync(join(dir, 'Documents and Settings', 'system.hv'));
    const out = join(scratch.path, `after-${++counter}`);
    for (const args of [['boot', CORPUS_DIR, dir], ['boot', CORPUS_DIR, dir, '--apply', out]]) {
      const result = runCli(args);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/system\.hv: \\Documents and Settings\\system\.hv is not a file .*neither load nor create the hive there\n$/);
    }
    expect(existsSync(out)).toBe(false);
  });

  test('no system.hv: CREATED (first boot), exit 1', () => {
    const { status, report } = bootJson([CORPUS_DIR, storage()]);
    expect(status).toBe(1);
    expect(report.hives[0]).toMatchObject({ role: 'system', path: '\\Documents and Settings\\system.hv', outcome: 'CREATED', storedSignature: null, regPersisted: false });
    expect(report.hives[0]!.decidedBy[0]).toEqual({ source: 'boot.hv', what: 'HKEY_LOCAL_MACHINE\\init\\BootVars\\SystemHive', data: '"\\\\Documents and Settings\\\\system.hv"' });
  });

  test('a build --rom system.hv at its SystemHive path: KEPT, RegPersisted set; found case-insensitively', () => {
    const dir = storage();
    buildLinked('default.hv', join(dir, 'Documents and Settings', 'SYSTEM.HV'));
    const { report } = bootJson([CORPUS_DIR, dir]);
    expect(report.hives[0]).toMatchObject({ role: 'system', outcome: 'KEPT', storedSignature: CORPUS_SIGNATURE, romSignature: CORPUS_SIGNATURE, regPersisted: true });
    expect(report.steps.find((step) => step.step === 14)!.result).toMatch(/^set: RegPersisted = dword:1 under HKLM/);
  });

  test('the same file with one signature byte changed: CLEAN, both signatures shown', () => {
    const dir = storage();
    const target = join(dir, ...SYSTEM_HIVE);
    const bytes = buildLinked('default.hv', target);
    bytes[0x28] = bytes[0x28]! ^ 0xff;
    writeFileSync(target, bytes);
    const changed = (0x6e ^ 0xff).toString(16) + CORPUS_SIGNATURE.slice(2);
    const text = runCli(['boot', CORPUS_DIR, dir]);
    expect(text.status).toBe(1);
    expect(text.stdout).toContain(`CLEAN      system \\Documents and Settings\\system.hv: its ROM signature ${changed} differs from default.hv's ${CORPUS_SIGNATURE}`);
    expect(text.stdout).toContain(`signature: stored ${changed}, ROM ${CORPUS_SIGNATURE}; RegPersisted after boot: not set`);
    const { report } = bootJson([CORPUS_DIR, dir]);
    expect(report.hives[0]).toMatchObject({ outcome: 'CLEAN', storedSignature: changed, romSignature: CORPUS_SIGNATURE, regPersisted: false });
  });

  test('--clean system: CLEAN though the signatures match', () => {
    const dir = storage();
    buildLinked('default.hv', join(dir, ...SYSTEM_HIVE));
    const { report } = bootJson(['--clean', 'system', CORPUS_DIR, dir]);
    expect(report.hives[0]).toMatchObject({ outcome: 'CLEAN', storedSignature: CORPUS_SIGNATURE, romSignature: CORPUS_SIGNATURE });
    expect(report.hives[0]!.reason).toMatch(/clean flag is set/);
    expect(report.hives[0]!.decidedBy).toContainEqual({ source: '--clean', what: 'IOCTL_HAL_GET_HIVE_CLEAN_FLAG(HIVECLEANFLAG_SYSTEM)', data: 'TRUE' });
  });

  test('user profiles: one hive kept, one wiped for its signature, all removed by --clean users', () => {
    const dir = storage();
    buildLinked('default.hv', join(dir, ...SYSTEM_HIVE));
    buildLinked('user.hv', join(dir, ...DEFAULT_USER_HIVE));
    const alice = join(dir, 'Documents and Settings', 'user.hv', 'alice', 'user.hv');
    const aliceBytes = buildLinked('user.hv', alice);
    aliceBytes[0x37] = aliceBytes[0x37]! ^ 0x01;
    writeFileSync(alice, aliceBytes);
    writeFileSync(join(dir, 'Documents and Settings', 'user.hv', 'alice', 'notes.txt'), 'kept');

    const kept = bootJson([CORPUS_DIR, dir]);
    expect(kept.status).toBe(0);
    expect(kept.report.hives.map((hive) => [hive.role, hive.user, hive.outcome])).toEqual([
      ['system', null, 'KEPT'],
      ['user', 'default', 'KEPT'],
    ]);
    expect(kept.report.hives[1]).toMatchObject({ path: '\\Documents and Settings\\user.hv\\default\\user.hv', regPersisted: true });

    const wiped = bootJson(['--user', 'alice', CORPUS_DIR, dir]);
    expect(wiped.status).toBe(1);
    expect(wiped.report.hives[1]).toMatchObject({ user: 'alice', outcome: 'CLEAN', regPersisted: false });
    expect(wiped.report.hives[1]!.storedSignature).not.toBe(CORPUS_SIGNATURE);
    expect(wiped.report.actions).toEqual([{ kind: 'create-hive', path: '\\Documents and Settings\\user.hv\\alice\\user.hv', rom: 'user', reason: wiped.report.hives[1]!.reason }]);

    const out = join(scratch.path, `clean-users-${counter}`);
    const all = bootJson(['--clean', 'users', '--apply', out, CORPUS_DIR, dir]);
    expect(all.report.hives[1]).toMatchObject({ user: 'default', outcome: 'CLEAN' });
    expect(all.report.actions.filter((action) => action.kind === 'remove-folder').map((action) => action.path)).toEqual([
      '\\Documents and Settings\\user.hv\\alice',
      '\\Documents and Settings\\user.hv\\default',
    ]);
    expect(existsSync(join(out, 'Documents and Settings', 'user.hv', 'alice'))).toBe(false);
    expect(existsSync(join(out, ...DEFAULT_USER_HIVE))).toBe(true);
    expect(existsSync(join(dir, 'Documents and Settings', 'user.hv', 'alice', 'notes.txt'))).toBe(true);
  });

  test('a RAM region dump: the combined hive, kept when its signature matches; an empty region is created', () => {
    const region = join(scratch.path, 'region.bin');
    buildLinked('default.hv', region);
    const kept = bootJson(['--ram-region', region, CORPUS_DIR, storage()]);
    expect(kept.report.hives[0]).toMatchObject({ role: 'combined', storage: 'ram-region', path: null, outcome: 'KEPT', storedSignature: CORPUS_SIGNATURE, regPersisted: true });
    expect(kept.report.hives).toHaveLength(1);
    expect(kept.report.steps.find((step) => step.step === 8)!.result).toContain('system and user data in one hive');
    const empty = join(scratch.path, 'empty-region.bin');
    writeFileSync(empty, new Uint8Array(64 * 1024));
    const created = bootJson(['--ram-region', empty, CORPUS_DIR, storage()]);
    expect(created.status).toBe(1);
    expect(created.report.hives[0]).toMatchObject({ role: 'combined', outcome: 'CREATED' });
  });

  test('--apply twice converges: the second boot keeps everything, the third copies it unchanged; inputs untouched', () => {
    const dir = storage();
    const system = buildLinked('default.hv', join(dir, ...SYSTEM_HIVE));
    writeFileSync(join(dir, 'Documents and Settings', 'readme.txt'), 'device files are copied');
    const before = tree(dir);
    const first = join(scratch.path, `apply-1-${counter}`);
    const second = join(scratch.path, `apply-2-${counter}`);
    const one = bootJson(['--apply', first, CORPUS_DIR, dir]);
    expect(one.report.hives.map((hive) => hive.outcome)).toEqual(['KEPT', 'CREATED']);
    expect(new Uint8Array(readFileSync(join(first, ...SYSTEM_HIVE)))).toEqual(system);
    expect(readFileSync(join(first, 'Documents and Settings', 'readme.txt'), 'utf8')).toBe('device files are copied');
    const two = bootJson(['--apply', second, CORPUS_DIR, first]);
    expect(two.status).toBe(0);
    expect(two.report.hives.map((hive) => [hive.outcome, hive.regPersisted])).toEqual([
      ['KEPT', true],
      ['KEPT', true],
    ]);
    expect(two.report.actions).toEqual([]);
    expect(tree(second)).toEqual(tree(first));
    const user = runCli(['verify', '--rom', corpusPath('user.hv'), join(second, ...DEFAULT_USER_HIVE)]);
    expect(user.stdout).toContain('boot: KEPT');
    expect(tree(dir)).toEqual(before);
  });

  test('--apply refuses an output folder inside an input, or one that has files', () => {
    const dir = storage();
    const inside = runCli(['boot', '--apply', join(dir, 'after'), CORPUS_DIR, dir]);
    expect(inside.status).toBe(2);
    expect(inside.stderr).toMatch(/refusing --apply .*after: it is or overlaps the input/);
    const full = join(scratch.path, 'full');
    mkdirSync(full);
    writeFileSync(join(full, 'x'), 'x');
    const refused = runCli(['boot', '--apply', full, CORPUS_DIR, dir]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/the folder is not empty/);
  });

  test('--apply never writes through a symbolic link of STORAGEDIR, and leaves nothing behind', () => {
    const elsewhere = join(scratch.path, 'elsewhere');
    mkdirSync(elsewhere);
    const dir = join(scratch.path, 'linked-storage');
    mkdirSync(dir);
    symlinkSync(elsewhere, join(dir, 'Documents and Settings'));
    const out = join(scratch.path, 'linked-out');
    const result = runCli(['boot', '--apply', out, CORPUS_DIR, dir]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`hivetool: cannot apply \\Documents and Settings\\system.hv: Documents and Settings in STORAGEDIR is a symbolic link, and hivetool writes nothing through a link: replace it with the folder it leads to\n`);
    expect(readdirSync(elsewhere)).toEqual([]);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(scratch.path).filter((name) => name.includes('linked-out'))).toEqual([]);
  });

  test('ROMDIR names in any case; a missing ROM hive is one error line, exit 2', () => {
    const romDir = join(scratch.path, 'ROM');
    mkdirSync(romDir);
    symlinkSync(corpusPath('boot.hv'), join(romDir, 'BOOT.HV'));
    symlinkSync(corpusPath('default.hv'), join(romDir, 'Default.hv'));
    const missing = runCli(['boot', romDir, storage()]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe(`hivetool: ${romDir}: no user.hv in the ROM folder (boot.hv, default.hv and user.hv are needed)\n`);
    symlinkSync(corpusPath('user.hv'), join(romDir, 'USER.hv'));
    expect(bootJson([romDir, storage()]).report.hives[0]!.outcome).toBe('CREATED');
    // Two names that differ only in case are one file on the device: which one it has is
    // not known, so neither is picked.
    symlinkSync(corpusPath('boot.hv'), join(romDir, 'boot.hv'));
    for (const args of [['boot', romDir, storage()], ['lint', romDir]]) {
      const twice = runCli(args);
      expect([twice.status, twice.stdout]).toEqual([2, '']);
      expect(twice.stderr).toMatch(new RegExp(`^hivetool: ${romDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: (BOOT\\.HV and boot\\.hv|boot\\.hv and BOOT\\.HV) are one file on the device \\(names ignore letter case\\): keep only the one the device has\n$`));
    }
  });

  test('a damaged system.hv is CLEAN (deleted, a default one created); a damaged ROM hive or a STORAGEDIR that is a file cannot run', () => {
    const dir = storage();
    const target = join(dir, ...SYSTEM_HIVE);
    const bytes = buildLinked('default.hv', target);
    writeFileSync(target, bytes.subarray(0, 0x2000));
    const { report } = bootJson([CORPUS_DIR, dir]);
    expect(report.hives[0]).toMatchObject({ outcome: 'CLEAN', storedSignature: CORPUS_SIGNATURE, regPersisted: false });
    expect(report.hives[0]!.reason).toMatch(/cannot be mounted \(.*\[[A-Z_]+\]\)/);

    const romDir = join(scratch.path, 'damaged-rom');
    mkdirSync(romDir);
    const boot = new Uint8Array(readFileSync(corpusPath('boot.hv')));
    boot[8] = 0;
    writeFileSync(join(romDir, 'boot.hv'), boot);
    symlinkSync(corpusPath('default.hv'), join(romDir, 'default.hv'));
    symlinkSync(corpusPath('user.hv'), join(romDir, 'user.hv'));
    const damaged = runCli(['boot', romDir, dir]);
    expect(damaged.status).toBe(2);
    expect(damaged.stderr).toMatch(new RegExp(`^hivetool: ${join(romDir, 'boot.hv').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: not a valid hive: .*\\[BAD_MAGIC\\]\\n$`));
    // Damage deep in the boot hive is met during the replay, after the hives opened.
    const deep = new Uint8Array(readFileSync(corpusPath('boot.hv')));
    for (let offset = 0xb000; offset < 0xb400; offset += 4) deep[offset] = deep[offset]! ^ 0x5a;
    writeFileSync(join(romDir, 'boot.hv'), deep);
    for (const command of [['boot', romDir, dir], ['lint', romDir]]) {
      const failed = runCli(command);
      expect(failed.status).toBe(2);
      expect(failed.stdout).toBe('');
      expect(failed.stderr).toMatch(/^hivetool: .*damaged-rom: not a valid hive: boot\.hv: .* \[[A-Z_]+\]\n$/);
    }
    const notFolder = runCli(['boot', CORPUS_DIR, target]);
    expect(notFolder.status).toBe(2);
    expect(notFolder.stderr).toContain('STORAGEDIR must be a folder');
  });

  test('lint: the JSON schema lists every check, no more', () => {
    const schema = JSON.parse(readFileSync(join(REPO_ROOT, 'docs/schemas/lint.schema.json'), 'utf8')) as { properties: { findings: { items: { properties: { code: { enum: string[] } } } } } };
    expect([...schema.properties.findings.items.properties.code.enum].sort()).toEqual(Object.keys(LINT_CHECKS).sort());
  });

  test('lint: the mediaroom findings, exit 0 (warnings only); JSON validates', () => {
    const text = runCli(['lint', CORPUS_DIR]);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain('0 error(s), 3 warning(s), 1 note(s)');
    const json = JSON.parse(runCli(['lint', '--json', CORPUS_DIR]).stdout) as { findings: Array<{ code: string; key: string }> };
    expect([validateLint(json), validateLint.errors]).toEqual([true, null]);
    expect(json.findings.map((finding) => `${finding.code} ${finding.key}`)).toEqual([
      'MULTIPLE_BOOT_PROFILES HKEY_LOCAL_MACHINE\\System\\StorageManager\\Profiles',
      'DRIVER_LOADED_TWICE HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\ALTPCI',
      'DRIVER_LOADED_TWICE HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\notify',
      'PROFILE_DIR_NAMES_A_FILE HKEY_LOCAL_MACHINE\\init\\BootVars\\ProfileDir',
    ]);
  });
});

describe('lint on a ROM set built with hivetool build', () => {
  test('errors give exit 1, each with its key and fix; JSON validates', () => {
    const romDir = join(scratch.path, 'built-rom');
    mkdirSync(romDir);
    const bootReg = join(romDir, 'boot.reg');
    writeFileSync(bootReg, '[HKEY_LOCAL_MACHINE\\init\\BootVars]\n"SystemHive"="\\\\Storage\\\\system.hv"\n"RegistryFlags"=dword:00000003\n');
    const userReg = join(romDir, 'user.reg');
    writeFileSync(userReg, '[HKEY_CURRENT_USER\\Software]\n');
    const signature = ['--rom-signature', CORPUS_SIGNATURE];
    for (const [inputs, out] of [[[bootReg], 'boot.hv'], [[bootReg], 'default.hv'], [[userReg], 'user.hv']] as const) {
      expect(runCli(['build', ...signature, ...inputs, '-o', join(romDir, out)]).status).toBe(0);
    }
    const text = runCli(['lint', romDir]);
    expect(text.status).toBe(1);
    expect(text.stdout).toContain('ERROR   REGISTRY_FLAGS_EXCLUSIVE HKEY_LOCAL_MACHINE\\init\\BootVars\\RegistryFlags');
    expect(text.stdout).toContain('fix: keep one of the two bits');
    const json = JSON.parse(runCli(['lint', '--json', romDir]).stdout) as { findings: Array<{ code: string }>; summary: { errors: number } };
    expect([validateLint(json), validateLint.errors]).toEqual([true, null]);
    // No volume is marked bootable: the hives stay in the object store, so nothing is said
    // of device.exe or ProfileDir on a file system.
    expect(json.findings.map((finding) => finding.code)).toEqual(['NO_STORAGE_MANAGER', 'NO_BOOT_PROFILE', 'REGISTRY_FLAGS_EXCLUSIVE']);
    const boot = runCli(['boot', '--json', romDir, join(scratch.path, 'built-rom')]);
    expect(boot.status).toBe(1);
    const report = JSON.parse(boot.stdout) as BootJson;
    expect([validateBoot(report), validateBoot.errors]).toEqual([true, null]);
    expect(report.bootVolume).toBeNull();
    expect(report.hives[0]).toMatchObject({ storage: 'object-store', outcome: 'CREATED' });
    // boot's lint and its step 8 agree: the object store, never "on a file system".
    expect(report.steps.find((step) => step.step === 8)!.result).toContain('the hives live in the object store');
    expect(report.lint.find((finding) => finding.code === 'NO_BOOT_PROFILE')!.message).toContain('so they stay in the object store');
    expect(boot.stdout).not.toContain('on a file system');
  });
});
