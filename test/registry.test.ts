import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { runs } from '@hivetool/test-support';
import {
  ValueType,
  decodeUtf16,
  decodeValue,
  encodeUtf16,
  hasLoneSurrogate,
  jsonDecoded,
  parseKeyPath,
  readMultiString,
  renderRegData,
  renderRegValue,
  quoteRegString,
  regQuote,
  isRegQuotable,
  rootIndex,
  valueTypeName,
  RegTextWriter,
  Utf8Writer,
  renderToString,
} from '@hivetool/registry';

const sz = (text: string): Uint8Array => encodeUtf16(text + '\0');

describe('UTF-16', () => {
  test('decode(encode(s)) = s for any string, lone surrogates and astral characters included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((u) => String.fromCharCode(u)), maxLength: 3 }), (text, surrogates) => {
        const mixed = text + surrogates;
        expect(decodeUtf16(encodeUtf16(mixed), 0, mixed.length)).toBe(mixed);
      }),
      { seed: 1, numRuns: 300 },
    );
  });

  test('long strings decode in pieces', () => {
    const text = '名'.repeat(10000) + '😀'.repeat(3000);
    expect(decodeUtf16(encodeUtf16(text), 0, text.length)).toBe(text);
  });

  test('lone surrogates are detected', () => {
    expect(hasLoneSurrogate('a😀b')).toBe(false);
    expect(hasLoneSurrogate('a\ud800b')).toBe(true);
    expect(hasLoneSurrogate('\udc00')).toBe(true);
  });
});

describe('value decoding', () => {
  test('MULTI_SZ: lists of non-empty strings, anything else stays bytes', () => {
    expect(readMultiString(encodeUtf16('a\0bc\0\0'))).toEqual(['a', 'bc']);
    expect(readMultiString(encodeUtf16('a\0\0b\0\0'))).toBeUndefined(); // empty string inside
    expect(readMultiString(encodeUtf16('\0'))).toBeUndefined();
    expect(readMultiString(encodeUtf16('a\0'))).toBeUndefined(); // no list terminator
    expect(readMultiString(Uint8Array.of(0x61, 0, 0, 0, 0))).toBeUndefined(); // odd length
  });

  test('QWORD past 2^53 stays exact in JSON (as a decimal string)', () => {
    expect(jsonDecoded(ValueType.QWORD, Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))).toBe('18446744073709551615');
  });

  test('type names', () => {
    expect(valueTypeName(21)).toBe('REG_MUI_SZ');
    expect(valueTypeName(4)).toBe('REG_DWORD');
    expect(valueTypeName(0x1f)).toBe('REG_UNKNOWN_0x1f');
  });

  test('decodeValue never throws, whatever the type and bytes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 64 }), (type, data) => {
        const decoded = decodeValue(type, data);
        expect(['string', 'strings', 'number', 'bigint', 'bytes']).toContain(decoded.kind);
      }),
      { seed: 2, numRuns: 500 },
    );
  });
});

