import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, realpathSync, renameSync, rmSync, rmdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { emptyPersistentHive, renderEvidence, renderStep, replayBoot, splitDevicePath, type BootReport, type LintFinding, type RomSet, type StorageAction, type StorageFolder } from '@hivetool/boot';
import { isHiveFormatError } from '@hivetool/hive';
import { terminalLines, terminalSafeJson } from '@hivetool/registry';
import { ExitCode, UsageError, describeFailure } from '../failures.js';
import { openHiveFile, readInputFile } from '../input.js';
import { StdoutSink, writeFileAtomic } from '../output.js';
import { hold, release } from '../temporaries.js';
import type { CommandIo } from '../command.js';
import type { CliIo } from '../io.js';
import { findEntry } from '../rom.js';

export interface BootArguments {
  romDir: string;
  storageDir: string;
  clean?: 'system' | 'users' | 'all' | undefined;
  ramRegion?: string | undefined;
  user?: string | undefined;
  apply?: string | undefined;
  json: boolean;
}

/** A hive of the ROM set: the file in ROMDIR named case-insensitively, opened as a ROM hive. */
function openRomHive(io: CliIo, romDir: string, name: string): { file: string; hive: RomSet['boot'] } {
  if (!existsSync(romDir) || !statSync(romDir).isDirectory()) throw new UsageError(`${romDir}: ROMDIR must be a folder holding boot.hv, default.hv and user.hv`);
  const entry = findEntry(romDir, name);
  if (entry === undefined) throw new UsageError(`${romDir}: no ${name} in the ROM folder (boot.hv, default.hv and user.hv are needed)`);
  const file = join(romDir, entry);
  try {
    const hive = openHiveFile(io, file, { source: name });
    if (hive.kind !== 'rom') throw new UsageError(`${file}: this is a persistent hive (its roots carry store nibble 0); the ROM folder holds the image's ROM hives`);
    return { file, hive };
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const line = describeFailure(error, file);
    if (line === undefined) throw error;
    throw new UsageError(line.startsWith(file) ? line : `${file}: ${line}`);
  }
}

/**
 * Runs a pass over the ROM hives; damage found in them on the way (they open lazily, so
 * records are checked when read) becomes one line naming the ROM folder. Errors in records
 * of a ROM hive name that hive (`boot.hv: …`).
 */
export function romFailure<T>(romDir: string, pass: () => T): T {
  try {
    return pass();
  } catch (error) {
    if (!isHiveFormatError(error)) throw error;
    throw new UsageError(`${romDir}: not a valid hive: ${error.message}`);
  }
}

/** The ROM set of a folder (`hivetool compile`'s output works as is). */
export function openRomSet(io: CliIo, romDir: string): RomSet & { files: { boot: string; system: string; user: string } } {
  const boot = openRomHive(io, romDir, 'boot.hv');
  const system = openRomHive(io, romDir, 'default.hv');
  const user = openRomHive(io, romDir, 'user.hv');
  return { boot: boot.hive, system: system.hive, user: user.hive, files: { boot: boot.file, system: system.file, user: user.file } };
}

/**
 * Maps a device path onto a host folder, each name matched case-insensitively as the CE
 * file systems do. Names not found keep the device's spelling; `exists` says whether the
 * whole path was found.
 */
export function mapDevicePath(root: string, devicePath: string): { host: string; exists: boolean } {
  let host = root;
  let exists = true;
  for (const name of splitDevicePath(devicePath).names) {
    const entry = exists ? findEntry(host, name) : undefined;
    if (entry === undefined) exists = false;
    host = join(host, entry ?? name);
  }
  return { host, exists };
}

