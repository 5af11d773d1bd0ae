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
import { hex, type Findings } from './findings.js';
import { checkRomLink } from './romLinks.js';
import type { VerifyOptions } from './report.js';

/** What the walk's rare path (`checkLink`) needs: the walk's tables and where to report. */
interface LinkState {
  ctx: Context;
  kindOf: Uint8Array;
  reached: Uint8Array;
  kind: HiveKind;
  ownStore: number;
  rom: VerifyOptions['rom'];
  romChecked: Map<number, boolean>;
}

const RECORD_NAMES = ['none', 'key', 'value', 'roots record', 'foreign block'];

/**
 * A link that is not an unvisited record of the wanted kind in this file (the walk's loops
 * take that case themselves): 0, a link into the ROM hive or another store, a missing
 * section, a free slot, the wrong type, a record reached a second time. Reports what is
 * wrong; returns the id to follow, or -1.
 */
function checkLink(state: LinkState, ref: number, from: number, want: number, link: string): number {
  const { BROKEN, NONE, VALUE } = RecordKind;
  const { findings, report } = state.ctx;
  const { kindOf, reached, kind, ownStore, rom } = state;
  if (ref === 0) return -1;
  const store = ref >>> 28;
  const id = ref & 0x0fffffff;
  if (store !== ownStore) {
    if (kind === 'persistent' && store === Store.ROM_HIVE) {
      report.romLinks.total++;
      if (rom !== undefined) checkRomLink(rom, ref, from, want, link, state.romChecked, findings, report);
    } else {
      findings.add('error', 'LINK_UNKNOWN_STORE', from, `${link} link ${hex(ref)} names store ${store}, which a ${kind} hive cannot resolve; it is not followed`);
    }
    return -1;
  }
  if (id >= kindOf.length) {
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
    findings.add('error', 'LINK_WRONG_TYPE', from, `${link} link ${hex(ref)} names id ${id}, a ${RECORD_NAMES[target]} where a ${RECORD_NAMES[want]} belongs`);
    return -1;
  }
  if (reached[id] !== 0) {
    const code = want === VALUE ? 'VALUE_CYCLE' : link === 'sibling' ? 'SIBLING_CYCLE' : 'CHILD_CYCLE';
    findings.add('error', code, from, `${link} link ${hex(ref)} reaches id ${id} a second time (a loop, or two links to one record); a walk would not end without cycle detection`);
    return -1;
  }
  reached[id] = 1;
  return id;
}

/**
 * Links, cycles, depth and reachability, from the roots; links into ROM checked in `rom`.
 * A record's link fields are read from its block (key nextSibling, firstChild, firstValue
 * at +0, +4, +8 of the payload, a value's nextValue at +0; the record checks found that
 * they fit). The common case, an unvisited record of the wanted kind in this file, is
 * taken in the loops themselves, with no call: the walk runs once per record, mostly
 * before the optimising compiler has seen it (docs/PERFORMANCE.md); the rest goes to
 * `checkLink`.
 */
