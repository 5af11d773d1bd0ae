import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeHive, encodeLinkedHive, openHive, readTree, type Hive } from '@hivetool/hive';
import { KeyFlags, encodeUtf16, foldName, mergeTrees, type HiveTree, type TreeKey, type TreeValue } from '@hivetool/registry';
import { buildDeviceHive, buildNewRom, corpusPath, describeCorpus, runCli, runs, validMigrateReport as validateMigrate } from '@hivetool/test-support';
import { scratchDirectory } from '@hivetool/test-support/scratch';

const scratch = scratchDirectory('hivetool-migrate-');
const describeWithCorpus = describeCorpus(describe);

const OLD_SIGNATURE = Uint8Array.from({ length: 16 }, (_, i) => 0x10 + i);
const NEW_SIGNATURE = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
const HKLM = 2;

// ---------------------------------------------------------------------------------------
// The reference model: registries as nested maps by case-folded name, merged recursively
// by the rules of the issue, written as plainly as possible.
// ---------------------------------------------------------------------------------------

interface ModelValue {
  name: string;
  /** Type and data: what equality compares. */
  content: string;
  value: TreeValue;
}
interface ModelKey {
  name: string;
  volatile: boolean;
  values: Map<string, ModelValue>;
  keys: Map<string, ModelKey>;
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

function toModel(key: TreeKey): ModelKey {
  const values = new Map<string, ModelValue>();
  for (const value of key.values ?? []) values.set(foldName(value.name), { name: value.name, content: `${value.type}:${hex(value.data)}`, value: { name: value.name, type: value.type, data: value.data } });
  const keys = new Map<string, ModelKey>();
  for (const child of key.subkeys ?? []) keys.set(foldName(child.name), toModel(child));
  return { name: key.name, volatile: ((key.flags ?? 0) & KeyFlags.VOLATILE) !== 0, values, keys };
}

/** HKLM of a tree as a model key (the root itself, unnamed). */
const modelRoot = (tree: HiveTree): ModelKey => toModel({ name: '', subkeys: tree.roots[HKLM] ?? [] });

function sameModel(a: ModelKey | undefined, b: ModelKey | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.volatile !== b.volatile || a.values.size !== b.values.size || a.keys.size !== b.keys.size) return false;
  for (const [name, value] of a.values) if (b.values.get(name)?.content !== value.content) return false;
  for (const [name, key] of a.keys) if (!sameModel(key, b.keys.get(name))) return false;
  return true;
}

function withoutVolatile(key: ModelKey | undefined): ModelKey | undefined {
  if (key === undefined) return undefined;
  const keys = new Map<string, ModelKey>();
  for (const [name, child] of key.keys) if (!child.volatile) keys.set(name, withoutVolatile(child)!);
  return { ...key, keys };
}

/** Names of three maps in result order: the device's that the image lacks first, then the image's. */
function order<T>(device: Map<string, T> | undefined, image: Map<string, T> | undefined, base: Map<string, T> | undefined): string[] {
  const names = [...(device?.keys() ?? [])].filter((name) => !image?.has(name));
  for (const name of [...(image?.keys() ?? []), ...(base?.keys() ?? [])]) if (!names.includes(name)) names.push(name);
  return names;
}

interface Policy {
  prefer: 'image' | 'device';
  keepDevice: string[][];
  keepImage: string[][];
}

function winner(policy: Policy, names: string[]): 'image' | 'device' {
  let best: { length: number; side: 'image' | 'device' } | undefined;
  const consider = (paths: string[][], side: 'image' | 'device'): void => {
    for (const path of paths) {
      const matches = path.length <= names.length && path.every((name, i) => foldName(name) === foldName(names[i]!));
      if (matches && (best === undefined || path.length > best.length)) best = { length: path.length, side };
    }
  };
  consider(policy.keepDevice, 'device');
  consider(policy.keepImage, 'image');
  return best?.side ?? policy.prefer;
}