describe('.reg rendering', () => {
  test('the one-pass REG_SZ quoting agrees with decode, check and quote done apart', () => {
    const sample = fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      fc.string({ unit: 'binary', maxLength: 30 }).map((text) => encodeUtf16(text + '\0')),
      fc.constantFrom(encodeUtf16('a\\b"c\0'), encodeUtf16('\ud800x\0'), encodeUtf16('x\udc00\0'), encodeUtf16('😀\0'), encodeUtf16('\ud83d\0')),
    );
    fc.assert(
      fc.property(sample, (data) => {
        const decoded = decodeValue(ValueType.SZ, data);
        const expected = decoded.kind === 'string' && isRegQuotable(decoded.value) ? regQuote(decoded.value) : undefined;
        expect(quoteRegString(data)).toBe(expected);
      }),
      { seed: 12, numRuns: runs(1000) },
    );
  });

  test('the one-pass REG_MULTI_SZ form agrees with decode, check and quote done apart', () => {
    const item = fc.oneof(fc.string({ unit: 'binary', maxLength: 8 }), fc.constantFrom('a\\b"c', '\ud800x', 'x\udc00', '😀', '\ud83d', 'a\nb', 'é€'));
    const sample = fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      // Lists with and without the final NUL, and with empty items inside.
      fc.tuple(fc.array(item, { maxLength: 5 }), fc.constantFrom('\0', '', '\0\0')).map(([items, end]) => encodeUtf16(items.map((text) => text + '\0').join('') + end)),
      fc.constantFrom(encodeUtf16('\0\0'), encodeUtf16('a\0\0'), encodeUtf16('a\0\0\0'), encodeUtf16('\0a\0\0'), Uint8Array.of(0x41, 0, 0, 0, 0)),
    );
    fc.assert(
      fc.property(sample, fc.integer({ min: 0, max: 3 }), (data, padding) => {
        const strings = readMultiString(data);
        // `column`: what the line holds before the data (hex wraps by it).
        const expected = (column: number): string => (strings !== undefined && strings.every(isRegQuotable) ? 'multi_sz:' + strings.map(regQuote).join(',') : renderRegData(ValueType.MULTI_SZ, data, column, 'regedit'));
        expect(renderRegData(ValueType.MULTI_SZ, data)).toBe(expected(0));
        // The same bytes inside a larger buffer (a hive's file), through the writer.
        const lines: string[] = [];
        const buffer = new Uint8Array(padding + data.length + 3).fill(0x41);
        buffer.set(data, padding);
        const out = new Utf8Writer((bytes) => lines.push(new TextDecoder().decode(bytes)));
        const writer = new RegTextWriter(out);
        writer.start('HKEY_LOCAL_MACHINE');
        writer.valueFrom(encodeUtf16('v'), 0, 1, ValueType.MULTI_SZ, buffer, padding, data.length);
        out.flush();
        expect(lines.join('')).toBe(`"v"=${expected('"v"='.length)}\n`);
      }),
      { seed: 13, numRuns: runs(1000) },
    );
  });

  test('each type in its round-trippable form', () => {
    expect(renderRegValue('s', ValueType.SZ, sz('a "q" \\ b'))).toBe('"s"="a \\"q\\" \\\\ b"');
    expect(renderRegValue('d', ValueType.DWORD, Uint8Array.of(9, 4, 0, 0))).toBe('"d"=dword:00000409');
    expect(renderRegValue('m', ValueType.MULTI_SZ, encodeUtf16('a\0b"\0\0'))).toBe('"m"=multi_sz:"a","b\\""');
    expect(renderRegValue('u', ValueType.MUI_SZ, sz('urlmon.dll,#9008'))).toBe('"u"=mui_sz:"urlmon.dll,#9008"');
    expect(renderRegValue('b', ValueType.BINARY, Uint8Array.of(1, 0xab))).toBe('"b"=hex:01,ab');
    expect(renderRegValue('e', ValueType.EXPAND_SZ, sz('%x%'))).toBe('"e"=hex(2):25,00,78,00,25,00,00,00');
    expect(renderRegValue('q', ValueType.QWORD, new Uint8Array(8))).toBe('"q"=hex(b):00,00,00,00,00,00,00,00');
    expect(renderRegValue('n', ValueType.NONE, new Uint8Array(0))).toBe('"n"=hex(0):');
    expect(renderRegValue('x', 0x42, Uint8Array.of(7))).toBe('"x"=hex(42):07');
  });

  test('data that is not well formed falls back to hex of its own type', () => {
    expect(renderRegData(ValueType.SZ, Uint8Array.of(0x41, 0))).toBe('hex(1):41,00'); // no terminator
    expect(renderRegData(ValueType.SZ, sz('line\nbreak'))).toMatch(/^hex\(1\):/); // not quotable
    expect(renderRegData(ValueType.SZ, encodeUtf16('\ud800\0'))).toMatch(/^hex\(1\):/); // lone surrogate
    expect(renderRegData(ValueType.DWORD, Uint8Array.of(1, 2))).toBe('hex(4):01,02');
    expect(renderRegData(ValueType.MULTI_SZ, encodeUtf16('a\0'))).toBe('hex(7):61,00,00,00');
    expect(renderRegData(ValueType.MUI_SZ, Uint8Array.of(1))).toBe('hex(15):01');
  });

  test('hex data wraps where the byte-at-a-time rule wraps, whatever the column it starts at', () => {
    // The rule: a byte takes 3 columns (2 for the last, which has no comma); one that would
    // pass column 76 goes on a new line after `\`, indented by 2.
    const reference = (prefix: string, data: Uint8Array, startColumn: number): string => {
      let text = prefix;
      let column = startColumn + prefix.length;
      data.forEach((byte, index) => {
        const width = index === data.length - 1 ? 2 : 3;
        if (column + width > 76) {
          text += '\\\n  ';
          column = 2;
        }
        text += byte.toString(16).padStart(2, '0') + (width === 3 ? ',' : '');
        column += width;
      });
      return text;
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), fc.integer({ min: 0, max: 160 }), fc.constantFrom(ValueType.BINARY, ValueType.EXPAND_SZ, 0x42), (data, column, type) => {
        const prefix = type === ValueType.BINARY ? 'hex:' : `hex(${type.toString(16)}):`;
        expect(renderRegData(type, data, column)).toBe(reference(prefix, data, column));
      }),
      { seed: 26, numRuns: runs(2000) },
    );
  });

  test('hex data wraps before 80 columns with backslash continuations', () => {
    const line = renderRegValue('SomeLongishValueName', ValueType.BINARY, Uint8Array.from({ length: 300 }, (_, i) => i & 0xff));
    const lines = line.split('\n');
    expect(lines.length).toBeGreaterThan(10);
    for (const [index, text] of lines.entries()) {
      expect(text.length).toBeLessThanOrEqual(80);
      if (index < lines.length - 1) expect(text.endsWith(',\\')).toBe(true);
      if (index > 0) expect(text.startsWith('  ')).toBe(true);
    }
    const bytes = lines.join('').replace(/^"SomeLongishValueName"=hex:/, '').replace(/\\ +/g, '').split(',');
    expect(bytes.map((hex) => parseInt(hex, 16))).toEqual(Array.from({ length: 300 }, (_, i) => i & 0xff));
  });
});

