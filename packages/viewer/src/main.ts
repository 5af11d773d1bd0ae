/**
 * The viewer page: tree of keys (virtualised: only the rows in view exist in the DOM),
 * value table, hex view, breadcrumb path, search, verify findings, header and statistics,
 * diff and export. All parsing happens in the worker (client.ts); files never leave the
 * browser.
 */
/*
 * Over 400 lines because it wires every panel of the page to the worker; the tree, the hex
 * view, the DOM helpers and the worker client are in their own modules.
 */
import { WorkerClient } from './client.js';
import { describeKeyFlags, describeValueFlags } from '@hivetool/registry';
import { UNVERIFIED_SOURCE, byId as $, element, hex32, nextFrame, shown } from './dom.js';
import { renderHex, type HexMarks } from './hexView.js';
import { Splitter } from './splitter.js';
import type { AttachResult, DamageInfo, DiffChange, DocInfo, FindingInfo, HexInfo, InfoResult, KeyDetails, RevealResult, RomMismatch, RowInfo, SearchHit, SearchQuery, SearchResult, ValueInfo, VerifyInfo } from './protocol.js';
import { TreeView, nodesOf, pathOf, type TreeNode } from './tree.js';

const SEARCH_LIMIT = 500;
/** Longest text put in a cell's tooltip (the cell itself shows it all). */
const TITLE_MAX = 1000;
/** Bytes of a record the hex view shows at most. */
const HEX_RECORD_MAX = 4096;
/** Bytes shown around a finding's offset. */
const HEX_CONTEXT = 256;

interface OpenDoc {
  info: DocInfo;
  roots: TreeNode[];
  /** Whether the file is damaged, once the worker has looked (after the first rows). */
  damage?: DamageInfo | undefined;
  /** The branch of deleted records, while it is shown (the toggle above the tree). */
  deletedBranch?: TreeNode | undefined;
}

const worker = new WorkerClient();
document.body.dataset['worker'] = worker.mode;

const docs: OpenDoc[] = [];
/** The selection the page's address named when it was loaded, until that file is opened. */
let linked: { file: string; key: string | null; value: string | undefined } | undefined = (() => {
  const params = new URLSearchParams(location.hash.slice(1));
  const file = params.get('file');
  return file === null ? undefined : { file, key: params.get('key'), value: params.get('value') ?? undefined };
})();
let current: OpenDoc | undefined;
let details: KeyDetails | undefined;

const treeBox = $<HTMLDivElement>('tree');
const tree = new TreeView(treeBox, $<HTMLDivElement>('tree-spacer'), {
  select: (node) => void select(node),
  loadChildren: (node) => worker.call<RowInfo[]>({ op: 'children', doc: current!.info.doc, handle: node.row.handle }),
  expanded(node, count, ms) {
    document.body.dataset['expandMs'] = ms.toFixed(1);
    status(`${pathOf(node)}: ${count} subkeys, shown in ${ms.toFixed(0)} ms`);
  },
  markFileRows: () => current?.info.rom !== undefined,
});
const pathInput = $<HTMLInputElement>('path');
/** The path the path bar shows escaped: Enter on it unchanged goes to this path, not to its escaped text. */
let pathRaw = '';
const searchInput = $<HTMLInputElement>('search');
const statusLine = $<HTMLDivElement>('status');
const docSelect = $<HTMLSelectElement>('doc-select');

/** The status line; text from files in it is shown escaped. */
function status(text: string, error = false): void {
  statusLine.textContent = shown(text);
  statusLine.classList.toggle('error', error);
}

// --- opening files ---------------------------------------------------------------------

/** Opens a file's bytes; `started` is when the user chose the file (first rows are timed from it). */
async function openBytes(name: string, data: ArrayBuffer, started = performance.now()): Promise<OpenDoc | undefined> {
  status(`reading ${name}…`);
  try {
    const info = await worker.call<DocInfo>({ op: 'open', file: { name, data } }, [data]);
    const doc = addDoc(info);
    showDoc(doc);
    await nextFrame();
    // A link to a key (#file=…&key=…) opened before its file: the key is shown once the file is.
    if (linked !== undefined && linked.file === name) {
      const { key, value } = linked;
      linked = undefined;
      if (key !== null) void reveal(key, value);
    }
    const ms = performance.now() - started;
    document.body.dataset['openMs'] = ms.toFixed(1);
    status(`${docLine(info)}, first rows in ${ms.toFixed(0)} ms`);
    // After the first rows, so a large file opens as fast: whether it is damaged.
    void checkDamage(doc);
    return doc;
  } catch (error) {
    status((error as Error).message, true);
    return undefined;
  }
}

async function openFiles(files: FileList | File[]): Promise<void> {
  for (const file of Array.from(files)) {
    const started = performance.now();
    const data = await file.arrayBuffer();
    document.body.dataset['readMs'] = (performance.now() - started).toFixed(1);
    await openBytes(file.name, data, started);
  }
}

/** What the status line says of a file when it is shown. */
function docLine(info: DocInfo): string {
  return (
    `${info.name}: ${info.format}${info.format === 'hive' ? ` (${info.kind})` : ''}, ${info.size} bytes` +
    (info.rom !== undefined ? `, ROM ${info.rom} attached${info.romUnverified === true ? ' although it failed the ROM check: its records are marked unverified' : ''}` : '') +
    (info.diff !== undefined ? `: ${info.diff.added} added, ${info.diff.removed} removed, ${info.diff.changed} changed` : '')
  );
}

// --- damage ----------------------------------------------------------------------------

/** The banner saying the file shown is damaged (an alert: read out when it appears). */
const damageBanner = element('div', 'damage-banner');
damageBanner.id = 'damage-banner';
damageBanner.setAttribute('role', 'alert');
damageBanner.hidden = true;
document.querySelector('main')?.before(damageBanner);

