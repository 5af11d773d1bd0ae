/**
 * The Thrift compact protocol, the writing side only: what Parquet's page headers and file
 * footer are written in (https://github.com/apache/thrift/blob/master/doc/specs/thrift-compact-protocol.md).
 * Fields are written in increasing id order, as the struct nesting is opened and closed.
 */
import { ByteBuffer } from './bytes.js';

/** Compact protocol type codes. */
export const CompactType = {
  TRUE: 1,
  FALSE: 2,
  BYTE: 3,
  I16: 4,
  I32: 5,
  I64: 6,
  DOUBLE: 7,
  BINARY: 8,
  LIST: 9,
  SET: 10,
  MAP: 11,
  STRUCT: 12,
} as const;
export type CompactType = (typeof CompactType)[keyof typeof CompactType];

const encoder = new TextEncoder();

export class CompactWriter {
  private last = 0;
  private readonly stack: number[] = [];

  constructor(readonly out: ByteBuffer = new ByteBuffer()) {}

  private field(id: number, type: CompactType): void {
    const delta = id - this.last;
    if (delta > 0 && delta <= 15) this.out.byte((delta << 4) | type);
    else {
      this.out.byte(type);
      this.out.varint(zigzag(id));
    }
    this.last = id;
  }

  i32(id: number, value: number): void {
    this.field(id, CompactType.I32);
    this.out.varint(zigzag(value));
  }

  /** An i64 field from a safe integer (|value| < 2^52: file offsets, sizes, counts). */
  i64(id: number, value: number): void {
    this.field(id, CompactType.I64);
    this.out.varint(zigzag(value));
  }

  bool(id: number, value: boolean): void {
    this.field(id, value ? CompactType.TRUE : CompactType.FALSE);
  }

  binary(id: number, bytes: Uint8Array): void {
    this.field(id, CompactType.BINARY);
    this.out.varint(bytes.length);
    this.out.put(bytes);
  }

  string(id: number, text: string): void {
    this.binary(id, encoder.encode(text));
  }

  /** Opens a struct field; close it with `end`. */
  struct(id: number): void {
    this.field(id, CompactType.STRUCT);
    this.stack.push(this.last);
    this.last = 0;
  }

  /** Closes the innermost struct (a struct field, a list's element, or the top struct). */
  end(): void {
    this.out.byte(0);
    this.last = this.stack.pop() ?? 0;
  }

  /** A list field's header; the elements follow (`element` for each struct, then `end`). */
  list(id: number, elementType: CompactType, size: number): void {
    this.field(id, CompactType.LIST);
    if (size < 15) this.out.byte((size << 4) | elementType);
    else {
      this.out.byte(0xf0 | elementType);
      this.out.varint(size);
    }
  }

  /** Opens a struct that is a list's element. */
  element(): void {
    this.stack.push(this.last);
    this.last = 0;
  }

  /** A list's i32 element. */
  elementI32(value: number): void {
    this.out.varint(zigzag(value));
  }

  /** A list's binary (string) element. */
  elementString(text: string): void {
    const bytes = encoder.encode(text);
    this.out.varint(bytes.length);
    this.out.put(bytes);
  }
}

/** ZigZag of a safe integer: 0, -1, 1, -2, … → 0, 1, 2, 3, … */
export function zigzag(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}