function modelMerge(b: ModelKey | undefined, dIn: ModelKey | undefined, i: ModelKey | undefined, names: string[], policy: Policy, tally: { conflicts: number }): ModelKey | undefined {
  const d = b?.volatile === true || dIn?.volatile === true ? b : dIn;
  if (d !== undefined && i !== undefined) {
    const values = new Map<string, ModelValue>();
    for (const name of order(d.values, i.values, b?.values)) {
      const bv = b?.values.get(name);
      const dv = d.values.get(name);
      const iv = i.values.get(name);
      let result: ModelValue | undefined;
      if (dv?.content === bv?.content) result = iv;
      else if (iv?.content === bv?.content) result = dv;
      else if (dv?.content === iv?.content) result = iv;
      else {
        tally.conflicts++;
        result = winner(policy, names) === 'device' ? dv : iv;
      }
      if (result !== undefined) values.set(name, result);
    }
    const keys = new Map<string, ModelKey>();
    for (const name of order(d.keys, i.keys, b?.keys)) {
      const child = [d.keys.get(name), i.keys.get(name)].find((key) => key !== undefined)?.name ?? b!.keys.get(name)!.name;
      const merged = modelMerge(b?.keys.get(name), d.keys.get(name), i.keys.get(name), [...names, i.keys.get(name)?.name ?? child], policy, tally);
      if (merged !== undefined) keys.set(name, merged);
    }
    return { name: i.name, volatile: i.volatile, values, keys };
  }
  if (sameModel(d, b)) return i;
  if (sameModel(i, b)) return withoutVolatile(d);
  if (sameModel(d, i)) return i;
  tally.conflicts++;
  return winner(policy, names) === 'device' ? withoutVolatile(d) : i;
}

/** The model as a plain tree (HKLM only), in its own order. */
function fromModel(root: ModelKey): HiveTree {
  const convert = (key: ModelKey): TreeKey => ({ name: key.name, flags: key.volatile ? KeyFlags.VOLATILE : 0, values: [...key.values.values()].map((v) => v.value), subkeys: [...key.keys.values()].map(convert) });
  return { roots: root.keys.size === 0 ? {} : { [HKLM]: [...root.keys.values()].map(convert) } };
}

/** A registry as sorted lines, names case-folded, flags left out: what two registries compare by. */
function canonical(root: ModelKey): string[] {
  const lines: string[] = [];
  const walk = (key: ModelKey, path: string): void => {
    for (const [name, value] of key.values) lines.push(`${path} ${JSON.stringify(name)}=${value.content}`);
    for (const [name, child] of key.keys) {
      lines.push(`${path}\\${name}`);
      walk(child, `${path}\\${name}`);
    }
  };
  walk(root, 'HKLM');
  return lines.sort();
}

// ---------------------------------------------------------------------------------------
// Random registries and edits.
// ---------------------------------------------------------------------------------------

const KEY_NAMES = ['Alpha', 'Beta', 'Gamma', 'Delta'];
const VALUE_NAMES = ['v1', 'v2', 'v3', 'Name'];
const valueData = fc.oneof(
  fc.record({ type: fc.constant(4), data: fc.constantFrom(0, 1, 2).map((n) => Uint8Array.of(n, 0, 0, 0)) }),
  fc.record({ type: fc.constant(1), data: fc.constantFrom('a', 'b', 'c').map((text) => encodeUtf16(`${text}\0`)) }),
  fc.record({ type: fc.constant(3), data: fc.constantFrom(Uint8Array.of(1), Uint8Array.of(2, 3), new Uint8Array(0)) }),
);

const { key: keyArbitrary } = fc.letrec<{ key: TreeKey }>((tie) => ({
  key: fc.record({
    name: fc.constantFrom(...KEY_NAMES),
    values: fc.uniqueArray(fc.record({ name: fc.constantFrom(...VALUE_NAMES), type: fc.constant(0), data: fc.constant(new Uint8Array(0)) }), { selector: (v) => v.name, maxLength: 3 }).chain((names) =>
      fc.tuple(...names.map((named) => valueData.map((content) => ({ name: named.name, ...content })))).map((values) => values as TreeValue[]),
    ),
    subkeys: fc.oneof({ maxDepth: 3, depthIdentifier: 'tree' }, fc.constant<TreeKey[]>([]), fc.uniqueArray(tie('key'), { selector: (k) => k.name, maxLength: 3 })),
  }),
}));

const baseArbitrary: fc.Arbitrary<HiveTree> = fc.uniqueArray(keyArbitrary, { selector: (k) => k.name, minLength: 1, maxLength: 3 }).map((keys) => ({ roots: { [HKLM]: keys } }));

type Edit =
  | { op: 'set'; at: number; name: string; content: { type: number; data: Uint8Array } }
  | { op: 'delete-value'; at: number; pick: number }
  | { op: 'delete-key'; at: number }
  | { op: 'add-key'; at: number; name: string; volatile: boolean; content: { type: number; data: Uint8Array } };