async function checkDamage(doc: OpenDoc): Promise<void> {
  try {
    doc.damage = await worker.call<DamageInfo>({ op: 'damage', doc: doc.info.doc });
  } catch {
    return; // closed meanwhile
  }
  if (doc !== current) return;
  showDamage(doc);
  if (doc.damage.damaged) status(`${doc.info.name} is damaged: see the banner above the tree`, true);
}

function showDamage(doc: OpenDoc): void {
  const damage = doc.damage;
  damageBanner.hidden = damage === undefined || !damage.damaged;
  if (damage === undefined || !damage.damaged) {
    damageBanner.replaceChildren();
    return;
  }
  const parts = [
    ...(damage.skipped > 0 ? [`${damage.skipped} damaged record(s) cannot be read and are skipped, with what only they lead to (keys marked damaged)`] : []),
    ...(damage.wholeFile > 0 ? [`${damage.wholeFile} error(s) of the whole file`] : []),
  ];
  const verifyLink = element('a', 'to-verify', 'the Verify tab lists every finding');
  verifyLink.href = '#';
  verifyLink.addEventListener('click', (event) => {
    event.preventDefault();
    showPanel('verify');
  });
  damageBanner.replaceChildren(
    element('strong', '', `${doc.info.name} is damaged: `),
    `${parts.join('; ')}. The tree, search and exports show what is intact (reachable from the roots without passing through a damaged record); the first problem: ${damage.first ?? 'unknown'}. `,
    verifyLink,
    '.',
  );
  tree.markDamaged(new Map(damage.keys.map((path) => [path.toLowerCase(), damage.first ?? 'damaged'])));
}

// --- deleted records ---------------------------------------------------------------------

/** The toggle that adds a branch of the deleted records found in free space to the tree. */
const deletedToggle = element('input');
deletedToggle.type = 'checkbox';
deletedToggle.id = 'show-deleted';
deletedToggle.disabled = true;
const deletedLabel = element('label', 'deleted-toggle');
deletedLabel.append(deletedToggle, ' show deleted records (from free space)');
deletedLabel.title = 'Adds a branch of the keys and values whose bytes survive in free space; they are not part of the registry';
treeBox.before(deletedLabel);

deletedToggle.addEventListener('change', () => void toggleDeleted(deletedToggle.checked));

async function toggleDeleted(on: boolean): Promise<void> {
  const doc = current;
  if (doc === undefined) return;
  if (!on) {
    if (doc.deletedBranch !== undefined) doc.roots = doc.roots.filter((node) => node !== doc.deletedBranch);
    doc.deletedBranch = undefined;
    tree.show(doc.roots);
    if (doc.damage !== undefined) showDamage(doc);
    return;
  }
  if (doc.deletedBranch !== undefined) return;
  status(`${doc.info.name}: reading free space for deleted records…`);
  try {
    const row = await worker.call<RowInfo>({ op: 'deleted', doc: doc.info.doc });
    const [branch] = nodesOf([row], undefined);
    doc.deletedBranch = branch;
    doc.roots = [...doc.roots, branch!];
    if (doc === current) {
      tree.show(doc.roots);
      if (doc.damage !== undefined) showDamage(doc);
      status(`${doc.info.name}: ${row.name}`);
    }
  } catch (error) {
    deletedToggle.checked = false;
    status((error as Error).message, true);
  }
}

function addDoc(info: DocInfo): OpenDoc {
  const doc: OpenDoc = { info, roots: nodesOf(info.roots, undefined) };
  docs.push(doc);
  refreshDocLists();
  return doc;
}

function refreshDocLists(): void {
  for (const select of [docSelect, $<HTMLSelectElement>('diff-a'), $<HTMLSelectElement>('diff-b')]) {
    const was = select.value;
    select.replaceChildren(...docs.map((doc) => new Option(shown(doc.info.name), String(doc.info.doc))));
    if (docs.some((doc) => String(doc.info.doc) === was)) select.value = was;
  }
  const b = $<HTMLSelectElement>('diff-b');
  if (docs.length >= 2 && b.value === $<HTMLSelectElement>('diff-a').value) b.value = String(docs[docs.length - 1]!.info.doc);
  if (current !== undefined) docSelect.value = String(current.info.doc);
  refreshCompare();
}

/** Compare needs two different files: with fewer, or the same file twice, it is off and says why. */
function refreshCompare(): void {
  const a = $<HTMLSelectElement>('diff-a').value;
  const b = $<HTMLSelectElement>('diff-b').value;
  const why = docs.length < 2 ? 'Open a second file to compare with: a file is not compared with itself.' : a === b ? 'Pick two different files: a file is not compared with itself.' : '';
  $<HTMLButtonElement>('diff-run').disabled = why !== '';
  $('diff-why').textContent = why;
}
$('diff-a').addEventListener('change', refreshCompare);
$('diff-b').addEventListener('change', refreshCompare);

function showDoc(doc: OpenDoc): void {
  current = doc;
  docSelect.value = String(doc.info.doc);
  docSelect.title = doc.info.name;
  details = undefined;
  tree.show(doc.roots);
  const info = doc.info;
  $('doc-summary').textContent = shown(
    `${info.name} — ${info.format === 'hive' ? `${info.kind} hive` : info.format}` +
    (info.rom !== undefined ? `, ROM ${info.rom} attached (records marked file / ROM${info.romUnverified === true ? '; it failed the ROM check: its records are marked unverified' : ''})` : '') +
    (info.diff !== undefined ? `: ${info.diff.added} added, ${info.diff.removed} removed, ${info.diff.changed} changed` : '') +
    (info.note !== undefined ? ` — ${info.note}` : ''));
  // The status line speaks of this file now, not of the one shown before (or of a failed open).
  status(docLine(info));
  renderChanges();
  $<HTMLButtonElement>('attach-rom').disabled = !(info.format === 'hive' && info.kind === 'persistent');
  $<HTMLButtonElement>('close-doc').disabled = false;
  renderDetails();
  showDamage(doc);
  deletedToggle.disabled = info.format !== 'hive';
  deletedToggle.checked = doc.deletedBranch !== undefined;
  if (doc.roots.length > 0) select(doc.roots[0]!, false);
  loadedPanels.clear();
  refreshPanel();
}

