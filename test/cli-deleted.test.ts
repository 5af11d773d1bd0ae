import { describe, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { Ajv } from 'ajv';
import { readFileSync } from 'node:fs';
import { walkTree } from '@hivetool/hive';
import { DeviceHeap, REPO_ROOT, zeroedDeletedValue, corpusBytes, describeCorpus, runCli, runCliProcess } from '@hivetool/test-support';
import { scratchDirectory } from '@hivetool/test-support/scratch';

const scratch = scratchDirectory('hivetool-deleted-');
const validateDump = new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(join(REPO_ROOT, 'docs/schemas/dump.schema.json'), 'utf8')) as object);
const describeWithCorpus = describeCorpus(describe);

interface DumpJson {
  hives: Array<{ keys: unknown[]; deleted?: Array<{ kind: string; name: string; id: number; parentPath: string | null; raw?: string; certainty: string; value?: unknown; inferredLength?: { min: number; max: number } }> }>;
}

function livePaths(device: DeviceHeap): { keys: string[]; values: Array<[string, string]> } {
  const keys: string[] = [];
  const values: Array<[string, string]> = [];
  for (const root of device.hive.roots()) {
    walkTree(root, root.name, { key: (_key, path, depth) => depth >= 2 && keys.push(path), value: (value, _key, path) => values.push([path, value.name]) });
  }
  return { keys, values };
}

describeWithCorpus('dump --deleted', () => {
  test('reports exactly the deleted records, after a live part that does not change', () => {
    const device = new DeviceHeap(corpusBytes('boot.hv'));
    device.deleteKey('HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\PCI\\Template');
    device.deleteValue('HKEY_LOCAL_MACHINE\\nls', 'DefaultLCID');
    const file = join(scratch.path, 'deleted.hv');
    writeFileSync(file, device.bytes);

    const live = runCli(['dump', file]);
    const withDeleted = runCli(['dump', '--deleted', file]);
    expect(withDeleted.status).toBe(0);
    expect(withDeleted.stdout.startsWith(live.stdout)).toBe(true);
    const extra = withDeleted.stdout.slice(live.stdout.length).split('\n').filter((line) => line !== '');
    expect(extra.every((line) => line.startsWith(';'))).toBe(true);
    expect(extra).toContain('; deleted value in [?] (id 469, offset 0xc6ec, likely)');
    expect(extra).toContain(';   "DefaultLCID"=dword:00000409');
    expect(extra).toContain('; deleted key [?\\Template\\GenericIDE] (id 391, offset 0xb620, exact)');

    const json = JSON.parse(runCli(['dump', '-f', 'json', '--deleted', file]).stdout) as DumpJson;
    expect([validateDump(json), validateDump.errors ?? null]).toEqual([true, null]);
    const plain = JSON.parse(runCli(['dump', '-f', 'json', file]).stdout) as DumpJson;
    expect(json.hives[0]!.keys).toEqual(plain.hives[0]!.keys);
    expect(plain.hives[0]!.deleted).toBeUndefined();
    const reported = json.hives[0]!.deleted!.map((record) => `${record.kind} ${record.id} ${record.name}`).sort();
    expect(reported).toEqual(device.deleted.map((entry) => `${entry.kind} ${entry.id} ${entry.name}`).sort());
    for (const record of json.hives[0]!.deleted!) {
      const entry = device.deleted.find((candidate) => candidate.id === record.id)!;
      if (record.kind === 'value') expect(record.raw).toBe(Buffer.from(entry.data!).toString('hex'));
    }
  });

  test('with --key, only the deleted records known to have been under the key', () => {
    const device = new DeviceHeap(corpusBytes('boot.hv'));
    device.deleteValue('HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\PCI', 'Order');
    device.deleteValue('HKEY_LOCAL_MACHINE\\nls', 'DefaultLCID');
    const file = join(scratch.path, 'scoped.hv');
    writeFileSync(file, device.bytes);
    const under = JSON.parse(runCli(['dump', '-f', 'json', '--deleted', '--key', 'hklm\\drivers\\builtin', file]).stdout) as DumpJson;
    expect(under.hives[0]!.deleted!.map((record) => [record.name, record.parentPath])).toEqual([['Order', 'HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\PCI']]);
    const elsewhere = JSON.parse(runCli(['dump', '-f', 'json', '--deleted', '--key', 'HKLM\\nls', file]).stdout) as DumpJson;
    expect(elsewhere.hives[0]!.deleted).toEqual([]);
    const all = JSON.parse(runCli(['dump', '-f', 'json', '--deleted', file]).stdout) as DumpJson;
    expect(all.hives[0]!.deleted!.map((record) => record.name).sort()).toEqual(['DefaultLCID', 'Order']);
  });

  test('property: live output never changes with --deleted (reg and JSON, one job or two)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ key: fc.boolean(), index: fc.nat(5000) }), { minLength: 1, maxLength: 6 }), fc.nat(), (picks, run) => {
        const device = new DeviceHeap(corpusBytes('user.hv'));
        for (const pick of picks) {
          const live = livePaths(device);
          if (pick.key && live.keys.length > 0) device.deleteKey(live.keys[pick.index % live.keys.length]!);
          else if (live.values.length > 0) {
            const [path, name] = live.values[pick.index % live.values.length]!;
            device.deleteValue(path, name);
          }
        }
        const file = join(scratch.path, `property-${run}.hv`);
        writeFileSync(file, device.bytes);
        const plain = runCli(['dump', file]);
        const deleted = runCliProcess(['dump', '--deleted', '--jobs', '2', file, file]);
        const single = runCli(['dump', '--deleted', file, file]);
        expect(deleted.stdout).toBe(single.stdout);
        expect(deleted.stdout.startsWith(plain.stdout)).toBe(true);
        const json = JSON.parse(runCli(['dump', '-f', 'json', '--deleted', file]).stdout) as DumpJson;
        const jsonPlain = JSON.parse(runCli(['dump', '-f', 'json', file]).stdout) as DumpJson;
        expect(json.hives[0]!.keys).toEqual(jsonPlain.hives[0]!.keys);
        expect(json.hives[0]!.deleted!.every((record) => device.deleted.some((entry) => entry.id === record.id && entry.name === record.name))).toBe(true);
      }),
      { numRuns: 5, seed: 15 },
    );
  });
});