const editArbitrary = (device: boolean): fc.Arbitrary<Edit> =>
  fc.oneof(
    fc.record({ op: fc.constant('set' as const), at: fc.nat(), name: fc.constantFrom(...VALUE_NAMES, ...(device ? ['V1', 'NAME'] : [])), content: valueData }),
    fc.record({ op: fc.constant('delete-value' as const), at: fc.nat(), pick: fc.nat() }),
    fc.record({ op: fc.constant('delete-key' as const), at: fc.nat() }),
    fc.record({ op: fc.constant('add-key' as const), at: fc.nat(), name: fc.constantFrom(...KEY_NAMES, 'Extra', ...(device ? ['Volatile', 'BETA'] : [])), volatile: device ? fc.boolean() : fc.constant(false), content: valueData }),
  );

function cloneTree(tree: HiveTree): HiveTree {
  const clone = (key: TreeKey): TreeKey => ({ name: key.name, flags: key.flags ?? 0, values: (key.values ?? []).map((v) => ({ ...v })), subkeys: (key.subkeys ?? []).map(clone) });
  return { roots: { [HKLM]: (tree.roots[HKLM] ?? []).map(clone) } };
}

/** Applies edits to a copy of `tree`: each picks its key among HKLM (the root) and every key, by index. */
function applyEdits(tree: HiveTree, edits: readonly Edit[]): HiveTree {
  const result = cloneTree(tree);
  const root: TreeKey = { name: '', subkeys: result.roots[HKLM]! };
  for (const edit of edits) {
    const all: Array<{ key: TreeKey; parent: TreeKey | undefined }> = [{ key: root, parent: undefined }];
    for (let i = 0; i < all.length; i++) for (const child of all[i]!.key.subkeys ?? []) all.push({ key: child, parent: all[i]!.key });
    const { key, parent } = all[edit.at % all.length]!;
    if (edit.op === 'set' && key !== root) {
      const values = key.values!;
      const at = values.findIndex((v) => foldName(v.name) === foldName(edit.name));
      const value = { name: edit.name, ...edit.content };
      if (at >= 0) values[at] = value;
      else values.unshift(value);
    } else if (edit.op === 'delete-value' && (key.values ?? []).length > 0) {
      key.values!.splice(edit.pick % key.values!.length, 1);
    } else if (edit.op === 'delete-key' && parent !== undefined && !(parent === root && root.subkeys!.length === 1)) {
      // (HKLM keeps a key: a ROM hive with no roots has no role to link into.)
      parent.subkeys!.splice(parent.subkeys!.indexOf(key), 1);
    } else if (edit.op === 'add-key' && !(key.subkeys ?? []).some((k) => foldName(k.name) === foldName(edit.name)) && (key.flags ?? 0) === 0) {
      key.subkeys!.unshift({ name: edit.name, flags: edit.volatile ? KeyFlags.VOLATILE : 0, values: [{ name: 'v1', ...edit.content }], subkeys: [] });
    }
  }
  result.roots[HKLM] = root.subkeys!;
  return result;
}

/** Every key path of a tree (HKLM), as names. */
function keyPaths(tree: HiveTree): string[][] {
  const paths: string[][] = [];
  const stack = (tree.roots[HKLM] ?? []).map((key) => ({ key, names: [key.name] }));
  while (stack.length > 0) {
    const { key, names } = stack.pop()!;
    paths.push(names);
    for (const child of key.subkeys ?? []) stack.push({ key: child, names: [...names, child.name] });
  }
  return paths.sort();
}

const write = (name: string, bytes: Uint8Array): string => {
  const path = join(scratch.path, name);
  writeFileSync(path, bytes);
  return path;
};
const effective = (file: string, rom: Hive): ModelKey => modelRoot(readTree(openHive(new Uint8Array(readFileSync(file)), { rom })));