/** Selects a key: path bar, address, values and the hex of its record (or of `valueName`'s). */
function select(node: TreeNode, updateHash = true, valueName?: string): Promise<void> {
  tree.mark(node);
  const path = pathOf(node);
  pathRaw = path;
  pathInput.value = shown(path);
  if (updateHash) setAddress(path, valueName);
  return loadDetails(node, valueName);
}

/** Keeps the selection in the page's address (`#file=…&key=…&value=…`), for links and reloads. */
function setAddress(path: string, valueName?: string): void {
  if (current === undefined) return;
  const params = new URLSearchParams({ file: current.info.name, key: path });
  if (valueName !== undefined) params.set('value', valueName);
  history.replaceState(null, '', `#${params.toString()}`);
}

async function loadDetails(node: TreeNode, valueName?: string): Promise<void> {
  if (current === undefined || node.row.handle < 0) {
    details = undefined;
    renderDetails();
    return;
  }
  let result: KeyDetails;
  try {
    result = await worker.call<KeyDetails>({ op: 'details', doc: current.info.doc, handle: node.row.handle });
  } catch (error) {
    status((error as Error).message, true);
    return;
  }
  if (node !== tree.selected) return;
  details = result;
  renderDetails(valueName);
  const value = valueName === undefined ? undefined : result.values.find((entry) => entry.name.toLowerCase() === valueName.toLowerCase());
  if (value !== undefined) await showValueHex(value);
  else if (result.id >= 0) await showHex(result.source, result.offset, result.recordLength, {}, `key record ${shown(result.name)} (${result.source}, id ${result.id})`);
  else await showHex(result.source, result.offset, 4, {}, `roots record slot of ${shown(result.name)}`);
}

// --- going to a path -------------------------------------------------------------------

/** Expands the tree along `path` and selects its key; returns whether it was found. */
async function reveal(path: string, valueName?: string): Promise<boolean> {
  if (current === undefined) return false;
  const doc = current;
  let result: RevealResult;
  try {
    result = await worker.call<RevealResult>({ op: 'reveal', doc: doc.info.doc, path });
  } catch (error) {
    status((error as Error).message, true);
    return false;
  }
  if (doc !== current) return false;
  const node = tree.openPath(result.levels, result.indexes);
  if (node !== undefined) await select(node, true, valueName);
  if (!result.found) status(`not found: ${path} (found as far as ${result.path || 'no root'})`, true);
  return result.found;
}

pathInput.addEventListener('keydown', (event) => {
  if (event.key === 'Enter') {
    event.preventDefault();
    const typed = pathInput.value;
    void reveal(typed === shown(pathRaw) ? pathRaw : typed).then((found) => found && treeBox.focus());
  }
});

async function applyHash(): Promise<void> {
  const params = new URLSearchParams(location.hash.slice(1));
  const file = params.get('file');
  const key = params.get('key');
  if (file !== null) {
    const doc = docs.find((entry) => entry.info.name === file);
    if (doc !== undefined && doc !== current) showDoc(doc);
  }
  if (key !== null && current !== undefined && (tree.selected === undefined || pathOf(tree.selected).toLowerCase() !== key.toLowerCase())) await reveal(key, params.get('value') ?? undefined);
}
window.addEventListener('hashchange', () => void applyHash());

// --- values and hex --------------------------------------------------------------------

function renderDetails(valueName?: string): void {
  const body = $<HTMLTableSectionElement>('values-body');
  const title = $('key-title');
  if (details === undefined) {
    title.textContent = current === undefined ? 'Open a file to begin.' : 'No key selected.';
    body.replaceChildren();
    return;
  }
  const d = details;
  title.textContent =
    shown(d.path) +
    (d.id >= 0 ? ` — key record at ${hex32(d.offset)} (${sourceLabel(d.source)}), flags ${describeKeyFlags(d.flags)}` : '') +
    (d.mark !== undefined && d.mark !== 'inner' ? ` — ${d.mark}` : '');
  body.replaceChildren(
    ...d.values.map((value) => {
      const tr = element('tr');
      // Every row takes focus (one at a time is in the tab order: roving tabindex).
      tr.tabIndex = -1;
      tr.setAttribute('aria-selected', 'false');
      if (value.mark !== undefined) tr.classList.add(`mark-${value.mark}`);
      if (value.problem !== undefined) {
        tr.classList.add('problem');
        const td = element('td', undefined, value.problem);
        td.colSpan = 6;
        tr.append(td);
        return tr;
      }
      if (valueName !== undefined && value.name.toLowerCase() === valueName.toLowerCase()) markValueRow(tr);
      tr.dataset['name'] = value.name;
      const data = element('td', 'data', shown(value.decoded));
      data.title = value.before !== undefined ? `before: ${shown(value.before)}` : shown(value.decoded.slice(0, TITLE_MAX));
      if (value.before !== undefined) data.append(element('div', 'before', `was: ${shown(value.before)}`));
      const nameCell = element('td', 'vname', shown(value.name));
      nameCell.title = shown(value.name);
      const flags = element('td', 'num', value.flags === 0 ? '0' : describeValueFlags(value.flags));
      flags.title = `value flags ${describeValueFlags(value.flags)}`;
      const source = element('td', `source ${value.source}`, sourceLabel(value.source));
      if (value.source === UNVERIFIED_SOURCE) source.title = 'from a ROM hive that failed the ROM check and was attached anyway';
      tr.append(nameCell, element('td', 'type', value.typeName), data, element('td', 'num', String(value.size)), flags, source);
      if (value.mark !== undefined) tr.cells[0]!.append(element('span', `badge ${value.mark}`, value.mark));
      valueRows.set(tr, value);
      if (value.deleted !== undefined) {
        tr.classList.add('deleted');
        const badge = element('span', 'badge deleted', 'deleted');
        badge.title = value.deleted;
        tr.cells[0]!.append(badge);
        tr.cells[0]!.title = value.deleted;
      }
      if (value.inferred !== undefined) {
        // The data shown is the bytes after the name: say how many of them the value held.
        const { min, max } = value.inferred;
        tr.cells[0]!.append(element('span', 'badge inferred', 'inferred'));
        data.append(element('div', 'inferred-note', `inferred: the data is the first ${min === max ? min : `${min} to ${max}`} of these ${value.size} bytes (type and length fields zeroed)`));
      }
      tr.addEventListener('click', () => {
        void chooseValue(tr);
        tr.focus();
      });
      return tr;
    }),
  );
  if (body.querySelector('tr[tabindex="0"]') === null && body.rows[0] !== undefined) body.rows[0].tabIndex = 0;
  for (const id of ['export-reg', 'export-regedit', 'export-json']) $<HTMLButtonElement>(id).disabled = d.path === '' || d.deleted === true;
}

