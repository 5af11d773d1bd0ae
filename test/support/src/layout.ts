import { isFreeBlock, stepBlocks } from '@hivetool/hive/layout';

/**
 * The layout invariants of format guide §5–6, checked from the bytes with no help from
 * the reader: the heap tiles from 0x5000 to EOF, the file is whole pages, restoreStart is
 * the file length, and every used slot points at a block carrying that slot's id.
 * Returns a list of problems (empty when all hold).
 */
export function layoutProblems(bytes: Uint8Array): string[] {
  const problems: string[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const blockIds = new Map<number, number>();
  const { end: offset } = stepBlocks(
    (at) => view.getUint32(at, true),
    bytes.length,
    (at, sizeType) => {
      if (!isFreeBlock(sizeType)) blockIds.set(at, view.getUint32(at + 8, true));
    },
  );
  if (offset !== bytes.length) problems.push(`heap ends at ${offset}, file at ${bytes.length}`);
  if (bytes.length % 4096 !== 0) problems.push(`file length ${bytes.length} is not whole pages`);
  if (view.getUint32(0x20, true) !== bytes.length) problems.push('restoreStart is not the file length');
  for (let section = 0; section < 4096; section++) {
    const entry = view.getUint32(0x1000 + 4 * section, true);
    if (section > 0 && entry === 0) break;
    const table = 0x5000 + entry + 12;
    for (let slot = 0; slot < 1024; slot++) {
      const value = view.getUint32(table + 4 * slot, true);
      if ((value & 1) === 0) continue;
      const id = section * 1024 + slot;
      const found = blockIds.get(0x5000 + (value & 0x0ffffffc));
      if (found !== id) problems.push(`slot of id ${id} points at a block with id ${found}`);
    }
  }
  return problems;
}
