/**
 * The viewer page: tree of keys (virtualised: only the rows in view exist in the DOM),
 * value table, hex view, breadcrumb path, search, verify findings, header and statistics,
 * diff and export. All parsing happens in the worker (client.ts); files never leave the
 * browser.
 */
import { WorkerClient } from './client.js';
import type { DocInfo, FindingInfo, HexInfo, InfoResult, KeyDetails, RevealResult, RowInfo, SearchHit, ValueInfo, VerifyInfo } from './protocol.js';

const ROW_HEIGHT = 22;
/** Rows drawn beyond the visible ones, above and below, so scrolling shows no gaps. */
const OVERSCAN = 8;
const SEARCH_LIMIT = 500;
const HEX_RECORD_MAX = 4096;
const HEX_CONTEXT = 256;

interface TreeNode {
  row: RowInfo;
  depth: number;
  parent: TreeNode | undefined;
  children: TreeNode[] | undefined;
  expanded: boolean;
}

interface OpenDoc {
  info: DocInfo;
  roots: TreeNode[];
}

const $ = <T extends HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`page element #${id} is missing`);
  return element as T;
};

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const made = document.createElement(tag);
  if (className !== undefined) made.className = className;
  if (text !== undefined) made.textContent = text;
  return made;
}

const hex32 = (value: number): string => '0x' + value.toString(16).padStart(8, '0');

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
/** Rows in view order: the roots and the children of expanded keys. */
let visible: TreeNode[] = [];
let selected: TreeNode | undefined;
let details: KeyDetails | undefined;

const treeBox = $<HTMLDivElement>('tree');
const treeSpacer = $<HTMLDivElement>('tree-spacer');
const pathInput = $<HTMLInputElement>('path');
const searchInput = $<HTMLInputElement>('search');
const statusLine = $<HTMLDivElement>('status');
const docSelect = $<HTMLSelectElement>('doc-select');

function status(text: string, error = false): void {
  statusLine.textContent = text;
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
    status(`${name}: ${info.format}${info.format === 'hive' ? ` (${info.kind})` : ''}, ${info.size} bytes, first rows in ${ms.toFixed(0)} ms`);
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

function addDoc(info: DocInfo): OpenDoc {
  const doc: OpenDoc = { info, roots: nodesOf(info.roots, undefined) };
  docs.push(doc);
  refreshDocLists();
  return doc;
}

function refreshDocLists(): void {
  for (const select of [docSelect, $<HTMLSelectElement>('diff-a'), $<HTMLSelectElement>('diff-b')]) {
    const was = select.value;
    select.replaceChildren(...docs.map((doc) => new Option(doc.info.name, String(doc.info.doc))));
    if (docs.some((doc) => String(doc.info.doc) === was)) select.value = was;
  }
  const b = $<HTMLSelectElement>('diff-b');
  if (docs.length >= 2 && b.value === $<HTMLSelectElement>('diff-a').value) b.value = String(docs[docs.length - 1]!.info.doc);
  if (current !== undefined) docSelect.value = String(current.info.doc);
}

function showDoc(doc: OpenDoc): void {
  current = doc;
  docSelect.value = String(doc.info.doc);
  selected = undefined;
  details = undefined;
  rebuildVisible();
  renderTree();
  const info = doc.info;
  $('doc-summary').textContent =
    `${info.name} — ${info.format === 'hive' ? `${info.kind} hive` : info.format}` +
    (info.rom !== undefined ? `, ROM ${info.rom} attached (records marked file / ROM)` : '') +
    (info.diff !== undefined ? `: ${info.diff.added} added, ${info.diff.removed} removed, ${info.diff.changed} changed` : '') +
    (info.note !== undefined ? ` — ${info.note}` : '');
  $<HTMLButtonElement>('attach-rom').disabled = !(info.format === 'hive' && info.kind === 'persistent');
  $<HTMLButtonElement>('close-doc').disabled = false;
  renderDetails();
  if (doc.roots.length > 0) select(doc.roots[0]!, false);
  loadedPanels.clear();
  refreshPanel();
}

function nodesOf(rows: RowInfo[], parent: TreeNode | undefined): TreeNode[] {
  const depth = parent === undefined ? 0 : parent.depth + 1;
  return rows.map((row) => ({ row, depth, parent, children: undefined, expanded: false }));
}

// --- the tree --------------------------------------------------------------------------

function rebuildVisible(): void {
  visible = [];
  const stack = [...(current?.roots ?? [])].reverse();
  while (stack.length > 0) {
    const node = stack.pop()!;
    visible.push(node);
    if (node.expanded && node.children !== undefined) for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
  }
  treeSpacer.style.height = `${visible.length * ROW_HEIGHT}px`;
}

function pathOf(node: TreeNode): string {
  const names: string[] = [];
  for (let at: TreeNode | undefined = node; at !== undefined; at = at.parent) names.push(at.row.name);
  return names.reverse().join('\\');
}

let renderQueued = false;
function queueRender(): void {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    renderTree();
  });
}