/** Which file a record is in, as the value table and the key line say it. */
function sourceLabel(source: string): string {
  return source === 'rom' ? 'ROM' : source === UNVERIFIED_SOURCE ? 'ROM (unverified)' : source;
}

/** The value each row of the table shows (rows of records that could not be read have none). */
const valueRows = new WeakMap<HTMLTableRowElement, ValueInfo>();
const valuesBody = $<HTMLTableSectionElement>('values-body');

/** Marks `tr` as the selected value row, and the one the Tab key reaches. */
function markValueRow(tr: HTMLTableRowElement): void {
  for (const other of Array.from(valuesBody.rows)) {
    other.classList.remove('selected');
    other.setAttribute('aria-selected', 'false');
    other.tabIndex = -1;
  }
  tr.classList.add('selected');
  tr.setAttribute('aria-selected', 'true');
  tr.tabIndex = 0;
}

/** Selects a value row (click or keys): the address names it, the hex view shows its record. */
function chooseValue(tr: HTMLTableRowElement): Promise<void> {
  markValueRow(tr);
  const value = valueRows.get(tr);
  if (value === undefined || details === undefined) return Promise.resolve();
  setAddress(details.path, value.name);
  return showValueHex(value);
}

/** Focuses the selected value row (or the first), showing the values panel; returns whether there was one. */
function focusValueRow(): boolean {
  const tr = valuesBody.querySelector<HTMLTableRowElement>('tr.selected') ?? valuesBody.rows[0];
  if (tr === undefined) return false;
  showPanel('values');
  tr.focus();
  return true;
}

// The value table is a grid whose rows take focus: arrows, Page keys, Home and End move
// (the selection follows), Enter shows the bytes (focus goes to the hex view), C copies
// a link to the value.
valuesBody.addEventListener('keydown', (event) => {
  const tr = (event.target as HTMLElement).closest<HTMLTableRowElement>('tr');
  if (tr === null || event.altKey) return;
  const rows = Array.from(valuesBody.rows);
  const index = rows.indexOf(tr);
  const page = Math.max(1, Math.floor(($('panel-values').clientHeight - 40) / Math.max(1, tr.offsetHeight)));
  const to: Record<string, number> = { ArrowDown: index + 1, ArrowUp: index - 1, PageDown: index + page, PageUp: index - page, Home: 0, End: rows.length - 1 };
  const modified = event.ctrlKey || event.metaKey;
  if (event.key in to && !modified) {
    event.preventDefault();
    const next = rows[Math.max(0, Math.min(rows.length - 1, to[event.key]!))];
    if (next !== undefined && next !== tr) {
      next.focus();
      void chooseValue(next);
    }
  } else if (event.key === 'Enter' && !modified) {
    event.preventDefault();
    // A row of a record that could not be read has no bytes of its own to show.
    if (valueRows.has(tr)) void chooseValue(tr).then(() => $('hex').focus());
  } else if (event.key.toLowerCase() === 'c' && !event.shiftKey && (modified ? window.getSelection()?.isCollapsed !== false : true)) {
    const value = valueRows.get(tr);
    if (value === undefined || details === undefined) return;
    event.preventDefault();
    void copyLink(details.path, value.name);
  }
});

// Esc in the hex view goes back to the value (or the key) whose bytes it shows.
$('hex').addEventListener('keydown', (event) => {
  if (event.key !== 'Escape') return;
  event.preventDefault();
  const tr = valuesBody.querySelector<HTMLTableRowElement>('tr.selected');
  if (tr !== null && panel === 'values') tr.focus();
  else treeBox.focus();
});

/** Copies the address of a key's value (the page's address naming it) to the clipboard. */
async function copyLink(path: string, valueName: string): Promise<void> {
  setAddress(path, valueName);
  const link = location.href;
  try {
    await navigator.clipboard.writeText(link);
  } catch {
    // No clipboard permission (some browsers on file://): the older way, from a text field.
    const field = element('textarea');
    field.value = link;
    field.setAttribute('aria-hidden', 'true');
    field.style.position = 'fixed';
    field.style.opacity = '0';
    document.body.append(field);
    field.select();
    const copied = document.execCommand('copy');
    field.remove();
    if (!copied) {
      status(`copy this link: ${link}`);
      return;
    }
  }
  status(`link to ${path} → ${valueName} copied: ${link}`);
}

function showValueHex(value: ValueInfo): Promise<void> {
  return showHex(value.source, value.offset, value.recordLength, { highlightAt: value.dataOffset, highlightLength: value.size }, `value ${shown(value.name)} (${value.source})`);
}