export function walkLinks(ctx: Context, table: IdTable, roots: { refs: number[]; at: number; kind: HiveKind }, options: VerifyOptions): void {
  const { KEY, VALUE } = RecordKind;
  const { bytes, words, findings, report } = ctx;
  const { blockOf, kindOf } = table;
  const HEADER = BLOCK_HEADER_SIZE;
  const PAYLOAD_WORD = BLOCK_HEADER_SIZE >>> 2;
  const FLAGS = BLOCK_HEADER_SIZE + KeyField.flags;
  const FIRST_CHILD = BLOCK_HEADER_SIZE + KeyField.firstChild;
  const VOLATILE = KeyFlags.VOLATILE;
  const idCount = kindOf.length;
  const { refs: rootRefs, at: rootsAt, kind } = roots;
  const ownStore = kind === 'rom' ? Store.ROM_HIVE : Store.HEAP;
  const rom = options.rom;
  const maxDepth = options.maxDepth ?? DEFAULT_LIMITS.maxDepth;
  const reached = new Uint8Array(idCount);
  const state: LinkState = { ctx, kindOf, reached, kind, ownStore, rom, romChecked: new Map() };

  // The keys still to visit, with their depths. Each key is pushed at most once (`reached`),
  // so a stack of one slot per id never overflows.
  const stack = new Int32Array(idCount);
  const depths = new Uint32Array(idCount);
  let top = 0;
  let reachableKeys = 0;
  let reachableValues = 0;
  let longestValueChain = 0;
  for (let i = 0; i < REGISTRY_ROOTS; i++) {
    let id = checkLink(state, rootRefs[i]!, rootsAt + 4 * i, KEY, 'root');
    while (id >= 0) {
      stack[top] = id;
      depths[top++] = 1;
      const block = blockOf[id]!;
      const ref = words[(block >>> 2) + PAYLOAD_WORD]!;
      const next = ref & 0x0fffffff;
      if (ref >>> 28 === ownStore && next !== 0 && next < idCount && kindOf[next] === KEY && reached[next] === 0) {
        reached[next] = 1;
        id = next;
      } else {
        id = checkLink(state, ref, block + HEADER, KEY, 'sibling');
      }
    }
  }
  while (top > 0) {
    const id = stack[--top]!;
    const depth = depths[top]!;
    const block = blockOf[id]!;
    reachableKeys++;
    // The value chain: firstValue (+8), then each value's nextValue (+0).
    let chain = 0;
    let ref = words[(block >>> 2) + PAYLOAD_WORD + 2]!;
    let from = block + HEADER + 8;
    while (ref !== 0) {
      let value = ref & 0x0fffffff;
      if (ref >>> 28 === ownStore && value !== 0 && value < idCount && kindOf[value] === VALUE && reached[value] === 0) {
        reached[value] = 1;
      } else {
        value = checkLink(state, ref, from, VALUE, 'value');
        if (value < 0) break;
      }
      chain++;
      const valueBlock = blockOf[value]!;
      ref = words[(valueBlock >>> 2) + PAYLOAD_WORD]!;
      from = valueBlock + HEADER;
    }
    reachableValues += chain;
    if (chain > longestValueChain) longestValueChain = chain;
    const firstChild = words[(block >>> 2) + PAYLOAD_WORD + 1]!;
    if (firstChild === 0) continue;
    if (((bytes[block + FLAGS]! | (bytes[block + FLAGS + 1]! << 8)) & VOLATILE) !== 0) {
      volatileStaleChild(findings, block + FIRST_CHILD);
      continue;
    }
    if (!depthAllowed(depth + 1, maxDepth)) {
      findings.add('error', 'DEPTH_LIMIT', block + FIRST_CHILD, `keys nest deeper than ${maxDepth} levels here; the subtree is not checked (raise the limit for forensic work)`);
      continue;
    }
    // The subkeys: firstChild (+4), then each key's nextSibling (+0).
    ref = firstChild;
    from = block + FIRST_CHILD;
    let link = 'child';
    while (ref !== 0) {
      let child = ref & 0x0fffffff;
      if (ref >>> 28 === ownStore && child !== 0 && child < idCount && kindOf[child] === KEY && reached[child] === 0) {
        reached[child] = 1;
      } else {
        child = checkLink(state, ref, from, KEY, link);
        if (child < 0) break;
      }
      stack[top] = child;
      depths[top++] = depth + 1;
      const childBlock = blockOf[child]!;
      ref = words[(childBlock >>> 2) + PAYLOAD_WORD]!;
      from = childBlock + HEADER;
      link = 'sibling';
    }
  }
  report.counts.reachableKeys = reachableKeys;
  report.counts.reachableValues = reachableValues;
  if (ctx.census !== undefined && rom === undefined) ctx.census.tree = { keys: reachableKeys, values: reachableValues, romLinks: report.romLinks.total, longestValueChain };
  for (let id = 1; id < idCount; id++) {
    const target = kindOf[id]!;
    if ((target === KEY || target === VALUE) && reached[id] === 0) unreachableRecord(findings, blockOf[id]!);
  }
  if (kind === 'persistent' && rom === undefined && report.romLinks.total > 0) {
    findings.add('info', 'ROM_LINKS_UNCHECKED', rootsAt, `${report.romLinks.total} link(s) lead into the ROM hive; give the ROM hive to check them and the signature`);
  }
}

/** In a function of its own, so that the walk's loop keeps its variables out of a closure's context (see heap.ts). */
function volatileStaleChild(findings: Findings, at: number): void {
  findings.addGrouped('info', 'VOLATILE_STALE_CHILD', at, (n) => `${n} volatile key(s) keep a stale firstChild; it is never followed (volatile subkeys are not persisted)`);
}

/** In a function of its own, so that the loop over every id keeps `id` out of a closure's context (see heap.ts). */
function unreachableRecord(findings: Findings, block: number): void {
  findings.addGrouped('warning', 'UNREACHABLE_RECORD', block, (n) => `${n} key or value record(s) are in use but no link from the roots reaches them (first at ${hex(block)}): lost data the device never reads`);
}