/** The storage folder as the replay sees it: files found case-insensitively, read only. */
export function storageFolder(io: CliIo, root: string): StorageFolder {
  return {
    find(path) {
      const mapped = mapDevicePath(root, path);
      if (!mapped.exists) return undefined;
      // A symbolic link that leads nowhere holds no hive: the boot creates one (and --apply
      // replaces the link with it).
      if (isLink(mapped.host) && !existsSync(mapped.host)) return undefined;
      // Something other than a file where a hive belongs: filesys could neither load the
      // hive nor create one there, and hivetool does not guess what it would do then.
      if (!statSync(mapped.host).isFile()) throw new UsageError(`${mapped.host}: ${path} is not a file (a folder or a device stands where the hive belongs): the device can neither load nor create the hive there`, true);
      return readInputFile(io, mapped.host);
    },
    folders(path) {
      const mapped = mapDevicePath(root, path);
      if (!mapped.exists || !statSync(mapped.host).isDirectory()) return [];
      return readdirSync(mapped.host, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name)
        .sort();
    },
  };
}

/** The real path of `path`, or of its nearest existing parent with the rest appended. */
export function realPathOf(path: string): string {
  const absolute = resolve(path);
  if (existsSync(absolute)) return realpathSync(absolute);
  const parent = dirname(absolute);
  return parent === absolute ? absolute : join(realPathOf(parent), basename(absolute));
}

export const within = (path: string, folder: string): boolean => path === folder || path.startsWith(folder.endsWith(sep) ? folder : folder + sep);

/** Refuses an OUTDIR that is, lies inside, or holds one of the inputs, or that has files already. */
function checkOutputFolder(outDir: string, inputs: string[]): void {
  const target = realPathOf(outDir);
  for (const input of inputs) {
    const source = realPathOf(input);
    if (within(target, source) || within(source, target)) throw new UsageError(`refusing --apply ${outDir}: it is or overlaps the input ${input}; choose a folder outside the inputs`);
  }
  if (existsSync(outDir)) {
    if (!lstatSync(outDir).isDirectory()) throw new UsageError(`refusing --apply ${outDir}: it exists and is not a folder`);
    if (readdirSync(outDir).length > 0) throw new UsageError(`refusing --apply ${outDir}: the folder is not empty`);
  }
}

/**
 * Writes the storage folder as it is after the boot: a copy of STORAGEDIR in a temporary
 * folder beside OUTDIR, the replay's actions applied to it, then renamed to OUTDIR. A hive
 * is written as every generated name in an output folder is (a temporary file renamed
 * over the name): a symbolic link copied from STORAGEDIR at that name is replaced, never
 * written through; a folder on the way that is a link is refused.
 */
function applyActions(io: CliIo, report: BootReport, rom: RomSet, storageDir: string, outDir: string): void {
  const temporary = join(dirname(resolve(outDir)), `.${basename(resolve(outDir))}.${process.pid}.tmp`);
  rmSync(temporary, { recursive: true, force: true });
  hold(temporary, outDir);
  try {
    cpSync(storageDir, temporary, { recursive: true, errorOnExist: true, force: false, verbatimSymlinks: true });
    const empty = { system: emptyPersistentHive(rom.system), user: emptyPersistentHive(rom.user) };
    for (const action of report.actions) {
      const mapped = mapDevicePath(temporary, action.path);
      refuseLinksOnPath(temporary, mapped.host, action.path);
      if (action.kind === 'create-hive') {
        const parent = dirname(mapped.host);
        if (existsSync(parent) && !statSync(parent).isDirectory()) throw new UsageError(`cannot create ${action.path}: ${parent} is a file, not a folder`);
        mkdirSync(parent, { recursive: true });
        if (!isLink(mapped.host) && existsSync(mapped.host) && !lstatSync(mapped.host).isFile()) throw new UsageError(`cannot create ${action.path}: ${mapped.host} is not a file`);
        writeFileAtomic(io, mapped.host, empty[action.rom], 'generated');
      } else if (mapped.exists || isLink(mapped.host)) {
        // A link is removed itself, never what it leads to.
        rmSync(mapped.host, { recursive: true, force: true });
      }
    }
    // An empty OUTDIR (checked before the replay) is replaced.
    if (existsSync(outDir)) rmdirSync(outDir);
    renameSync(temporary, outDir);
    release(temporary);
  } catch (error) {
    rmSync(temporary, { recursive: true, force: true });
    release(temporary);
    if (error instanceof UsageError) throw error;
    // cpSync copies files, folders and links only.
    const code = (error as NodeJS.ErrnoException).code;
    const copied = (error as { info?: { path?: unknown } }).info?.path;
    if (code?.startsWith('ERR_FS_CP_') === true && typeof copied === 'string' && copied.startsWith(temporary + sep)) {
      throw new UsageError(`${join(storageDir, copied.slice(temporary.length + 1))}: cannot copy to ${outDir}: --apply copies files, folders and links, and this is a FIFO, a socket or a device; remove it from STORAGEDIR`, true);
    }
    const line = describeFailure(error, outDir);
    if (line === undefined) throw error;
    throw new UsageError(`cannot write ${outDir}: ${line}`);
  }
}