/** Draws only the rows inside the scrolled window (plus a few either side). */
function renderTree(): void {
  const first = Math.max(0, Math.floor(treeBox.scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(visible.length, Math.ceil((treeBox.scrollTop + treeBox.clientHeight) / ROW_HEIGHT) + OVERSCAN);
  const rows: HTMLElement[] = [];
  for (let i = first; i < last; i++) {
    const node = visible[i]!;
    const row = element('div', 'row');
    row.dataset['index'] = String(i);
    row.setAttribute('role', 'treeitem');
    row.setAttribute('aria-level', String(node.depth + 1));
    if (node.row.hasChildren) row.setAttribute('aria-expanded', String(node.expanded));
    row.style.top = `${i * ROW_HEIGHT}px`;
    row.style.paddingLeft = `${4 + node.depth * 16}px`;
    if (node === selected) {
      row.classList.add('selected');
      row.setAttribute('aria-selected', 'true');
    }
    if (node.row.mark !== undefined) row.classList.add(`mark-${node.row.mark}`);
    if (node.row.problem !== undefined) row.classList.add('problem');
    const twisty = element('span', 'twisty', node.row.hasChildren ? (node.expanded ? '▾' : '▸') : '');
    row.append(twisty, element('span', 'name', node.row.name));
    if (node.row.source === 'rom') row.append(element('span', 'badge rom', 'ROM'));
    else if (current?.info.rom !== undefined && node.row.problem === undefined) row.append(element('span', 'badge file', 'file'));
    if (node.row.mark !== undefined && node.row.mark !== 'inner') row.append(element('span', `badge ${node.row.mark}`, node.row.mark));
    rows.push(row);
  }
  // The spacer gives the box its full scroll height; the rows sit on it.
  treeBox.replaceChildren(treeSpacer, ...rows);
}

async function expand(node: TreeNode): Promise<void> {
  if (!node.row.hasChildren || node.row.handle < 0 || current === undefined) return;
  const doc = current;
  if (node.children === undefined) {
    const started = performance.now();
    const rows = await worker.call<RowInfo[]>({ op: 'children', doc: doc.info.doc, handle: node.row.handle });
    node.children = nodesOf(rows, node);
    node.expanded = true;
    if (doc !== current) return;
    rebuildVisible();
    renderTree();
    await nextFrame();
    const ms = performance.now() - started;
    document.body.dataset['expandMs'] = ms.toFixed(1);
    status(`${pathOf(node)}: ${rows.length} subkeys, shown in ${ms.toFixed(0)} ms`);
    return;
  }
  node.expanded = true;
  rebuildVisible();
  renderTree();
}

function collapse(node: TreeNode): void {
  node.expanded = false;
  rebuildVisible();
  renderTree();
}

function toggle(node: TreeNode): void {
  if (node.expanded) collapse(node);
  else void expand(node);
}

function scrollIntoView(node: TreeNode): void {
  const index = visible.indexOf(node);
  if (index < 0) return;
  const top = index * ROW_HEIGHT;
  if (top < treeBox.scrollTop) treeBox.scrollTop = top;
  else if (top + ROW_HEIGHT > treeBox.scrollTop + treeBox.clientHeight) treeBox.scrollTop = top + ROW_HEIGHT - treeBox.clientHeight;
}

function select(node: TreeNode, updateHash = true, valueName?: string): Promise<void> {
  selected = node;
  const path = pathOf(node);
  pathInput.value = path;
  scrollIntoView(node);
  renderTree();
  if (updateHash && current !== undefined) {
    setAddress(path, valueName);
  }
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
  if (node !== selected) return;
  details = result;
  renderDetails(valueName);
  const value = valueName === undefined ? undefined : result.values.find((entry) => entry.name.toLowerCase() === valueName.toLowerCase());
  if (value !== undefined) await showHex(value.source, value.offset, value.recordLength, value.dataOffset, value.size, `value ${value.name} (${value.source})`);
  else if (result.id >= 0) await showHex(result.source, result.offset, result.recordLength, -1, 0, `key record ${result.name} (${result.source}, id ${result.id})`);
  else await showHex(result.source, result.offset, 4, -1, 0, `roots record slot of ${result.name}`);
}

treeBox.addEventListener('scroll', queueRender);
window.addEventListener('resize', queueRender);
treeBox.addEventListener('click', (event) => {
  const target = event.target as HTMLElement;
  const row = target.closest<HTMLElement>('.row');
  if (row === null) return;
  const node = visible[Number(row.dataset['index'])];
  if (node === undefined) return;
  if (target.classList.contains('twisty')) toggle(node);
  else select(node);
  treeBox.focus();
});
treeBox.addEventListener('dblclick', (event) => {
  const row = (event.target as HTMLElement).closest<HTMLElement>('.row');
  const node = row === null ? undefined : visible[Number(row.dataset['index'])];
  if (node !== undefined) toggle(node);
});
treeBox.addEventListener('keydown', (event) => {
  if (selected === undefined) {
    if (visible.length > 0 && ['ArrowDown', 'ArrowUp', 'Home'].includes(event.key)) select(visible[0]!);
    return;
  }
  const index = visible.indexOf(selected);
  const page = Math.max(1, Math.floor(treeBox.clientHeight / ROW_HEIGHT) - 1);
  const go = (to: number): void => {
    const node = visible[Math.max(0, Math.min(visible.length - 1, to))];
    if (node !== undefined) select(node);
  };
  switch (event.key) {
    case 'ArrowDown':
      go(index + 1);
      break;
    case 'ArrowUp':
      go(index - 1);
      break;
    case 'PageDown':
      go(index + page);
      break;
    case 'PageUp':
      go(index - page);
      break;
    case 'Home':
      go(0);
      break;
    case 'End':
      go(visible.length - 1);
      break;
    case 'ArrowRight':
      if (selected.row.hasChildren && !selected.expanded) void expand(selected);
      else if (selected.expanded && selected.children !== undefined && selected.children.length > 0) go(index + 1);
      break;
    case 'ArrowLeft':
      if (selected.expanded) collapse(selected);
      else if (selected.parent !== undefined) select(selected.parent);
      break;
    case 'Enter':
      toggle(selected);
      break;
    default:
      return;
  }
  event.preventDefault();
});

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
  let list = doc.roots;
  let node: TreeNode | undefined;
  for (let level = 0; level < result.indexes.length; level++) {
    const wanted = result.levels[level]![result.indexes[level]!]!;
    node = list.find((entry) => entry.row.name.toLowerCase() === wanted.name.toLowerCase() && entry.row.problem === undefined);
    if (node === undefined) break;
    if (level + 1 < result.indexes.length) {
      if (node.children === undefined) node.children = nodesOf(result.levels[level + 1]!, node);
      node.expanded = true;
      list = node.children;
    }
  }
  rebuildVisible();
  if (node !== undefined) await select(node, true, valueName);
  else renderTree();
  if (!result.found) status(`not found: ${path} (found as far as ${result.path || 'no root'})`, true);
  return result.found;
}

pathInput.addEventListener('keydown', (event) => {
  if (event.key === 'Enter') {
    event.preventDefault();
    void reveal(pathInput.value).then((found) => found && treeBox.focus());
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
  if (key !== null && current !== undefined && (selected === undefined || pathOf(selected).toLowerCase() !== key.toLowerCase())) await reveal(key, params.get('value') ?? undefined);
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
  title.textContent = `${d.path}` + (d.id >= 0 ? ` — key record at ${hex32(d.offset)} (${d.source}), flags ${hex32(d.flags)}` : '') + (d.mark !== undefined && d.mark !== 'inner' ? ` — ${d.mark}` : '');
  body.replaceChildren(
    ...d.values.map((value) => {
      const tr = element('tr');
      if (value.mark !== undefined) tr.classList.add(`mark-${value.mark}`);
      if (value.problem !== undefined) {
        tr.classList.add('problem');
        const td = element('td', undefined, value.problem);
        td.colSpan = 6;
        tr.append(td);
        return tr;
      }
      if (valueName !== undefined && value.name.toLowerCase() === valueName.toLowerCase()) tr.classList.add('selected');
      tr.dataset['name'] = value.name;
      const data = element('td', 'data', value.decoded);
      if (value.before !== undefined) data.title = `before: ${value.before}`;
      if (value.before !== undefined) data.append(element('div', 'before', `was: ${value.before}`));
      tr.append(
        element('td', 'vname', value.name),
        element('td', 'type', value.typeName),
        data,
        element('td', 'num', String(value.size)),
        element('td', 'num', value.flags === 0 ? '0' : '0x' + value.flags.toString(16)),
        element('td', `source ${value.source}`, value.source === 'rom' ? 'ROM' : value.source),
      );
      if (value.mark !== undefined) tr.cells[0]!.append(element('span', `badge ${value.mark}`, value.mark));
      tr.addEventListener('click', () => {
        for (const other of Array.from(body.rows)) other.classList.remove('selected');
        tr.classList.add('selected');
        setAddress(d.path, value.name);
        void showValueHex(value);
      });
      return tr;
    }),
  );
  $<HTMLButtonElement>('export-reg').disabled = d.path === '';
  $<HTMLButtonElement>('export-json').disabled = d.path === '';
}

function showValueHex(value: ValueInfo): Promise<void> {
  return showHex(value.source, value.offset, value.recordLength, value.dataOffset, value.size, `value ${value.name} (${value.source})`);
}

/** Shows `length` bytes at `offset` (capped), highlighting the data bytes if given. */
async function showHex(source: string, offset: number, length: number, highlightAt: number, highlightLength: number, what: string): Promise<void> {
  if (current === undefined || offset < 0) return;
  const hex = await worker.call<HexInfo>({ op: 'hex', doc: current.info.doc, source, offset, length: Math.min(length, HEX_RECORD_MAX) });
  renderHex(hex, highlightAt, highlightLength, `${what}: ${length} bytes at ${hex32(offset)}${length > HEX_RECORD_MAX ? ` (first ${HEX_RECORD_MAX} shown)` : ''}`);
}

function renderHex(hex: HexInfo, highlightAt: number, highlightLength: number, caption: string, mark = -1): void {
  $('hex-caption').textContent = caption;
  const lines: HTMLElement[] = [];
  const start = hex.offset - (hex.offset % 16);
  const end = hex.offset + hex.bytes.length;
  for (let line = start; line < end; line += 16) {
    const div = element('div', 'hexline');
    div.append(element('span', 'offset', line.toString(16).padStart(8, '0')));
    const bytes = element('span', 'bytes');
    let ascii = '';
    for (let at = line; at < line + 16; at++) {
      const inside = at >= hex.offset && at < end;
      const value = inside ? hex.bytes[at - hex.offset]! : -1;
      const cell = element('span', 'byte', inside ? value.toString(16).padStart(2, '0') : '  ');
      if (inside && at >= highlightAt && at < highlightAt + highlightLength) cell.classList.add('data');
      if (at === mark) cell.classList.add('at');
      bytes.append(cell);
      ascii += !inside ? ' ' : value >= 0x20 && value < 0x7f ? String.fromCharCode(value) : '.';
    }
    div.append(bytes, element('span', 'ascii', ascii));
    lines.push(div);
  }
  $('hex').replaceChildren(...lines);
}

// --- panels ----------------------------------------------------------------------------

type Panel = 'values' | 'search' | 'verify' | 'info' | 'compare';
let panel: Panel = 'values';
const loadedPanels = new Set<Panel>();

function showPanel(name: Panel): void {
  panel = name;
  for (const tab of Array.from(document.querySelectorAll<HTMLButtonElement>('[data-panel]'))) {
    const on = tab.dataset['panel'] === name;
    tab.classList.toggle('active', on);
    tab.setAttribute('aria-selected', String(on));
    $(`panel-${tab.dataset['panel']}`).hidden = !on;
  }
  refreshPanel();
}

function refreshPanel(): void {
  if (current === undefined || loadedPanels.has(panel)) return;
  if (panel === 'verify') void runVerify();
  if (panel === 'info') void runInfo();
}

for (const tab of Array.from(document.querySelectorAll<HTMLButtonElement>('[data-panel]'))) {
  tab.addEventListener('click', () => showPanel(tab.dataset['panel'] as Panel));
}

async function runSearch(query: string): Promise<void> {
  if (current === undefined || query === '') return;
  showPanel('search');
  const list = $('search-results');
  $('search-summary').textContent = `searching for "${query}"…`;
  list.replaceChildren();
  const started = performance.now();
  const result = await worker.call<{ hits: SearchHit[]; truncated: boolean; error?: string }>({ op: 'search', doc: current.info.doc, query, limit: SEARCH_LIMIT });
  $('search-summary').textContent =
    `${result.hits.length}${result.truncated ? '+' : ''} match(es) for "${query}" in key names, value names and data (${(performance.now() - started).toFixed(0)} ms)` +
    (result.truncated ? `; the first ${SEARCH_LIMIT} are listed` : '') +
    (result.error !== undefined ? `; the walk stopped: ${result.error}` : '');
  list.replaceChildren(
    ...result.hits.map((hit) => {
      const li = element('li');
      const link = element('a', 'hit', hit.path + (hit.valueName !== undefined ? ` → ${hit.valueName}` : ''));
      link.href = '#';
      link.addEventListener('click', (event) => {
        event.preventDefault();
        void reveal(hit.path, hit.valueName);
      });
      li.append(element('span', `where ${hit.where}`, hit.where), link, element('div', 'hit-text', hit.text));
      return li;
    }),
  );
}

searchInput.addEventListener('keydown', (event) => {
  if (event.key === 'Enter') {
    event.preventDefault();
    void runSearch(searchInput.value);
  } else if (event.key === 'Escape') treeBox.focus();
});

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
    const link = element('a', 'record', finding.path + (finding.valueName !== undefined ? ` → ${finding.valueName}` : ''));
    link.href = '#';
    link.addEventListener('click', (event) => {
      event.preventDefault();
      void reveal(finding.path!, finding.valueName).then(() => showOffset(finding.offset, `${finding.code} at ${hex32(finding.offset)}`));
    });
    where.append(link);
  }
  const offsetCell = element('td');
  offsetCell.append(at);
  tr.append(element('td', 'severity', finding.severity), element('td', 'code', finding.code), offsetCell, element('td', 'message', finding.message + (finding.count > 1 ? ` (×${finding.count})` : '')), where);
  return tr;
}

async function showOffset(offset: number, caption: string): Promise<void> {
  if (current === undefined) return;
  const from = Math.max(0, offset - HEX_CONTEXT / 2);
  const hex = await worker.call<HexInfo>({ op: 'hex', doc: current.info.doc, source: 'file', offset: from, length: HEX_CONTEXT });
  renderHex(hex, -1, 0, `${caption} (bytes ${hex32(hex.offset)}–${hex32(hex.offset + hex.bytes.length)} of the file)`, offset);
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
      tr.append(element('th', undefined, label), element('td', undefined, value));
      t.append(tr);
    }
    return t;
  };
  $('info').replaceChildren(element('h3', undefined, 'Header'), table(result.rows), element('h3', undefined, 'Statistics'), result.error !== undefined ? element('p', 'error', result.error) : table(result.statistics));
}