describe('migrate: the three-way merge against a reference model', () => {
  test('random old ROMs, device edits and image edits: the output over the new ROM is the model merge, verifies clean and equals build --rom of the changes', () => {
    fc.assert(
      fc.property(
        baseArbitrary,
        fc.array(editArbitrary(true), { minLength: 1, maxLength: 6 }),
        fc.array(editArbitrary(false), { maxLength: 6 }),
        fc.nat(),
        fc.nat(),
        (base, deviceEdits, imageEdits, keepA, keepB) => {
          const image = applyEdits(base, imageEdits);
          const oldRom = write('old.hv', encodeHive(base, { layout: 'rom', romSignature: OLD_SIGNATURE }));
          const newRom = write('new.hv', encodeHive(image, { layout: 'rom', romSignature: NEW_SIGNATURE }));
          const oldHive = openHive(new Uint8Array(readFileSync(oldRom)));
          const newHive = openHive(new Uint8Array(readFileSync(newRom)));
          const deviceFile = write('device.hv', encodeLinkedHive(oldHive, applyEdits(base, deviceEdits)));
          // The device as the migration reads it: its persistent hive through the old ROM.
          const device = effective(deviceFile, oldHive);
          const paths = keyPaths(base);
          const keepDevice = paths[keepA % paths.length]!;
          const keepImage = paths[keepB % paths.length]!;
          const policies: Policy[] = [
            { prefer: 'image', keepDevice: [], keepImage: [] },
            { prefer: 'device', keepDevice: [], keepImage: [] },
            { prefer: keepA % 2 === 0 ? 'image' : 'device', keepDevice: [keepDevice], keepImage: keepImage.join('\\') === keepDevice.join('\\') ? [] : [keepImage] },
          ];
          for (const policy of policies) {
            const tally = { conflicts: 0 };
            const expected = modelMerge(modelRoot(base), device, modelRoot(image), [], policy, tally)!;
            const out = join(scratch.path, 'out.hv');
            const patch = join(scratch.path, 'device.reg');
            const args = ['migrate', '--old-rom', oldRom, '--new-rom', newRom, deviceFile, '-o', out, '--prefer', policy.prefer, '--patch', patch];
            for (const path of policy.keepDevice) args.push('--keep-device', ['HKLM', ...path].join('\\'));
            for (const path of policy.keepImage) args.push('--keep-image', ['HKEY_LOCAL_MACHINE', ...path].join('\\'));
            const result = runCli(args);
            expect(result.stderr).toBe('');
            expect(result.status).toBe(tally.conflicts > 0 ? 1 : 0);
            // The effective registry of the output, read through the new ROM, is the model's.
            expect(canonical(effective(out, newHive))).toEqual(canonical(expected));
            // It verifies clean against the new ROM, and the device would keep it (a merge
            // that leaves no key at all is a hive with no roots, which reads as a ROM hive).
            if (expected.keys.size > 0) {
              const verify = runCli(['verify', '--rom', newRom, out]);
              expect(verify.status).toBe(0);
              expect(verify.stdout).toContain('boot: KEPT');
            }
            // Byte for byte what build --rom writes from the model's changes as a .reg patch.
            const model = write('model.hv', encodeHive(fromModel(expected), { layout: 'rom', romSignature: NEW_SIGNATURE }));
            const changes = join(scratch.path, 'changes.reg');
            expect(runCli(['diff', '-f', 'reg', newRom, model, '-o', changes]).status).toBeLessThan(2);
            const built = join(scratch.path, 'built.hv');
            expect(runCli(['build', '--rom', newRom, changes, '-o', built]).status).toBe(0);
            expect(Buffer.compare(readFileSync(out), readFileSync(built))).toBe(0);
            // --patch: the device's changes, built onto the old ROM, give the device's registry again.
            const rebuilt = join(scratch.path, 'rebuilt.hv');
            expect(runCli(['build', '--rom', oldRom, patch, '-o', rebuilt]).status).toBe(0);
            expect(canonical(effective(rebuilt, oldHive))).toEqual(canonical(device));
          }
        },
      ),
      { seed: 20261207, numRuns: runs(12, 300) },
    );
  });
});

