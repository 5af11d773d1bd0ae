import {
  type Hive,
  type HiveKey,
  type HiveValue,
  type UnresolvedLink,
  type DamageLoss,
  type HiveFormatError,
} from '@hivetool/hive';
import {
  BLOCK_HEADER_SIZE,
  BlockType,
  HEAP_OFFSET,
  KeyField,
  ROOT_COUNT,
  SECTION_TABLE_PAYLOAD,
  SLOTS_PER_SECTION,
  ValueField,
  blockTypeName,
  isSlotUsed,
  keyRecordProblem,
  valueRecordProblem,
  walkHeap,
  type HeapBlock,
} from '@hivetool/hive/layout';
import { decodeUtf16, hex32, rootName, terminalSafeJson } from '@hivetool/registry';
import type { TextSink } from '../output.js';
import { safeLine } from '../failures.js';
import { LOST_WORDS, type DumpVisitor } from './tree.js';

// One line per record: offset, record kind, id, payload size, then the record's links and flags.
const pad = (text: string, width: number): string => text.padEnd(width);

function line(offset: number, kind: string, id: number | undefined, size: number, fields: string, source?: string): string {
  return `${source === undefined ? '' : pad(source, 5)}${hex32(offset)} ${pad(kind, 8)} ${id === undefined ? pad('-', 10) : hex32(id)} ${pad('0x' + size.toString(16), 7)} ${fields}\n`;
}

export function rawHeader(hive: Hive, file: string): string {
  const overlay = hive.rom !== undefined;
  return `; ${safeLine(file)}: ${hive.length} bytes, ${hive.kind} hive, ${hive.sectionCount} section(s)${overlay ? ', through its ROM hive (tree order)' : ''}\n; ${overlay ? 'from ' : ''}offset     record   id         size    fields\n`;
}

function keyFields(hive: Pick<Hive, 'bytes' | 'view'>, at: number): string {
  const { view, bytes } = hive;
  const nameLength = bytes[at + KeyField.nameLength]!;
  return (
    `sibling=${hex32(view.getUint32(at + KeyField.nextSibling, true))} child=${hex32(view.getUint32(at + KeyField.firstChild, true))} ` +
    `value=${hex32(view.getUint32(at + KeyField.firstValue, true))} flags=0x${view.getUint16(at + KeyField.flags, true).toString(16).padStart(4, '0')} ` +
    `byte13=0x${bytes[at + KeyField.unknown]!.toString(16).padStart(2, '0')} name=${terminalSafeJson(JSON.stringify(decodeUtf16(bytes, at + KeyField.name, nameLength)))}`
  );
}

function valueFields(hive: Pick<Hive, 'bytes' | 'view'>, at: number): string {
  const { view, bytes } = hive;
  const nameLength = bytes[at + ValueField.nameLength]!;
  return (
    `next=${hex32(view.getUint32(at + ValueField.nextValue, true))} type=${view.getUint16(at + ValueField.type, true)} ` +
    `length=${view.getUint16(at + ValueField.dataLength, true)} flags=0x${bytes[at + ValueField.flags]!.toString(16).padStart(2, '0')} ` +
    `name=${terminalSafeJson(JSON.stringify(decodeUtf16(bytes, at + ValueField.name, nameLength)))}`
  );
}

function blockLine(hive: Hive, block: Readonly<HeapBlock>): string {
  const at = block.offset + BLOCK_HEADER_SIZE;
  if (block.free) return line(block.offset, 'free', undefined, block.size, `id-field=${hex32(block.id)}`);
  const extra = block.zero !== 0 ? ` word2=${hex32(block.zero)}` : '';
  switch (block.type) {
    case BlockType.SECTION_TABLE: {
      if (block.size < SECTION_TABLE_PAYLOAD) return line(block.offset, 'section', block.id, block.size, `malformed: smaller than a section table${extra}`);
      const head = hive.view.getUint32(at + 4 * SLOTS_PER_SECTION, true);
      let used = 0;
      for (let slot = 0; slot < SLOTS_PER_SECTION; slot++) if (isSlotUsed(hive.view.getUint32(at + 4 * slot, true))) used++;
      return line(block.offset, 'section', block.id, block.size, `used=${used} freeHead=${head} heapOffset=${hex32(block.offset - HEAP_OFFSET)}${extra}`);
    }
    case BlockType.ROOTS: {
      const refs: string[] = [];
      for (let i = 0; i < ROOT_COUNT && 4 * i + 4 <= block.size; i++) refs.push(`${rootName(i)}=${hex32(hive.view.getUint32(at + 4 * i, true))}`);
      return line(block.offset, 'roots', block.id, block.size, refs.join(' ') + extra);
    }
    case BlockType.KEY:
      if (keyRecordProblem(block.size, block.size < KeyField.name ? 0 : hive.bytes[at + KeyField.nameLength]!) !== undefined) {
        return line(block.offset, 'key', block.id, block.size, `malformed: name does not fit${extra}`);
      }
      return line(block.offset, 'key', block.id, block.size, keyFields(hive, at) + extra);
    case BlockType.VALUE:
      // Data running past the block is shown by its length field; only the name must fit.
      if (valueRecordProblem(block.size, block.size < ValueField.name ? 0 : hive.bytes[at + ValueField.nameLength]!, 0) !== undefined) {
        return line(block.offset, 'value', block.id, block.size, `malformed: name does not fit${extra}`);
      }
      return line(block.offset, 'value', block.id, block.size, valueFields(hive, at) + extra);
    default:
      return line(block.offset, blockTypeName(block.type), block.id, block.size, `not a registry record${extra}`);
  }
}

/** Every block of the heap in file order, free blocks and section tables included. */
export function dumpRawHeap(hive: Hive, sink: TextSink): void {
  hive.loadAll();
  walkHeap(hive.bytes, hive.view, (block) => sink.write(blockLine(hive, block)));
}

/**
 * The records of a subtree in tree order (for `--key`, or any dump through a ROM
 * overlay), each line starting with the record's source (`file` or `rom`): offsets are
 * in that file.
 */
export function rawVisitor(sink: TextSink): DumpVisitor {
  return {
    // Each line carries its record's offset, not its path.
    start() {},
    key(key: HiveKey) {
      sink.write(line(key.offset, 'key', key.id, key.size, keyFields(key.store, key.offset + BLOCK_HEADER_SIZE), key.store.source));
    },
    value(value: HiveValue) {
      sink.write(line(value.offset, 'value', value.id, value.size, valueFields(value.store, value.offset + BLOCK_HEADER_SIZE), value.store.source));
    },
    unresolved(link: UnresolvedLink) {
      sink.write(line(link.offset, 'link', link.id, 0, `unresolved ${link.link} ref=${hex32(link.ref)} store=${link.store} reason=${link.reason}`, 'file'));
    },
    damaged(error: HiveFormatError, path: string, lost: DamageLoss) {
      sink.write(`; hivetool: damaged record skipped under ${safeLine(path)} (${LOST_WORDS[lost]}): ${safeLine(error.message)}\n`);
    },
  };
}