// --- diff, ROM, export -----------------------------------------------------------------

$('diff-run').addEventListener('click', async () => {
  const a = Number($<HTMLSelectElement>('diff-a').value);
  const b = Number($<HTMLSelectElement>('diff-b').value);
  if (!(a > 0 && b > 0)) return;
  status('comparing…');
  try {
    const info = await worker.call<DocInfo>({ op: 'diff', a, b });
    showDoc(addDoc(info));
    status(`${info.name}: ${info.diff?.added ?? 0} added, ${info.diff?.removed ?? 0} removed, ${info.diff?.changed ?? 0} changed`);
    showPanel('values');
  } catch (error) {
    status(`compare: ${(error as Error).message}`, true);
  }
});

$('attach-rom').addEventListener('click', () => $<HTMLInputElement>('rom-input').click());
$<HTMLInputElement>('rom-input').addEventListener('change', async (event) => {
  const input = event.target as HTMLInputElement;
  const file = input.files?.[0];
  input.value = '';
  if (file === undefined || current === undefined) return;
  await attachRom(current, file.name, await file.arrayBuffer());
});

async function attachRom(doc: OpenDoc, name: string, data: ArrayBuffer): Promise<void> {
  try {
    const info = await worker.call<DocInfo>({ op: 'attachRom', doc: doc.info.doc, file: { name, data } }, [data]);
    doc.info = info;
    doc.roots = nodesOf(info.roots, undefined);
    showDoc(doc);
    status(`${name} attached to ${doc.info.name}: records from it are marked ROM`);
  } catch (error) {
    status(`attach ROM: ${(error as Error).message}`, true);
  }
}