describe('mergeTrees', () => {
  const dword = (name: string, n: number): TreeValue => ({ name, type: 4, data: Uint8Array.of(n, 0, 0, 0) });
  const tree = (keys: TreeKey[]): HiveTree => ({ roots: { [HKLM]: keys } });
  const base = tree([{ name: 'Comm', values: [dword('a', 1)], subkeys: [{ name: 'Tcpip', values: [dword('b', 1)], subkeys: [{ name: 'Params', values: [dword('c', 1)] }] }] }]);
  const device = tree([{ name: 'Comm', values: [dword('a', 2)], subkeys: [{ name: 'Tcpip', values: [dword('b', 2)], subkeys: [{ name: 'Params', values: [dword('c', 2)] }] }] }]);
  const image = tree([{ name: 'Comm', values: [dword('a', 3)], subkeys: [{ name: 'Tcpip', values: [dword('b', 3)], subkeys: [{ name: 'Params', values: [dword('c', 3)] }] }] }]);
  const decisions = (policy: Parameters<typeof mergeTrees>[3]): string[] => mergeTrees(base, device, image, policy).report.conflicts.map((c) => `${c.path}:${c.decision}:${c.rule}`);

  test('overlapping --keep-device and --keep-image: the most specific key path wins, the rest goes by --prefer', () => {
    expect(decisions({ prefer: 'image', keepDevice: ['HKLM\\comm\\TCPIP'], keepImage: ['HKLM\\Comm\\Tcpip\\Params'] })).toEqual([
      'HKEY_LOCAL_MACHINE\\Comm:image:prefer image',
      'HKEY_LOCAL_MACHINE\\Comm\\Tcpip:device:keep-device HKLM\\comm\\TCPIP',
      'HKEY_LOCAL_MACHINE\\Comm\\Tcpip\\Params:image:keep-image HKLM\\Comm\\Tcpip\\Params',
    ]);
    expect(decisions({ prefer: 'device', keepImage: ['HKLM\\Comm'], keepDevice: ['HKEY_LOCAL_MACHINE\\Comm\\Tcpip\\Params'] })).toEqual([
      'HKEY_LOCAL_MACHINE\\Comm:image:keep-image HKLM\\Comm',
      'HKEY_LOCAL_MACHINE\\Comm\\Tcpip:image:keep-image HKLM\\Comm',
      'HKEY_LOCAL_MACHINE\\Comm\\Tcpip\\Params:device:keep-device HKEY_LOCAL_MACHINE\\Comm\\Tcpip\\Params',
    ]);
  });

  test('flags are not compared: a device value with the persistent flag 0x02 and the same data is no change', () => {
    const flagged = tree([{ name: 'Comm', flags: KeyFlags.ROM_COPY, values: [{ ...dword('a', 1), flags: 0x02 }], subkeys: base.roots[HKLM]![0]!.subkeys! }]);
    const { report, tree: merged } = mergeTrees(base, flagged, image);
    expect(report.carried).toEqual([]);
    expect(report.conflicts).toEqual([]);
    expect(merged.roots[HKLM]![0]!.values).toEqual(image.roots[HKLM]![0]!.values);
  });

  test('a key the image removed and the device changed: a conflict; the device winning keeps its key whole', () => {
    const removed = tree([]);
    for (const prefer of ['image', 'device'] as const) {
      const { report, tree: merged } = mergeTrees(base, device, removed, { prefer });
      expect(report.removedByImage.map((entry) => [entry.path, entry.decision])).toEqual([['HKEY_LOCAL_MACHINE\\Comm', prefer === 'image' ? 'dropped' : 'kept']]);
      expect(report.conflicts).toHaveLength(1);
      expect(merged.roots[HKLM]?.[0]?.subkeys?.[0]?.subkeys?.[0]?.values).toEqual(prefer === 'image' ? undefined : [dword('c', 2)]);
    }
  });

  test('a policy path with no root, or given to both sides, is refused', () => {
    expect(() => mergeTrees(base, device, image, { keepDevice: ['Comm\\Tcpip'] })).toThrow('is not a key path');
    expect(() => mergeTrees(base, device, image, { keepDevice: ['HKLM\\Comm'], keepImage: ['hklm\\COMM\\'] })).toThrow('both');
  });
});

// ---------------------------------------------------------------------------------------
// The command on the real ROM set.
// ---------------------------------------------------------------------------------------

const IMAGE_CHANGES = `REGEDIT4

[HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\PPP]
"Order"=dword:00000004

[HKEY_LOCAL_MACHINE\\Software\\NewVendor]
"Enabled"=dword:00000001

[-HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\ErrorReporting]

[HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\TIMESVC]
"Order"=dword:00000098
`;

const DEVICE_CHANGES = `REGEDIT4

[HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\TIMESVC]
"Order"=dword:00000050

[HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\AFD]
"Keep"=-

[HKEY_LOCAL_MACHINE\\Software\\Device]
"Owner"="lab 3"

[HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\NDIS]
"Flags"=dword:00000003

[HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\PPP]
"Order"=dword:00000004

[HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\ErrorReporting]
"PollInterval"=dword:00000001
`;

interface MigrateJson {
  summary: Record<string, number>;
  carried: Array<{ path: string; name?: string }>;
  equalToImage: Array<{ path: string; name?: string }>;
  deletions: Array<{ path: string; name?: string }>;
  conflicts: Array<{ path: string; name?: string; decision: string; rule: string; device: { value: unknown } | null; image: { value: unknown } | null }>;
  removedByImage: Array<{ path: string; decision: string }>;
  exitCode: number;
  written: boolean;
}