describe('key paths', () => {
  test('roots by long and short name, any case; empty components dropped', () => {
    expect(rootIndex('hklm')).toBe(2);
    expect(rootIndex('HKEY_CLASSES_ROOT')).toBe(0);
    expect(parseKeyPath('HKCU\\Software\\\\Microsoft\\')).toEqual({ root: 1, names: ['Software', 'Microsoft'] });
    expect(parseKeyPath('Software\\x')).toBeUndefined();
  });
});

describe('Utf8Writer', () => {
  const anyText = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    // Lone and paired surrogates, and text longer than the native-encoder threshold.
    fc.array(fc.constantFrom('a', 'é', '名', '😀', '\ud800', '\udc00', '\\', '"'), { maxLength: 120 }).map((parts) => parts.join('')),
  );

  test('text() gives the bytes TextEncoder gives, across piece boundaries and buffer growth', () => {
    const encoder = new TextEncoder();
    fc.assert(
      fc.property(fc.array(anyText, { maxLength: 8 }), fc.integer({ min: 1, max: 64 }), (texts, pieceBytes) => {
        const pieces: Uint8Array[] = [];
        const out = new Utf8Writer((bytes) => pieces.push(bytes.slice()), pieceBytes);
        for (const text of texts) out.text(text);
        out.flush();
        const written = Buffer.concat(pieces);
        // Each call encodes its own text (a surrogate split across two calls stays unpaired).
        expect(written.equals(Buffer.concat(texts.map((text) => encoder.encode(text))))).toBe(true);
      }),
      { seed: 21, numRuns: runs(500) },
    );
  });

  test('a value line from stored UTF-16LE bytes is the line written from the decoded name and a copied view', () => {
    const sample = fc.record({
      name: fc.oneof(anyText, fc.constant('Default')),
      type: fc.constantFrom(ValueType.SZ, ValueType.DWORD, ValueType.BINARY, ValueType.MULTI_SZ, ValueType.MUI_SZ, ValueType.EXPAND_SZ, 0x42),
      data: fc.oneof(fc.uint8Array({ maxLength: 200 }), anyText.map((text) => encodeUtf16(text + '\0'))),
      flags: fc.constantFrom(0, 2),
      before: fc.nat(40),
    });
    fc.assert(
      fc.property(sample, ({ name, type, data, flags, before }) => {
        // Name and data inside one larger buffer, as in a hive file.
        const nameBytes = encodeUtf16(name);
        const file = new Uint8Array(before + nameBytes.length + data.length + 7);
        file.set(nameBytes, before);
        file.set(data, before + nameBytes.length);
        let skipped = -1;
        const stored = renderToString((out) => {
          const writer = new RegTextWriter(out);
          writer.valueFrom(file, before, name.length, type, file, before + nameBytes.length, data.length, flags);
          skipped = writer.skippedValues;
        });
        const fromText = renderToString((out) => new RegTextWriter(out).value(name, type, data.slice(), flags));
        expect(stored).toBe(fromText);
        if (skipped === 0) {
          expect(stored).toContain(`${name === 'Default' ? '@' : regQuote(name)}=${renderRegData(type, data, (name === 'Default' ? 1 : regQuote(name).length) + 1)}\n`);
        } else {
          expect(isRegQuotable(name)).toBe(false);
          expect(stored).toMatch(/^; value name not representable in \.reg/);
        }
      }),
      { seed: 22, numRuns: runs(500) },
    );
  });
});