describeWithCorpus('dump --deleted: a deleted value whose type and length fields were zeroed', () => {
  test('its data is recovered from the bytes after its name, marked inferred, with a length range that holds the true length', () => {
    const device = new DeviceHeap(corpusBytes('default.hv'));
    const zeroed = zeroedDeletedValue(device);
    const file = join(scratch.path, 'zeroed.hv');
    writeFileSync(file, device.bytes);

    const json = JSON.parse(runCli(['dump', '-f', 'json', '--deleted', file]).stdout) as DumpJson;
    expect([validateDump(json), validateDump.errors ?? null]).toEqual([true, null]);
    const record = json.hives[0]!.deleted!.find((entry) => entry.kind === 'value' && entry.name === zeroed.name)!;
    expect(record).toBeDefined();
    expect(record.certainty).toBe('inferred');
    expect(record.value).toBeNull();
    const { min, max } = record.inferredLength!;
    // The range holds the true length, and is no wider than the 4-byte padding allows.
    expect(min).toBeLessThanOrEqual(zeroed.data.length);
    expect(max).toBeGreaterThanOrEqual(zeroed.data.length);
    expect(max - min).toBeLessThanOrEqual(3);
    // The bytes shown begin with the true data.
    const raw = Buffer.from(record.raw!, 'hex');
    expect(raw.length).toBe(max);
    expect(raw.subarray(0, zeroed.data.length)).toEqual(Buffer.from(zeroed.data));
    // The neighbour it merged with is recovered as well, as before.
    expect(json.hives[0]!.deleted!.some((entry) => entry.name === zeroed.neighbour.name)).toBe(true);

    const text = runCli(['dump', '--deleted', file]);
    expect(text.status).toBe(0);
    const lines = text.stdout.split('\n');
    const at = lines.findIndex((line) => line.startsWith(`; deleted value in [${record.parentPath ?? '?'}] (id ${record.id},`) && line.includes(', inferred'));
    expect(at).toBeGreaterThan(0);
    expect(lines.slice(at + 1).find((line) => line.startsWith(';   inferred: '))).toBe(
      `;   inferred: its type and data length fields were zeroed; the data is the first ${min === max ? `${min}` : `${min} to ${max}`} of the ${max} bytes shown (the bytes after its name, up to where the evidence bounds it); its type is not known`,
    );

    const found = runCli(['find', '--deleted', zeroed.name, file]);
    expect(found.stdout).toContain(`(deleted, inferred, type and length zeroed: ${min} to ${max} of the ${max} bytes after its name)`);
  });
});