/** Shows `length` bytes at `offset` of the file (or of the attached ROM), up to HEX_RECORD_MAX. */
async function showHex(source: string, offset: number, length: number, marks: HexMarks, what: string): Promise<void> {
  if (current === undefined || offset < 0) return;
  const hex = await worker.call<HexInfo>({ op: 'hex', doc: current.info.doc, source, offset, length: Math.min(length, HEX_RECORD_MAX) });
  $('hex-caption').textContent = `${what}: ${length} bytes at ${hex32(offset)}${length > HEX_RECORD_MAX ? ` (first ${HEX_RECORD_MAX} shown)` : ''}`;
  renderHex($('hex'), hex, marks);
}

// --- panels ----------------------------------------------------------------------------

type Panel = 'values' | 'search' | 'verify' | 'info' | 'compare';
let panel: Panel = 'values';
const loadedPanels = new Set<Panel>();

const tabs = Array.from(document.querySelectorAll<HTMLButtonElement>('[role="tab"][data-panel]'));

function showPanel(name: Panel): void {
  panel = name;
  for (const tab of tabs) {
    const on = tab.dataset['panel'] === name;
    tab.classList.toggle('active', on);
    tab.setAttribute('aria-selected', String(on));
    // Tabs pattern: only the chosen tab is in the tab order; arrows move between them.
    tab.tabIndex = on ? 0 : -1;
    $(`panel-${tab.dataset['panel']}`).hidden = !on;
  }
  refreshPanel();
}

function refreshPanel(): void {
  if (current === undefined || loadedPanels.has(panel)) return;
  if (panel === 'verify') void runVerify();
  if (panel === 'info') void runInfo();
}

