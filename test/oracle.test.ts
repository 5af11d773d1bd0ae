/**
 * A second, independent reading of the format with binary-parser's declarative parsers,
 * compared field by field with the zero-copy reader on every record of the corpus.
 */
import { describe, expect, test } from '@jest/globals';
import { Parser } from 'binary-parser';
import { hexBytes, openHive } from '@hivetool/hive';
import { BlockType, walkHeap } from '@hivetool/hive/layout';
import { CORPUS_FILES, corpusBytes, describeCorpus } from '@hivetool/test-support';

const describeWithCorpus = describeCorpus(describe);

// binary-parser has no UTF-16 strings: read the bytes and decode them with TextDecoder,
// a decoder independent of the reader's own.
const utf16 = (bytes: unknown): string => new TextDecoder('utf-16le').decode(bytes as Uint8Array);
function nameBytes(this: { nameLength: number }): number {
  return this.nameLength * 2;
}

// Format guide §3.
const headerParser = new Parser()
  .endianness('little')
  .uint32('version')
  .uint32('magic1')
  .uint32('magic2')
  .buffer('volumeGuid', { length: 16 })
  .uint32('restoreFlags')
  .uint32('restoreStart')
  .uint32('restoreSize')
  .buffer('romSignature', { length: 16 })
  .seek(0x0e4 - 0x038)
  .uint32('virtbase')
  .uint32('logEntryCount')
  .uint32('databaseRoot')
  .uint32('registryHandle')
  .uint32('bootSequence')
  .uint32('flags');

// Format guide §5: block header.
const blockParser = new Parser().endianness('little').uint32('sizeType').uint32('zero').uint32('id');

// Format guide §8.
const keyParser = new Parser()
  .endianness('little')
  .seek(12)
  .uint32('nextSibling')
  .uint32('firstChild')
  .uint32('firstValue')
  .uint8('nameLength')
  .uint8('unknown')
  .uint16('flags')
  .buffer('name', { length: nameBytes, formatter: utf16 });

const valueParser = new Parser()
  .endianness('little')
  .seek(12)
  .uint32('nextValue')
  .uint16('type')
  .uint16('dataLength')
  .uint8('nameLength')
  .uint8('flags')
  .buffer('name', { length: nameBytes, formatter: utf16 })
  .buffer('data', { length: 'dataLength' });

describeWithCorpus('binary-parser oracle agrees with the reader', () => {
  test.each(CORPUS_FILES)('%s: header fields', (file) => {
    const bytes = corpusBytes(file);
    const expected = headerParser.parse(bytes) as Record<string, number | Uint8Array>;
    const header = openHive(bytes).header;
    for (const field of ['version', 'magic1', 'magic2', 'restoreFlags', 'restoreStart', 'restoreSize', 'virtbase', 'logEntryCount', 'databaseRoot', 'registryHandle', 'bootSequence', 'flags'] as const) {
      expect([field, header[field]]).toEqual([field, expected[field]]);
    }
    expect(hexBytes(header.volumeGuid)).toBe(hexBytes(expected['volumeGuid'] as Uint8Array));
    expect(hexBytes(header.romSignature)).toBe(hexBytes(expected['romSignature'] as Uint8Array));
  });

  test.each(CORPUS_FILES)('%s: every key and value record', (file) => {
    const bytes = corpusBytes(file);
    const hive = openHive(bytes);
    let keys = 0;
    let values = 0;
    walkHeap(bytes, hive.view, (block) => {
      if (block.free) return;
      const header = blockParser.parse(bytes.subarray(block.offset)) as { sizeType: number; zero: number; id: number };
      expect(header.sizeType >>> 28).toBe(block.type);
      expect(header.id).toBe(block.id);
      if (block.type === BlockType.KEY) {
        keys++;
        const expected = keyParser.parse(bytes.subarray(block.offset)) as Record<string, number | string>;
        const key = hive.resolveKey((hive.ownStore << 28) | block.id, 'child', 0);
        if (key.kind !== 'key') throw new Error('unresolved');
        expect({ nextSibling: key.nextSibling, firstChild: key.firstChild, firstValue: key.firstValue, nameLength: key.nameLength, unknown: key.unknownByte, flags: key.flags, name: key.name }).toEqual(expected);
      } else if (block.type === BlockType.VALUE) {
        values++;
        const expected = valueParser.parse(bytes.subarray(block.offset)) as Record<string, number | string | Uint8Array>;
        const value = hive.resolveValue((hive.ownStore << 28) | block.id, 0);
        if (value.kind !== 'value') throw new Error('unresolved');
        expect({ nextValue: value.nextValue, type: value.type, dataLength: value.dataLength, nameLength: value.nameLength, flags: value.flags, name: value.name }).toEqual({ ...expected, data: undefined });
        expect(hexBytes(value.data)).toBe(hexBytes(expected['data'] as Uint8Array));
      }
    });
    expect(keys).toBeGreaterThan(0);
    expect(values).toBeGreaterThan(0);
  });
});
