/** verify, format guide §8: key and value records fit their blocks; the roots record. */
import { BLOCK_HEADER_SIZE, HEAP_OFFSET } from '../layout.js';
import { allocatedBlockSize, blockSize } from '../heap.js';
import { KNOWN_KEY_FLAGS, KeyField, ROOT_COUNT, ROOTS_PAYLOAD, ValueField, keyRecordNeeds, keyRecordProblem, valueRecordNeeds, valueRecordProblem } from '../recordFields.js';
import { detectKind, type HiveKind } from '../reader.js';
import { isRegistryRoot } from '../rules.js';
import { RecordKind, type Context, type IdTable } from './context.js';
import { hex } from './findings.js';
import type { VerifyOptions } from './report.js';

/** Records (§8): fixed fields, names and data inside their blocks. */
export function checkRecords(ctx: Context, table: IdTable): void {
  const { BROKEN, KEY, VALUE } = RecordKind;
  const { bytes, view, words, findings, report } = ctx;
  const u32 = (offset: number): number => words[offset >>> 2]!;
  const { blockOf, kindOf } = table;
  const idCount = kindOf.length;
  // Records (§8): fixed fields, name and data within their blocks.
  for (let id = 0; id < idCount; id++) {
    const kind = kindOf[id]!;
    if (kind !== KEY && kind !== VALUE) continue;
    const block = blockOf[id]!;
    const size = allocatedBlockSize(u32(block));
    const at = block + BLOCK_HEADER_SIZE;
    if (kind === KEY) {
      report.counts.keys++;
      const nameLength = size < KeyField.name ? 0 : bytes[at + KeyField.nameLength]!;
      const problem = keyRecordProblem(size, nameLength);
      if (problem !== undefined) {
        if (problem.code === 'RECORD_TOO_SMALL') findings.add('error', problem.code, block, `key id ${id}: its block has ${size} bytes, fewer than the ${KeyField.name} of a key's fixed fields`);
        else findings.add('error', problem.code, at + problem.field, `key id ${id}: its name (${nameLength} units) runs past its ${size}-byte block`);
        kindOf[id] = BROKEN;
        continue;
      }
      const flags = view.getUint16(at + KeyField.flags, true);
      if ((flags & ~KNOWN_KEY_FLAGS) !== 0) findings.addGrouped('info', 'KEY_FLAGS_UNKNOWN', at + KeyField.flags, (n) => `${n} key(s) have flag bits the format guide does not explain (kept as stored)`);
      if (bytes[at + KeyField.unknown] !== 0) findings.addGrouped('info', 'KEY_BYTE13_SET', at + KeyField.unknown, (n) => `${n} key(s) have a non-zero byte at +13 (0 in every sample; kept as stored)`);
      if (size > keyRecordNeeds(nameLength)) findings.addGrouped('info', 'RECORD_SLACK', block, (n) => `${n} record(s) are larger than their fields need (seen once in a persistent hive; harmless)`);
    } else {
      report.counts.values++;
      const fixedFit = size >= ValueField.name;
      const nameLength = fixedFit ? bytes[at + ValueField.nameLength]! : 0;
      const dataLength = fixedFit ? view.getUint16(at + ValueField.dataLength, true) : 0;
      const problem = valueRecordProblem(size, nameLength, dataLength);
      if (problem !== undefined) {
        if (problem.code === 'RECORD_TOO_SMALL') findings.add('error', problem.code, block, `value id ${id}: its block has ${size} bytes, fewer than the ${ValueField.name} of a value's fixed fields`);
        else if (problem.code === 'NAME_PAST_BLOCK') findings.add('error', problem.code, at + problem.field, `value id ${id}: its name (${nameLength} units) runs past its ${size}-byte block`);
        else findings.add('error', problem.code, at + problem.field, `value id ${id}: its data (${dataLength} bytes) runs past its ${size}-byte block`);
        kindOf[id] = BROKEN;
        continue;
      }
      if (bytes[at + ValueField.flags] !== 0) findings.addGrouped('info', 'VALUE_FLAGS_SET', at + ValueField.flags, (n) => `${n} value(s) have flags in the high byte of the name word (0x02 is seen in persistent hives, meaning not known; kept as stored)`);
      if (size > valueRecordNeeds(nameLength, dataLength)) findings.addGrouped('info', 'RECORD_SLACK', block, (n) => `${n} record(s) are larger than their fields need (seen once in a persistent hive; harmless)`);
    }
  }
}

/**
 * The roots record (§8) and the hive's kind (§7): the eight references and where they
 * are, or undefined when id 0 is no usable roots record.
 */
export function checkRoots(ctx: Context, table: IdTable, options: VerifyOptions): { refs: number[]; at: number; kind: HiveKind } | undefined {
  const { ROOTS } = RecordKind;
  const { findings, report } = ctx;
  const u32 = (offset: number): number => ctx.words[offset >>> 2]!;
  const { blockOf, kindOf } = table;
  if (kindOf[0] !== ROOTS) {
    findings.add('error', 'NO_ROOTS', HEAP_OFFSET + BLOCK_HEADER_SIZE, 'id 0 is not a roots record: no key of this hive can be reached');
    return undefined;
  }
  const rootsAt = blockOf[0]! + BLOCK_HEADER_SIZE;
  if (blockSize(u32(blockOf[0]!)) < ROOTS_PAYLOAD) {
    findings.add('error', 'RECORD_TOO_SMALL', blockOf[0]!, `the roots record is smaller than its ${ROOTS_PAYLOAD} bytes`);
    return undefined;
  }
  const rootRefs: number[] = [];
  for (let i = 0; i < ROOT_COUNT; i++) rootRefs.push(u32(rootsAt + 4 * i));
  const kind = options.kind === undefined || options.kind === 'auto' ? detectKind(rootRefs) : options.kind;
  report.kind = kind;
  for (let i = 0; i < ROOT_COUNT; i++) {
    if (!isRegistryRoot(i) && rootRefs[i] !== 0) findings.add('info', 'UNUSED_ROOT_SET', rootsAt + 4 * i, `root entry ${i} (unused, format guide §8) holds ${hex(rootRefs[i]!)}; no reader follows it`);
  }
  return { refs: rootRefs, at: rootsAt, kind };
}