for (const tab of tabs) {
  tab.addEventListener('click', () => showPanel(tab.dataset['panel'] as Panel));
  // WAI-ARIA APG tabs with automatic activation: ← → (wrapping), Home and End.
  tab.addEventListener('keydown', (event) => {
    const index = tabs.indexOf(tab);
    const to = ({ ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 } as Record<string, number>)[event.key];
    if (to === undefined || event.altKey || event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    const next = tabs[(to + tabs.length) % tabs.length]!;
    next.focus();
    showPanel(next.dataset['panel'] as Panel);
  });
}

// --- search: hivetool find in the page ------------------------------------------------

/** The last search: its query (to tell a new search from Enter for the next match), its hits and where the user is in them. */
let found: { key: string; hits: SearchHit[]; at: number } | undefined;

function searchQuery(): SearchQuery {
  const checked = (id: string): boolean => $<HTMLInputElement>(id).checked;
  const type = $<HTMLSelectElement>('search-type').value;
  return { pattern: searchInput.value, regex: checked('search-regex'), keys: checked('search-keys'), names: checked('search-names'), data: checked('search-data'), type: type === '' ? undefined : type };
}

/** The files searched: every open file (in the order opened) or the shown one. */
function searchedDocs(): number[] {
  if (current === undefined) return [];
  return $<HTMLInputElement>('search-all').checked ? docs.map((doc) => doc.info.doc) : [current.info.doc];
}

async function runSearch(): Promise<void> {
  const query = searchQuery();
  if (current === undefined || query.pattern === '') return;
  const ids = searchedDocs();
  const key = JSON.stringify([query, ids]);
  showPanel('search');
  const list = $('search-results');
  $('search-summary').textContent = `searching for "${shown(query.pattern)}"…`;
  list.replaceChildren();
  found = undefined;
  refreshHitButtons();
  const started = performance.now();
  let result: SearchResult;
  try {
    result = await worker.call<SearchResult>({ op: 'search', docs: ids, query, limit: SEARCH_LIMIT });
  } catch (error) {
    $('search-summary').textContent = `cannot search: ${shown((error as Error).message)}`;
    return;
  }
  const places = [query.keys && 'key paths', query.names && 'value names', query.data && 'data'].filter((place) => place !== false);
  $('search-summary').textContent =
    `${result.hits.length}${result.truncated ? '+' : ''} match(es) for ${query.regex ? 'the regular expression ' : ''}"${shown(query.pattern)}" in ${places.length === 0 ? 'key paths, value names and data' : places.join(', ')}` +
    `${query.type !== undefined ? ` (${query.type} values only)` : ''}, ${ids.length} file(s) (${(performance.now() - started).toFixed(0)} ms)` +
    (result.truncated ? `; the first ${SEARCH_LIMIT} are listed` : '') +
    result.errors.map((line) => `; ${shown(line)}`).join('');
  list.replaceChildren(
    ...result.hits.map((hit, index) => {
      const li = element('li');
      const link = element('a', 'hit', shown((ids.length > 1 ? `${hit.file}: ` : '') + hit.path + (hit.valueName !== undefined ? ` → ${hit.valueName}` : '')));
      link.href = '#';
      link.addEventListener('click', (event) => {
        event.preventDefault();
        // Chosen from the keyboard (Enter on the link), the value's row takes the focus.
        const fromKeyboard = event.detail === 0;
        void goToHit(index).then(() => {
          if (fromKeyboard && hit.valueName !== undefined) focusValueRow();
        });
      });
      const marks = [hit.matchedAs !== undefined ? `as ${hit.matchedAs}` : '', hit.unverified === true ? 'unverified: from a ROM hive that failed the ROM check' : ''].filter((mark) => mark !== '');
      li.append(element('span', `where ${hit.where}`, hit.where), link, element('div', 'hit-text', shown(hit.text) + (marks.length > 0 ? ` (${marks.join('; ')})` : '')));
      return li;
    }),
  );
  found = { key, hits: result.hits, at: -1 };
  refreshHitButtons();
  if (result.hits.length > 0) await goToHit(0);
}

function refreshHitButtons(): void {
  const none = found === undefined || found.hits.length === 0;
  $<HTMLButtonElement>('search-prev').disabled = none;
  $<HTMLButtonElement>('search-next').disabled = none;
}

/**
 * Shows match `index` (wrapping around): its file, its key selected in the tree and, for a
 * value, its row selected in the value table with its bytes in the hex view.
 */
async function goToHit(index: number): Promise<void> {
  if (found === undefined || found.hits.length === 0) return;
  const count = found.hits.length;
  const at = ((index % count) + count) % count;
  found.at = at;
  const hit = found.hits[at]!;
  const items = $('search-results').children;
  for (let i = 0; i < items.length; i++) items[i]!.classList.toggle('current', i === at);
  const doc = docs.find((entry) => entry.info.doc === hit.doc);
  if (doc === undefined) return;
  if (doc !== current) showDoc(doc);
  showPanel('values');
  await reveal(hit.path, hit.valueName);
  $('values-body').querySelector('tr.selected')?.scrollIntoView({ block: 'nearest' });
  status(`match ${at + 1} of ${count}${found.hits.length >= SEARCH_LIMIT ? '+' : ''}: ${hit.file}: ${hit.path}${hit.valueName !== undefined ? ` → ${hit.valueName}` : ''} (F3 next, Shift+F3 previous)`);
}

/** F3, Enter on the same search: the next match; Shift+F3 the previous. A changed query searches again. */
function nextHit(step: 1 | -1): void {
  if (found !== undefined && found.key === JSON.stringify([searchQuery(), searchedDocs()]) && found.hits.length > 0) void goToHit(found.at + step);
  else void runSearch();
}

searchInput.addEventListener('keydown', (event) => {
  if (event.key === 'Enter') {
    event.preventDefault();
    nextHit(event.shiftKey ? -1 : 1);
  } else if (event.key === 'Escape') treeBox.focus();
  else if (event.key === 'ArrowDown') {
    // ↓ goes from the search box to the list of results (the match shown, or the first).
    const results = $('search-results');
    const target = results.querySelector<HTMLAnchorElement>('li.current a') ?? results.querySelector<HTMLAnchorElement>('a');
    if (target !== null) {
      event.preventDefault();
      showPanel('search');
      target.focus();
    }
  }
});
$('search-next').addEventListener('click', () => nextHit(1));
$('search-prev').addEventListener('click', () => nextHit(-1));

async function runVerify(): Promise<void> {
  if (current === undefined) return;
  loadedPanels.add('verify');
  const doc = current;
  $('verify-summary').textContent = 'verifying…';
  $('findings').replaceChildren();
  let report: VerifyInfo;
  try {
    report = await worker.call<VerifyInfo>({ op: 'verify', doc: doc.info.doc });
  } catch (error) {
    $('verify-summary').textContent = `could not verify: ${(error as Error).message}`;
    return;
  }
  if (doc !== current) return;
  $('verify-summary').textContent = `${report.summary.errors} error(s), ${report.summary.warnings} warning(s), ${report.summary.infos} note(s). Boot: ${report.boot}`;
  $('findings').replaceChildren(...report.findings.map(findingRow));
}

function findingRow(finding: FindingInfo): HTMLElement {
  const tr = element('tr', `finding ${finding.severity}`);
  const at = element('a', 'offset', hex32(finding.offset));
  at.href = '#';
  at.title = 'show the bytes at this offset';
  at.addEventListener('click', (event) => {
    event.preventDefault();
    void showOffset(finding.offset, `${finding.code} at ${hex32(finding.offset)}`);
  });
  const where = element('td', 'where');
  if (finding.path !== undefined) {
    const link = element('a', 'record', shown(finding.path + (finding.valueName !== undefined ? ` → ${finding.valueName}` : '')));
    link.href = '#';
    link.addEventListener('click', (event) => {
      event.preventDefault();
      void reveal(finding.path!, finding.valueName).then(() => showOffset(finding.offset, `${finding.code} at ${hex32(finding.offset)}`));
    });
    where.append(link);
  }
  const offsetCell = element('td');
  offsetCell.append(at);
  tr.append(element('td', 'severity', finding.severity), element('td', 'code', finding.code), offsetCell, element('td', 'message', shown(finding.message) + (finding.count > 1 ? ` (×${finding.count})` : '')), where);
  return tr;
}

async function showOffset(offset: number, caption: string): Promise<void> {
  if (current === undefined) return;
  const from = Math.max(0, offset - HEX_CONTEXT / 2);
  const hex = await worker.call<HexInfo>({ op: 'hex', doc: current.info.doc, source: 'file', offset: from, length: HEX_CONTEXT });
  $('hex-caption').textContent = `${caption} (bytes ${hex32(hex.offset)}–${hex32(hex.offset + hex.bytes.length)} of the file)`;
  renderHex($('hex'), hex, { at: offset });
  $('hex').querySelector('.at')?.scrollIntoView({ block: 'center' });
}

async function runInfo(): Promise<void> {
  if (current === undefined) return;
  loadedPanels.add('info');
  const result = await worker.call<InfoResult>({ op: 'info', doc: current.info.doc });
  const table = (rows: Array<[string, string]>): HTMLElement => {
    const t = element('table', 'kv');
    for (const [label, value] of rows) {
      const tr = element('tr');
      tr.append(element('th', undefined, label), element('td', undefined, shown(value)));
      t.append(tr);
    }
    return t;
  };
  $('info').replaceChildren(element('h2', undefined, 'Header'), table(result.rows), element('h2', undefined, 'Statistics'), result.error !== undefined ? element('p', 'error', result.error) : table(result.statistics));
}

// --- diff, ROM, export -----------------------------------------------------------------

$('diff-run').addEventListener('click', async () => {
  const a = Number($<HTMLSelectElement>('diff-a').value);
  const b = Number($<HTMLSelectElement>('diff-b').value);
  if (!(a > 0 && b > 0) || a === b) return;
  status('comparing…');
  try {
    const info = await worker.call<DocInfo>({ op: 'diff', a, b });
    showDoc(addDoc(info));
    status(`${info.name}: ${info.diff?.added ?? 0} added, ${info.diff?.removed ?? 0} removed, ${info.diff?.changed ?? 0} changed; F8 and Shift+F8 go to the next and previous change`);
    showPanel('compare');
  } catch (error) {
    status(`compare: ${(error as Error).message}`, true);
  }
});

/** Where the user is in the shown diff's list of changes. */
let changeAt = -1;

/** The Compare panel's list of the shown diff's changes (hidden for other files). */
function renderChanges(): void {
  changeAt = -1;
  const changes = current?.info.changes;
  const box = $('changes-box');
  box.hidden = changes === undefined;
  if (changes === undefined || current === undefined) return;
  const counts = current.info.diff;
  const total = counts === undefined ? changes.length : counts.added + counts.removed + counts.changed;
  $('changes-summary').textContent = `${total} change(s) from ${shown(current.info.name)}${changes.length < total ? `, the first ${changes.length} listed` : ''}:`;
  $('changes-list').replaceChildren(
    ...changes.map((change, index) => {
      const li = element('li');
      const link = element('a', 'hit', shown(change.path + (change.valueName !== undefined ? ` → ${change.valueName}` : '')));
      link.href = '#';
      link.addEventListener('click', (event) => {
        event.preventDefault();
        void goToChange(index);
      });
      li.append(element('span', `badge ${change.mark}`, change.mark), element('span', 'where', change.valueName !== undefined ? ' value ' : ' key '), link);
      return li;
    }),
  );
  for (const id of ['change-prev', 'change-next']) $<HTMLButtonElement>(id).disabled = changes.length === 0;
}

/** Shows change `index` of the shown diff (wrapping around): its key, and its value's row. */
async function goToChange(index: number): Promise<void> {
  const changes = current?.info.changes;
  if (changes === undefined || changes.length === 0) return;
  const at = ((index % changes.length) + changes.length) % changes.length;
  changeAt = at;
  const change: DiffChange = changes[at]!;
  const items = $('changes-list').children;
  for (let i = 0; i < items.length; i++) items[i]!.classList.toggle('current', i === at);
  items[at]?.scrollIntoView({ block: 'nearest' });
  // As a search match: the change is shown in the value table (the list stays in the Compare tab).
  showPanel('values');
  await reveal(change.path, change.valueName);
  $('values-body').querySelector('tr.selected')?.scrollIntoView({ block: 'nearest' });
  status(`change ${at + 1} of ${changes.length}: ${change.mark} ${change.valueName !== undefined ? `value ${change.path} → ${change.valueName}` : `key ${change.path}`} (F8 next, Shift+F8 previous)`);
}
$('change-next').addEventListener('click', () => void goToChange(changeAt + 1));
$('change-prev').addEventListener('click', () => void goToChange(changeAt - 1));

$('attach-rom').addEventListener('click', () => $<HTMLInputElement>('rom-input').click());
$<HTMLInputElement>('rom-input').addEventListener('change', async (event) => {
  const input = event.target as HTMLInputElement;
  const file = input.files?.[0];
  input.value = '';
  if (file === undefined || current === undefined) return;
  await attachRom(current, file.name, await file.arrayBuffer());
});

/**
 * Attaches a ROM hive after the ROM check (the worker runs `checkRom`, as every command
 * with --rom does). On a mismatch the page says first what does not match and asks;
 * attached anyway (or `force`: hivetool view --force-rom), its records are marked unverified.
 */
async function attachRom(doc: OpenDoc, name: string, data: ArrayBuffer, force = false): Promise<void> {
  try {
    let result = await worker.call<AttachResult>({ op: 'attachRom', doc: doc.info.doc, file: { name, data }, force }, [data]);
    if (result.mismatch !== undefined) {
      status(`${result.mismatch.file} does not match the ROM hive ${result.mismatch.rom}: ${result.mismatch.problems.join('; ')}`, true);
      if (!(await confirmMismatch(result.mismatch))) {
        status(`${name} not attached to ${doc.info.name}: ${result.mismatch.problems.join('; ')}`, true);
        return;
      }
      result = await worker.call<AttachResult>({ op: 'forceRom', doc: doc.info.doc });
    }
    const info = result.info!;
    doc.info = info;
    doc.roots = nodesOf(info.roots, undefined);
    showDoc(doc);
    status(
      info.romUnverified === true
        ? `${name} attached to ${doc.info.name} although it failed the ROM check: every record from it is marked unverified`
        : `${name} attached to ${doc.info.name}: records from it are marked ROM`,
      info.romUnverified === true,
    );
  } catch (error) {
    status(`attach ROM: ${(error as Error).message}`, true);
  }
}

/** The ROM check's failure, said first and plainly, in a modal dialog; resolves to whether to attach anyway. */
function confirmMismatch(mismatch: RomMismatch): Promise<boolean> {
  const dialog = $<HTMLDialogElement>('rom-dialog');
  $('rom-dialog-title').textContent = shown(`${mismatch.file} does not match the ROM hive ${mismatch.rom}`);
  $('rom-dialog-problems').replaceChildren(...mismatch.problems.map((problem) => element('li', undefined, shown(problem))));
  const facts: Array<[string, string]> = [
    ['ROM signature', `${mismatch.signature.hive} in ${mismatch.file}; ${mismatch.signature.rom} in ${mismatch.rom}${mismatch.signature.match ? ' (the same)' : ' (different builds)'}`],
    ['role', `${mismatch.role.hive} hive; ROM hive of ${mismatch.role.rom}${mismatch.role.match ? ' (matching)' : ' (does not match)'}`],
    ['links into the ROM', `${mismatch.links.broken} of ${mismatch.links.total} do not resolve to a record of the expected type`],
    ...mismatch.links.first.map((link): [string, string] => [`${link.link} at ${hex32(link.offset)}`, `${link.message} [${link.code}]`]),
  ];
  $('rom-dialog-facts').replaceChildren(
    ...facts.map(([label, text]) => {
      const tr = element('tr');
      tr.append(element('th', undefined, label), element('td', undefined, shown(text)));
      return tr;
    }),
  );
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'force'), { once: true });
    dialog.showModal();
    $<HTMLButtonElement>('rom-dialog-cancel').focus();
  });
}