async function exportSelected(format: 'reg' | 'json'): Promise<void> {
  if (current === undefined || selected === undefined || selected.row.handle < 0) return;
  try {
    const text = await worker.call<string>({ op: 'export', doc: current.info.doc, handle: selected.row.handle, format });
    const link = element('a');
    link.href = URL.createObjectURL(new Blob([text], { type: format === 'reg' ? 'text/plain' : 'application/json' }));
    link.download = `${selected.row.name.replace(/[^\w.-]+/g, '_')}.${format}`;
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
    selected = undefined;
    details = undefined;
    visible = [];
    treeSpacer.style.height = '0px';
    renderTree();
    renderDetails();
    $('doc-summary').textContent = '';
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
  if (event.key === '/' && !inField) {
    event.preventDefault();
    searchInput.focus();
    searchInput.select();
  }
});

function nextFrame(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => resolve()));
}

/** Files `hivetool view` serves with the page (none on a static host or from file://). */
async function preload(): Promise<void> {
  if (!location.protocol.startsWith('http')) return;
  let list: { files: Array<{ name: string; url: string; rom?: { name: string; url: string } }> };
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
    if (doc !== undefined && file.rom !== undefined) await attachRom(doc, file.rom.name, await (await fetch(file.rom.url)).arrayBuffer());
  }
}

renderDetails();
void preload().then(() => applyHash());
document.body.dataset['ready'] = 'true';