describeWithCorpus('migrate on the ce6-mediaroom ROM set', () => {
  const place = (entry: { path: string; name?: string }): string => (entry.name === undefined ? `[${entry.path}]` : `${entry.path} ${entry.name}`);
  let files: { newRom: string; system: string } | undefined;
  const setUp = (): { newRom: string; system: string } => {
    if (files !== undefined) return files;
    const newRom = buildNewRom(scratch.path, 'default.hv', IMAGE_CHANGES, join(scratch.path, 'new-default.hv'));
    const system = buildDeviceHive(scratch.path, 'default.hv', DEVICE_CHANGES, join(scratch.path, 'system.hv'));
    files = { newRom, system };
    return files;
  };

  test.each(['image', 'device'] as const)('--prefer %s: each change in its class, the conflict decided by the policy, a hive the new image keeps', (prefer) => {
    const { newRom, system } = setUp();
    const out = join(scratch.path, `migrated-${prefer}.hv`);
    const result = runCli(['migrate', '--old-rom', corpusPath('default.hv'), '--new-rom', newRom, system, '-o', out, '--prefer', prefer, '--json']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(1);
    const report = JSON.parse(result.stdout) as MigrateJson;
    expect(validateMigrate(report)).toBe(true);
    expect(report.carried.map(place)).toEqual(['HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\NDIS Flags', '[HKEY_LOCAL_MACHINE\\Software\\Device]']);
    expect(report.equalToImage.map(place)).toEqual(['HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\PPP Order']);
    expect(report.deletions.map(place)).toEqual(['HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\AFD Keep']);
    expect(report.conflicts.map((c) => `${place(c)} → ${c.decision} (${c.rule})`)).toEqual([
      `[HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\ErrorReporting] → ${prefer} (prefer ${prefer})`,
      `HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\TIMESVC Order → ${prefer} (prefer ${prefer})`,
    ]);
    const timesvc = report.conflicts[1]!;
    expect([timesvc.device?.value, timesvc.image?.value]).toEqual([0x50, 0x98]);
    expect(report.removedByImage).toEqual([{ path: 'HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\ErrorReporting', decision: prefer === 'image' ? 'dropped' : 'kept' }]);
    expect(report.exitCode).toBe(1);

    // What the device sees after the update: the new image with its changes.
    const dump = runCli(['dump', '--rom', newRom, out, '--key', 'HKLM\\Drivers\\BuiltIn']).stdout;
    expect(dump).toContain('"Flags"=dword:00000003');
    expect(dump).toContain(`"Order"=dword:${prefer === 'image' ? '00000098' : '00000050'}`);
    expect(dump.includes('[HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\ErrorReporting]')).toBe(prefer === 'device');
    const afd = /\[HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\AFD\]\n[^[]*/.exec(dump)?.[0];
    expect(afd).toContain('"Dll"="AFD.Dll"');
    expect(afd).not.toContain('"Keep"');
    expect(runCli(['dump', '--rom', newRom, out, '--key', 'HKLM\\Software\\Device']).stdout).toContain('"Owner"="lab 3"');
    expect(runCli(['dump', '--rom', newRom, out, '--key', 'HKLM\\Software\\NewVendor']).stdout).toContain('"Enabled"=dword:00000001');
    const verify = runCli(['verify', '--rom', newRom, out]);
    expect(verify.status).toBe(0);
    expect(verify.stdout).toContain('boot: KEPT');
  });

  test('a user hive: the new ROM user.hv with another locale, the device\'s own choices carried over it', () => {
    const newUser = buildNewRom(scratch.path, 'user.hv', 'REGEDIT4\n\n[HKEY_CURRENT_USER\\MUI]\n"CurLang"=dword:00000407\n', join(scratch.path, 'new-user.hv'));
    const device = buildDeviceHive(
      scratch.path,
      'user.hv',
      'REGEDIT4\n\n[HKEY_CURRENT_USER\\Software\\Microsoft\\Internet Explorer\\International]\n"AcceptLanguage"="de-de"\n\n[HKEY_CURRENT_USER\\keyboard layout\\toggle]\n"Hotkey"=-\n',
      join(scratch.path, 'device-user.hv'),
    );
    const out = join(scratch.path, 'migrated-user.hv');
    const result = runCli(['migrate', '--old-rom', corpusPath('user.hv'), '--new-rom', newUser, device, '-o', out, '--json']);
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout) as MigrateJson;
    expect(validateMigrate(report)).toBe(true);
    expect(report.carried.map(place)).toEqual(['HKEY_CURRENT_USER\\Software\\Microsoft\\Internet Explorer\\International AcceptLanguage']);
    expect(report.deletions.map(place)).toEqual(['HKEY_CURRENT_USER\\keyboard layout\\toggle Hotkey']);
    expect(report.conflicts).toEqual([]);
    const dumped = runCli(['dump', '--rom', newUser, out]).stdout;
    expect(dumped).toMatch(/\[HKEY_CURRENT_USER\\MUI\]\n(;.*\n)*"CurLang"=dword:00000407\n/);
    expect(dumped).toContain('"AcceptLanguage"="de-de"');
    expect(dumped).toMatch(/\[HKEY_CURRENT_USER\\keyboard layout\\toggle\]\n(;.*\n)*\n/);
    expect(runCli(['verify', '--rom', newUser, out]).stdout).toContain('boot: KEPT');
  });

  test('the text report names each class and ends with the summary; --dry-run writes nothing', () => {
    const { newRom, system } = setUp();
    const out = join(scratch.path, 'never.hv');
    const result = runCli(['migrate', '--old-rom', corpusPath('default.hv'), '--new-rom', newRom, system, '--dry-run', '--keep-device', 'HKLM\\Drivers\\BuiltIn\\TIMESVC']);
    expect(result.status).toBe(1);
    expect(existsSync(out)).toBe(false);
    expect(result.stdout).toContain('carried from the device (2):\n  ~ HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\NDIS  "Flags"=dword:00000003\n');
    expect(result.stdout).toContain('now equal to the new image (nothing to store) (1):\n');
    expect(result.stdout).toContain('deletions carried (1):\n  - HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\AFD  "Keep" (deleted)\n');
    expect(result.stdout).toContain('"Order": old ROM dword:00000099, device dword:00000050, new image dword:00000098 → device (keep-device HKLM\\Drivers\\BuiltIn\\TIMESVC)');
    expect(result.stdout).toContain("[HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\ErrorReporting]: the device's changes dropped");
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe(
      'dry run (nothing written): 2 change(s) carried, 1 now equal to the new image, 1 deletion(s) carried, 2 conflict(s) (1 decided for the image, 1 for the device), 1 changed key(s) the new image no longer has (1 dropped)',
    );
  });

  test('--patch: the device changes as a .reg patch that build --rom turns back into the device registry', () => {
    const { newRom, system } = setUp();
    const patch = join(scratch.path, 'corpus-device.reg');
    expect(runCli(['migrate', '--old-rom', corpusPath('default.hv'), '--new-rom', newRom, system, '-o', join(scratch.path, 'p.hv'), '--patch', patch]).status).toBe(1);
    const text = readFileSync(patch, 'utf8');
    expect(text).toContain('[HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\AFD]\n"Keep"=-\n');
    const rebuilt = join(scratch.path, 'corpus-rebuilt.hv');
    expect(runCli(['build', '--rom', corpusPath('default.hv'), patch, '-o', rebuilt]).status).toBe(0);
    expect(runCli(['diff', '--rom', corpusPath('default.hv'), system, rebuilt]).stdout).toContain('no differences');
  });

  test('the old ROM given as the new one: a note, exit 0, the output equal to the input byte for byte', () => {
    const { system } = setUp();
    const out = join(scratch.path, 'same.hv');
    const result = runCli(['migrate', '--old-rom', corpusPath('default.hv'), '--new-rom', corpusPath('default.hv'), system, '-o', out]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('it is the same build, the hive needs no migration');
    expect(Buffer.compare(readFileSync(out), readFileSync(system))).toBe(0);
    const json = runCli(['migrate', '--old-rom', corpusPath('default.hv'), '--new-rom', corpusPath('default.hv'), system, '--dry-run', '--json']);
    expect(validateMigrate(JSON.parse(json.stdout))).toBe(true);
  });

  test('a hive not built against the old ROM is refused by the ROM check, nothing written; a new ROM of another role too', () => {
    const { newRom, system } = setUp();
    const out = join(scratch.path, 'refused.hv');
    const result = runCli(['migrate', '--old-rom', newRom, '--new-rom', corpusPath('default.hv'), system, '-o', out]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^hivetool: \S*system\.hv: does not match the ROM hive .*new-default\.hv: the hive carries ROM signature 6e950daec1672852a98cf772c09550c9, the ROM hive 00112233445566778899aabbccddeeff.* \[ROM_MISMATCH\]; /);
    expect(existsSync(out)).toBe(false);
    const user = runCli(['migrate', '--old-rom', corpusPath('default.hv'), '--new-rom', corpusPath('user.hv'), system, '-o', out]);
    expect(user.status).toBe(2);
    expect(user.stderr).toContain('[ROM_WRONG_ROLE]');
    expect(existsSync(out)).toBe(false);
  });
});

describe('migrate --force-rom', () => {
  test('another build of the old ROM (same records, another signature): refused, naming the signatures; with --force-rom a warning and the migration', () => {
    const tree: HiveTree = { roots: { [HKLM]: [{ name: 'Comm', values: [{ name: 'a', type: 4, data: Uint8Array.of(1, 0, 0, 0) }] }, { name: 'Other' }] } };
    const built = write('force-built.hv', encodeHive(tree, { layout: 'rom', romSignature: OLD_SIGNATURE }));
    const rebuilt = write('force-rebuilt.hv', encodeHive(tree, { layout: 'rom', romSignature: Uint8Array.from({ length: 16 }, (_, i) => 0x50 + i) }));
    const newRom = write('force-new.hv', encodeHive({ roots: { [HKLM]: [...tree.roots[HKLM]!, { name: 'Added' }] } }, { layout: 'rom', romSignature: NEW_SIGNATURE }));
    const device = write('force-device.hv', encodeLinkedHive(openHive(new Uint8Array(readFileSync(built))), { roots: { [HKLM]: [{ name: 'Comm', values: [{ name: 'a', type: 4, data: Uint8Array.of(2, 0, 0, 0) }] }, { name: 'Other' }] } }));
    const out = join(scratch.path, 'force-out.hv');
    const refused = runCli(['migrate', '--old-rom', rebuilt, '--new-rom', newRom, device, '-o', out]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('the hive carries ROM signature 101112131415161718191a1b1c1d1e1f, the ROM hive 505152535455565758595a5b5c5d5e5f');
    expect(existsSync(out)).toBe(false);
    const forced = runCli(['migrate', '--old-rom', rebuilt, '--new-rom', newRom, device, '-o', out, '--force-rom']);
    expect(forced.stderr).toMatch(/^hivetool: warning: \S*force-device\.hv: does not match the ROM hive .* \[ROM_MISMATCH\]; read anyway \(--force-rom\)/);
    expect(forced.status).toBe(0);
    expect(forced.stdout).toContain('~ HKEY_LOCAL_MACHINE\\Comm  "a"=dword:00000002');
    expect(runCli(['dump', '--rom', newRom, out]).stdout).toMatch(/\[HKEY_LOCAL_MACHINE\\Comm\]\n(;.*\n)*"a"=dword:00000002\n[^]*\[HKEY_LOCAL_MACHINE\\Added\]/);
  });
});

describe('migrate arguments', () => {
  test('a ROM hive given as the device hive, missing options, -o -, and an output that is an input are refused', () => {
    const rom = write('arg-rom.hv', encodeHive({ roots: { [HKLM]: [{ name: 'A', values: [{ name: 'v', type: 4, data: Uint8Array.of(1, 0, 0, 0) }] }] } }, { layout: 'rom', romSignature: OLD_SIGNATURE }));
    const other = write('arg-rom2.hv', encodeHive({ roots: { [HKLM]: [{ name: 'A' }] } }, { layout: 'rom', romSignature: NEW_SIGNATURE }));
    const device = write('arg-device.hv', encodeLinkedHive(openHive(new Uint8Array(readFileSync(rom))), { roots: { [HKLM]: [{ name: 'A', values: [{ name: 'v', type: 4, data: Uint8Array.of(2, 0, 0, 0) }] }] } }));
    const cases: Array<[string[], RegExp]> = [
      [['migrate', '--old-rom', rom, '--new-rom', other, rom, '-o', join(scratch.path, 'x.hv')], /this is a ROM hive .*migrate takes the device's persistent hive/],
      [['migrate', '--new-rom', other, device, '-o', join(scratch.path, 'x.hv')], /migrate needs both ROM hives/],
      [['migrate', '--old-rom', rom, '--new-rom', other, device], /migrate writes the migrated hive to -o FILE/],
      [['migrate', '--old-rom', rom, '--new-rom', other, device, '-o', '-'], /^hivetool: -o -: migrate prints its report on standard output/],
      [['migrate', '--old-rom', rom, '--new-rom', other, device, '-o', device], /this output is the input/],
      [['migrate', '--old-rom', rom, '--new-rom', other, device, '-o', join(scratch.path, 'x.hv'), '--patch', rom], /this output is the input/],
      [['migrate', '--old-rom', rom, '--new-rom', other, device, '--dry-run', '--keep-image', 'Software'], /is not a key path/],
    ];
    for (const [args, message] of cases) {
      const result = runCli(args);
      expect([args.join(' '), result.status]).toEqual([args.join(' '), 2]);
      expect(result.stderr).toMatch(message);
    }
    expect(existsSync(join(scratch.path, 'x.hv'))).toBe(false);
    const ok = runCli(['migrate', '--old-rom', rom, '--new-rom', other, device, '-o', join(scratch.path, 'ok.hv'), '--json']);
    expect(ok.status).toBe(1);
    expect(validateMigrate(JSON.parse(ok.stdout))).toBe(true);
  });
});
