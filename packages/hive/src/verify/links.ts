/** verify, format guide §7–8: links, cycles, depth and reachability from the roots. */
import { BLOCK_HEADER_SIZE } from '../layout.js';
import { DEFAULT_LIMITS } from '../limits.js';
import { KeyFlags } from '../records.js';
import { KeyField } from '../recordFields.js';
import { Store } from '../references.js';
import { REGISTRY_ROOTS, depthAllowed } from '../rules.js';
import { sectionOfId } from '../sections.js';
import type { HiveKind } from '../reader.js';
import { RecordKind, type Context, type IdTable } from './context.js';
import { hex } from './findings.js';
import { checkRomLink } from './romLinks.js';
import type { VerifyOptions } from './report.js';

/** Links, cycles, depth and reachability, from the roots; links into ROM checked in `rom`. */
export function walkLinks(ctx: Context, table: IdTable, roots: { refs: number[]; at: number; kind: HiveKind }, options: VerifyOptions): void {
  const { BROKEN, KEY, NONE, VALUE } = RecordKind;
  const { findings, report } = ctx;
  const { blockOf, kindOf, links, keyFlags } = table;
  const idCount = kindOf.length;
  const { refs: rootRefs, at: rootsAt, kind } = roots;
  const ownStore = kind === 'rom' ? Store.ROM_HIVE : Store.HEAP;
  const rom = options.rom;
  const maxDepth = options.maxDepth ?? DEFAULT_LIMITS.maxDepth;
  const reached = new Uint8Array(idCount);
  const romChecked = new Map<number, boolean>();

  /**
   * Checks link number `field` (0 nextSibling/nextValue, 1 firstChild, 2 firstValue) of
   * record `owner`; returns the id to follow in this file, or -1.
   */
  const follow = (owner: number, field: number, want: typeof KEY | typeof VALUE, link: string): number => {
    const ref = links[3 * owner + field]!;
    // The common case first: an unvisited record of the wanted kind in this file.
    const id = ref & 0x0fffffff;
    if (ref >>> 28 === ownStore && id !== 0 && id < idCount && kindOf[id] === want && reached[id] === 0) {
      reached[id] = 1;
      return id;
    }
    // Link fields sit 4 bytes apart from +0 in keys; a value's nextValue is at +0.
    return checkLink(ref, blockOf[owner]! + BLOCK_HEADER_SIZE + 4 * field, want, link);
  };
  const checkLink = (ref: number, from: number, want: typeof KEY | typeof VALUE, link: string): number => {
    if (ref === 0) return -1;
    const store = ref >>> 28;
    const id = ref & 0x0fffffff;
    if (store !== ownStore) {
      if (kind === 'persistent' && store === Store.ROM_HIVE) {
        report.romLinks.total++;
        if (rom !== undefined) checkRomLink(rom, ref, from, want, link, romChecked, findings, report);
      } else {
        findings.add('error', 'LINK_UNKNOWN_STORE', from, `${link} link ${hex(ref)} names store ${store}, which a ${kind} hive cannot resolve; it is not followed`);
      }
      return -1;
    }
    if (id >= idCount) {
      findings.add('error', 'LINK_TO_MISSING_SECTION', from, `${link} link ${hex(ref)} names id ${id} in section ${sectionOfId(id)}, which the directory does not list`);
      return -1;
    }
    const target = kindOf[id]!;
    if (target === BROKEN) return -1; // already reported where the record is
    if (target === NONE) {
      findings.add('error', 'LINK_TO_FREE_SLOT', from, `${link} link ${hex(ref)} names id ${id}, whose slot is free (a deleted record, or a link never updated)`);
      return -1;
    }
    if (target !== want) {
      const names = ['none', 'key', 'value', 'roots record', 'foreign block'];
      findings.add('error', 'LINK_WRONG_TYPE', from, `${link} link ${hex(ref)} names id ${id}, a ${names[target]} where a ${names[want]} belongs`);
      return -1;
    }
    if (reached[id] !== 0) {
      const code = want === VALUE ? 'VALUE_CYCLE' : link === 'sibling' ? 'SIBLING_CYCLE' : 'CHILD_CYCLE';
      findings.add('error', code, from, `${link} link ${hex(ref)} reaches id ${id} a second time (a loop, or two links to one record); a walk would not end without cycle detection`);
      return -1;
    }
    reached[id] = 1;
    return id;
  };

  // The keys still to visit, with their depths. Each key is pushed at most once (`reached`),
  // so a stack of one slot per id never overflows.
  const stack = new Int32Array(idCount);
  const depths = new Uint32Array(idCount);
  let top = 0;
  let reachableKeys = 0;
  let reachableValues = 0;
  for (let i = 0; i < REGISTRY_ROOTS; i++) {
    let id = checkLink(rootRefs[i]!, rootsAt + 4 * i, KEY, 'root');
    while (id >= 0) {
      stack[top] = id;
      depths[top++] = 1;
      id = follow(id, 0, KEY, 'sibling');
    }
  }
  while (top > 0) {
    const id = stack[--top]!;
    const depth = depths[top]!;
    reachableKeys++;
    let value = follow(id, 2, VALUE, 'value');
    while (value >= 0) {
      reachableValues++;
      value = follow(value, 0, VALUE, 'value');
    }
    const firstChild = links[3 * id + 1]!;
    if (firstChild === 0) continue;
    if ((keyFlags[id]! & KeyFlags.VOLATILE) !== 0) {
      findings.addGrouped('info', 'VOLATILE_STALE_CHILD', blockOf[id]! + BLOCK_HEADER_SIZE + KeyField.firstChild, (n) => `${n} volatile key(s) keep a stale firstChild; it is never followed (volatile subkeys are not persisted)`);
      continue;
    }
    if (!depthAllowed(depth + 1, maxDepth)) {
      findings.add('error', 'DEPTH_LIMIT', blockOf[id]! + BLOCK_HEADER_SIZE + KeyField.firstChild, `keys nest deeper than ${maxDepth} levels here; the subtree is not checked (raise the limit for forensic work)`);
      continue;
    }
    let child = follow(id, 1, KEY, 'child');
    while (child >= 0) {
      stack[top] = child;
      depths[top++] = depth + 1;
      child = follow(child, 0, KEY, 'sibling');
    }
  }
  report.counts.reachableKeys = reachableKeys;
  report.counts.reachableValues = reachableValues;
  for (let id = 1; id < idCount; id++) {
    const target = kindOf[id]!;
    if ((target === KEY || target === VALUE) && reached[id] === 0) {
      findings.addGrouped('warning', 'UNREACHABLE_RECORD', blockOf[id]!, (n) => `${n} key or value record(s) are in use but no link from the roots reaches them (first at ${hex(blockOf[id]!)}): lost data the device never reads`);
    }
  }
  if (kind === 'persistent' && rom === undefined && report.romLinks.total > 0) {
    findings.add('info', 'ROM_LINKS_UNCHECKED', rootsAt, `${report.romLinks.total} link(s) lead into the ROM hive; give the ROM hive to check them and the signature`);
  }
}