async function exportSelected(format: 'reg' | 'regedit' | 'json'): Promise<void> {
  const selected = tree.selected;
  if (current === undefined || selected === undefined || selected.row.handle < 0) return;
  try {
    // regedit 5 comes as UTF-16LE bytes, the others as text.
    const content = await worker.call<string | Uint8Array<ArrayBuffer>>({ op: 'export', doc: current.info.doc, handle: selected.row.handle, format });
    const link = element('a');
    link.href = URL.createObjectURL(new Blob([content], { type: format === 'json' ? 'application/json' : format === 'regedit' ? 'text/plain; charset=utf-16le' : 'text/plain' }));
    link.download = `${selected.row.name.replace(/[^\w.-]+/g, '_')}${format === 'regedit' ? '.regedit5' : ''}.${format === 'json' ? 'json' : 'reg'}`;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  } catch (error) {
    status(`export: ${(error as Error).message}`, true);
  }
}
$('export-reg').addEventListener('click', () => void exportSelected('reg'));
$('export-json').addEventListener('click', () => void exportSelected('json'));
$('export-regedit').addEventListener('click', () => void exportSelected('regedit'));

$('close-doc').addEventListener('click', async () => {
  if (current === undefined) return;
  const closing = current;
  await worker.call<null>({ op: 'close', doc: closing.info.doc });
  docs.splice(docs.indexOf(closing), 1);
  current = undefined;
  refreshDocLists();
  const next = docs[docs.length - 1];
  if (next !== undefined) showDoc(next);
  else {
    details = undefined;
    tree.show([]);
    renderDetails();
    $('doc-summary').textContent = '';
    renderChanges();
    $('hex').replaceChildren();
    $<HTMLButtonElement>('close-doc').disabled = true;
    $<HTMLButtonElement>('attach-rom').disabled = true;
    history.replaceState(null, '', location.pathname + location.search);
  }
  status(`${closing.info.name} closed`);
});