describe('RegTextWriter: keys by depth', () => {
  test('a key line is the start path plus the names down to it; an unwritable name leaves its subtree out', () => {
    let skipped = -1;
    const text = renderToString((out) => {
      const writer = new RegTextWriter(out);
      writer.start('HKEY_LOCAL_MACHINE');
      writer.key(1, 'A');
      writer.key(2, 'B', 0x0008);
      writer.value('v', ValueType.DWORD, new Uint8Array([1, 0, 0, 0]));
      writer.key(2, 'bad\nname');
      writer.key(3, 'under');
      writer.value('w', ValueType.DWORD, new Uint8Array(4));
      writer.key(2, 'C');
      writer.key(1, 'lone\ud800');
      writer.key(1, 'D');
      skipped = writer.skippedKeys;
    });
    expect(text).toBe(
      '\n[HKEY_LOCAL_MACHINE\\A]\n' +
        '\n[HKEY_LOCAL_MACHINE\\A\\B]\n; key flags 0x0008 (volatile: subkeys not stored)\n"v"=dword:00000001\n' +
        '\n; key name not representable in .reg, key and subtree left out (use --format json): "HKEY_LOCAL_MACHINE\\\\A\\\\bad\\nname"\n' +
        '\n[HKEY_LOCAL_MACHINE\\A\\C]\n' +
        '\n; key name not representable in .reg, key and subtree left out (use --format json): "HKEY_LOCAL_MACHINE\\\\lone\\ud800"\n' +
        '\n[HKEY_LOCAL_MACHINE\\D]\n',
    );
    expect(skipped).toBe(3);
  });

  test('a start path holding a name .reg cannot hold writes no key under it; given names may hold a backslash', () => {
    const text = renderToString((out) => {
      const writer = new RegTextWriter(out);
      writer.start('HKEY_LOCAL_MACHINE\\X\\Y', ['X\\Y']);
      writer.key(1, 'Z');
      writer.value('v', ValueType.DWORD, new Uint8Array(4));
      writer.start('HKEY_LOCAL_MACHINE\\S\ud800', ['S\ud800']);
      writer.key(1, 'In');
    });
    expect(text).toBe(
      '\n; key name not representable in .reg, key and subtree left out (use --format json): "HKEY_LOCAL_MACHINE\\\\X\\\\Y\\\\Z"\n' +
        '\n; key name not representable in .reg, key and subtree left out (use --format json): "HKEY_LOCAL_MACHINE\\\\S\\ud800\\\\In"\n',
    );
  });

  test('a key deeper than the last key written plus one, or before any start, is refused', () => {
    expect(() => renderToString((out) => new RegTextWriter(out).key(1, 'A'))).toThrow(/no start\(\)/);
    expect(() =>
      renderToString((out) => {
        const writer = new RegTextWriter(out);
        writer.start('HKEY_LOCAL_MACHINE');
        writer.key(2, 'A');
      }),
    ).toThrow(RangeError);
    expect(() =>
      renderToString((out) => {
        const writer = new RegTextWriter(out);
        writer.start('HKEY_LOCAL_MACHINE');
        writer.key(-1, 'A');
      }),
    ).toThrow(RangeError);
    // Back up at depth 1, a key at depth 3 has no parent written (the path bytes left from
    // the earlier depth 3 are another key's).
    expect(() =>
      renderToString((out) => {
        const writer = new RegTextWriter(out);
        writer.start('HKEY_LOCAL_MACHINE');
        for (const [depth, name] of [[1, 'A'], [2, 'B'], [3, 'C'], [1, 'D'], [3, 'E']] as const) writer.key(depth, name);
      }),
    ).toThrow('RegTextWriter: a key at depth 3 follows a key at depth 1');
  });

  test('a comment stays one line whatever it quotes', () => {
    const text = renderToString((out) => new RegTextWriter(out).comment('unresolved in HKEY_LOCAL_MACHINE\\E\n[HKEY_LOCAL_MACHINE\\Forged]\r\n"Injected"="yes"'));
    expect(text).toBe('; unresolved in HKEY_LOCAL_MACHINE\\E\\n[HKEY_LOCAL_MACHINE\\Forged]\\r\\n"Injected"="yes"\n');
    expect(text.split('\n')).toHaveLength(2);
  });
});

