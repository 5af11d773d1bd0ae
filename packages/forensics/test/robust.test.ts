import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { isHiveFormatError, openHive } from '@hivetool/hive';
import { bytesSource, carveImage, padCutHive, recoverDeleted } from '@hivetool/forensics';
import { DeviceHeap, corpusBytes, describeCorpus } from '@hivetool/test-support';

const describeWithCorpus = describeCorpus(describe);

/** boot.hv with a subtree and a value deleted, so free blocks hold stale records. */
function withDeletedRecords(): Uint8Array {
  const device = new DeviceHeap(corpusBytes('boot.hv'));
  device.deleteKey('HKEY_LOCAL_MACHINE\\Drivers\\BuiltIn\\PCI\\Template');
  device.deleteValue('HKEY_LOCAL_MACHINE\\nls', 'DefaultLCID');
  return device.bytes;
}

describeWithCorpus('damaged input never makes the forensic code throw', () => {
  // Made when a test runs: a skipped suite (no corpus) still runs this body to collect its tests.
  let cached: Uint8Array | undefined;
  const baseBytes = (): Uint8Array => (cached ??= withDeletedRecords());
  const damage = () => fc.array(fc.record({ at: fc.nat(baseBytes().length - 4), value: fc.nat(0xffffffff), wide: fc.boolean() }), { minLength: 1, maxLength: 40 });

  test('carveImage reports every candidate, whatever its bytes', () => {
    fc.assert(
      fc.property(damage(), fc.nat(baseBytes().length), (edits, cut) => {
        const base = baseBytes();
        const image = new Uint8Array(base.length + 64);
        image.set(base, 32);
        const view = new DataView(image.buffer);
        for (const edit of edits) {
          if (edit.at < 12) continue; // keep the header recognisable, so the candidate is examined
          if (edit.wide) view.setUint32(32 + (edit.at & ~3), edit.value, true);
          else image[32 + edit.at] = edit.value & 0xff;
        }
        const found = [...carveImage(bytesSource(image.subarray(0, 32 + Math.max(12, cut))), { windowSize: 4096 })];
        expect(found.length).toBeGreaterThanOrEqual(1);
        for (const hive of found) expect(['hive', 'truncated', 'damaged', 'object-store']).toContain(hive.status);
      }),
      { numRuns: 150, seed: 15 },
    );
  });

  test('recoverDeleted reads any hive that opens, and throws nothing', () => {
    fc.assert(
      fc.property(damage(), (edits) => {
        const bytes = baseBytes().slice();
        const view = new DataView(bytes.buffer);
        for (const edit of edits) {
          if (edit.wide) view.setUint32(edit.at & ~3, edit.value, true);
          else bytes[edit.at] = edit.value & 0xff;
        }
        let hive;
        try {
          hive = openHive(padCutHive(bytes) ?? bytes);
        } catch (error) {
          expect(isHiveFormatError(error)).toBe(true);
          return;
        }
        for (const record of recoverDeleted(hive)) expect(record.offset + record.length).toBeLessThanOrEqual(bytes.length);
      }),
      { numRuns: 150, seed: 16 },
    );
  });
});