/**
 * Refuses to write or remove through a symbolic link copied from STORAGEDIR: a folder on
 * the way to `host` that is a link could lead outside OUTDIR (links are copied as links,
 * never followed). A link at `host` itself is replaced or removed, not followed.
 */
function refuseLinksOnPath(root: string, host: string, devicePath: string): void {
  let path = root;
  const names = host.slice(root.length + 1).split(sep);
  for (const [index, name] of names.entries()) {
    path = join(path, name);
    if (index === names.length - 1) return;
    if (!existsSync(path) && !isLink(path)) return;
    if (isLink(path)) throw new UsageError(`cannot apply ${devicePath}: ${path.slice(root.length + 1)} in STORAGEDIR is a symbolic link, and hivetool writes nothing through a link: replace it with the folder it leads to`);
  }
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

function renderAction(action: StorageAction): string {
  switch (action.kind) {
    case 'remove-folder':
      return `remove folder ${action.path} (${action.reason})`;
    case 'create-hive':
      return `create ${action.path}: empty persistent hive linked to ${action.rom === 'system' ? 'default.hv' : 'user.hv'}`;
  }
}

export function renderFinding(finding: LintFinding): string[] {
  const severity = finding.severity === 'error' ? 'ERROR' : finding.severity;
  return [`  ${severity.padEnd(7)} ${finding.code} ${finding.key}: ${finding.message}`, `          fix: ${finding.fix}`];
}

function renderText(report: BootReport, args: BootArguments, files: { boot: string; system: string; user: string }): string {
  const lines: string[] = [];
  lines.push(`ROM set: ${files.boot}, ${files.system}, ${files.user} (ROM signature ${report.romSignatures.system})`);
  lines.push(args.ramRegion === undefined ? `storage: ${args.storageDir}` : `RAM region: ${args.ramRegion}`);
  if (report.bootVolume !== null) {
    const volume = report.bootVolume;
    lines.push(`boot volume: profile ${volume.profile}, file system ${volume.fileSystem ?? '(none)'}${volume.fileSystemDll === null ? '' : ` (${volume.fileSystemDll})`}, mounted at ${volume.mountPoint}`);
  } else {
    lines.push('boot volume: none');
  }
  lines.push('', 'start-up:');
  for (const step of report.steps) lines.push(...renderStep(step).map((line) => `  ${line}`));
  lines.push('', 'hives:');
  for (const hive of report.hives) {
    const name = hive.role === 'user' ? `user ${hive.user ?? '(none)'}` : hive.role;
    lines.push(`  ${hive.outcome.padEnd(10)} ${name}${hive.path === null ? ` (${hive.storage})` : ` ${hive.path}`}: ${hive.reason}`);
    if (hive.outcome !== 'NOT_LOADED') lines.push(`             signature: stored ${hive.storedSignature ?? '(none)'}, ROM ${hive.romSignature}; RegPersisted after boot: ${hive.regPersisted ? 'set (dword:1)' : 'not set'}`);
    if (hive.romProblems.length > 0) {
      lines.push(`             ROM check: ${hive.romProblems.join('; ')}`);
      lines.push(`             advice: the device keeps this hive but reads garbage through those links: give the ROM folder of the image this hive was built against, or delete the hive so that the device recreates it from ROM`);
    }
    for (const evidence of hive.decidedBy) lines.push(`             ${renderEvidence(evidence)}`);
  }
  lines.push('', `lint: ${report.summary.lintErrors} error(s), ${report.summary.lintWarnings} warning(s), ${report.summary.lintNotes} note(s)`);
  for (const finding of report.lint) lines.push(...renderFinding(finding));
  if (args.apply !== undefined) {
    lines.push('', `applied to ${args.apply}:`);
    if (report.actions.length === 0) lines.push('  nothing to change: every file copied as it is');
    for (const action of report.actions) lines.push(`  ${renderAction(action)}`);
  }
  const s = report.summary;
  const broken = report.hives.filter((hive) => hive.romProblems.length > 0).length;
  lines.push('', `result: ${s.kept} kept${broken > 0 ? ` (${broken} not matching its ROM)` : ''}, ${s.clean} clean, ${s.created} created${s.notLoaded > 0 ? `, ${s.notLoaded} not loaded` : ''}; ${s.lintErrors} lint error(s)`);
  // Paths and names come from the ROM's values and the storage folder: each line escaped for a terminal.
  return terminalLines(lines);
}

/**
 * `hivetool boot ROMDIR STORAGEDIR`: what the device does with its hives at the next boot.
 * Exit 0 when every hive is kept and the lint finds no error, 1 when a hive is wiped or
 * created or the lint finds errors, 2 when it could not run.
 */
export function run(args: BootArguments, io: CommandIo): number {
  // A user's name becomes a folder under ProfileDir: no separators, not . or ..
  if (args.user !== undefined && (args.user === '' || args.user === '.' || args.user === '..' || /[\\/]/.test(args.user))) {
    throw new UsageError(`--user ${JSON.stringify(args.user)}: a user name is one folder name under ProfileDir (no \\ or /, not . or ..)`);
  }
  const rom = openRomSet(io, args.romDir);
  if (args.ramRegion === undefined && (!existsSync(args.storageDir) || !statSync(args.storageDir).isDirectory())) {
    throw new UsageError(`${args.storageDir}: STORAGEDIR must be a folder (an empty one stands for a first boot)`);
  }
  if (args.apply !== undefined) {
    if (args.ramRegion !== undefined) throw new UsageError('--apply writes a storage folder; with --ram-region the hives are in the RAM region, not in files');
    checkOutputFolder(args.apply, [args.romDir, args.storageDir]);
  }
  const ramRegion = args.ramRegion === undefined ? undefined : { name: args.ramRegion, bytes: readInputFile(io, args.ramRegion) };
  const clean = { system: args.clean === 'system' || args.clean === 'all', users: args.clean === 'users' || args.clean === 'all' };
  const report = romFailure(args.romDir, () => replayBoot(rom, storageFolder(io, args.storageDir), { clean, ...(ramRegion === undefined ? {} : { ramRegion }), ...(args.user === undefined ? {} : { user: args.user }) }));
  if (args.apply !== undefined) applyActions(io, report, rom, args.storageDir, args.apply);
  const sink = new StdoutSink(io);
  if (args.json) {
    const document = {
      format: 'hivetool-boot',
      schemaVersion: 1,
      rom: { boot: rom.files.boot, system: rom.files.system, user: rom.files.user },
      storage: args.ramRegion === undefined ? args.storageDir : null,
      options: { clean: args.clean ?? null, ramRegion: args.ramRegion ?? null, user: args.user ?? null },
      ...report,
      applied: args.apply === undefined ? null : args.apply,
    };
    sink.write(terminalSafeJson(JSON.stringify(document, null, 2)) + '\n');
  } else {
    sink.write(renderText(report, args, rom.files));
  }
  sink.close();
  const wiped = report.summary.clean + report.summary.created > 0;
  const mismatched = report.hives.some((hive) => hive.romProblems.length > 0);
  return wiped || mismatched || report.summary.lintErrors > 0 ? ExitCode.FINDINGS : ExitCode.OK;
}