docSelect.addEventListener('change', () => {
  const doc = docs.find((entry) => String(entry.info.doc) === docSelect.value);
  if (doc !== undefined) showDoc(doc);
});

// --- files in, theme, keys -------------------------------------------------------------

$('open').addEventListener('click', () => $<HTMLInputElement>('file-input').click());
$<HTMLInputElement>('file-input').addEventListener('change', async (event) => {
  const input = event.target as HTMLInputElement;
  if (input.files !== null) await openFiles(input.files);
  input.value = '';
});

document.addEventListener('dragover', (event) => {
  event.preventDefault();
  document.body.classList.add('dragging');
});
document.addEventListener('dragleave', (event) => {
  if (event.relatedTarget === null) document.body.classList.remove('dragging');
});
document.addEventListener('drop', (event) => {
  event.preventDefault();
  document.body.classList.remove('dragging');
  if (event.dataTransfer?.files) void openFiles(event.dataTransfer.files);
});

function setTheme(theme: string): void {
  document.documentElement.dataset['theme'] = theme;
  try {
    localStorage.setItem('hivetool-theme', theme);
  } catch {
    // Storage may be off (file:// in some browsers): the choice then lasts for this page.
  }
}
$('theme').addEventListener('click', () => {
  const dark = document.documentElement.dataset['theme'] === 'dark' || (document.documentElement.dataset['theme'] === undefined && matchMedia('(prefers-color-scheme: dark)').matches);
  setTheme(dark ? 'light' : 'dark');
});
try {
  const saved = localStorage.getItem('hivetool-theme');
  if (saved !== null) document.documentElement.dataset['theme'] = saved;
} catch {
  // See setTheme.
}

document.addEventListener('keydown', (event) => {
  const inField = event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement || event.target instanceof HTMLTextAreaElement;
  if (event.key === '/' && !inField && !event.defaultPrevented) {
    event.preventDefault();
    searchInput.focus();
    searchInput.select();
  } else if (event.key === 'F3') {
    // F3 next match, Shift+F3 previous (anywhere, as in an editor); no search yet: to the box.
    event.preventDefault();
    if (found === undefined && searchInput.value === '') searchInput.focus();
    else nextHit(event.shiftKey ? -1 : 1);
  } else if (event.key === 'F8' && current?.info.changes !== undefined) {
    event.preventDefault();
    void goToChange(changeAt + (event.shiftKey ? -1 : 1));
  }
});

/** Files `hivetool view` serves with the page (none on a static host or from file://). */
async function preload(): Promise<void> {
  if (!location.protocol.startsWith('http')) return;
  let list: { files: Array<{ name: string; url: string; rom?: { name: string; url: string; unverified?: boolean } }> };
  try {
    const response = await fetch('preload.json', { cache: 'no-store' });
    if (!response.ok) return;
    list = (await response.json()) as typeof list;
  } catch {
    return;
  }
  for (const file of list.files) {
    const response = await fetch(file.url);
    const doc = await openBytes(file.name, await response.arrayBuffer());
    // hivetool view --force-rom has said the ROM does not match, and was told to go on: no dialog.
    if (doc !== undefined && file.rom !== undefined) await attachRom(doc, file.rom.name, await (await fetch(file.rom.url)).arrayBuffer(), file.rom.unverified === true);
  }
}

new Splitter($('split-tree'), { pane: $('treepane'), container: document.querySelector('main')!, paneAfter: false, storageKey: 'hivetool-split-tree' });
new Splitter($('split-hex'), { pane: $('hexpane'), container: $('split-hex').parentElement!, paneAfter: true, storageKey: 'hivetool-split-hex' });

renderDetails();
refreshCompare();
void preload().then(() => applyHash());
document.body.dataset['ready'] = 'true';
