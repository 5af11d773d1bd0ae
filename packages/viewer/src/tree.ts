/**
 * The tree of keys, virtualised: the rows in view order are a flat list, and only those
 * inside the scrolled window (plus a few either side) exist as elements, so a key with
 * thousands of subkeys costs thousands of small objects and a few dozen elements.
 * Subkeys are asked for when a key is first expanded.
 *
 * Keyboard and screen readers (WAI-ARIA APG tree view pattern, focus by
 * `aria-activedescendant`): focus stays on the tree box, which names the selected row as
 * its active descendant; rows are drawn and dropped as the box scrolls, so a row never
 * holds focus itself (a dropped row would take the focus with it). Arrows, Home/End,
 * PageUp/PageDown, Enter and type-ahead (the first key whose name starts with what was
 * typed) move the selection.
 */
import { UNVERIFIED_SOURCE, element, shown } from './dom.js';
import type { RowInfo } from './protocol.js';

/** Row height when the page's CSS does not say (`--row-height`, larger for touch). */
const DEFAULT_ROW_HEIGHT = 22;
/** Rows drawn beyond the visible ones, above and below, so scrolling shows no gaps. */
const OVERSCAN = 8;
/** Type-ahead: keys typed within this many ms of each other make one prefix. */
const TYPE_AHEAD_MS = 700;

export interface TreeNode {
  row: RowInfo;
  depth: number;
  parent: TreeNode | undefined;
  children: TreeNode[] | undefined;
  expanded: boolean;
  /** Position among its siblings, from 1 (aria-posinset). */
  position: number;
}

export interface TreeEvents {
  /** The user moved the selection to `node` (click or keys). */
  select(node: TreeNode): void;
  /** Subkey rows of `node`, from the worker. */
  loadChildren(node: TreeNode): Promise<RowInfo[]>;
  /** A first expansion is drawn: `ms` from the request to the frame. */
  expanded(node: TreeNode, count: number, ms: number): void;
  /** Whether rows say `file` (a ROM is attached, so `file` tells something). */
  markFileRows(): boolean;
}

export function nodesOf(rows: RowInfo[], parent: TreeNode | undefined): TreeNode[] {
  const depth = parent === undefined ? 0 : parent.depth + 1;
  return rows.map((row, i) => ({ row, depth, parent, children: undefined, expanded: false, position: i + 1 }));
}

export function pathOf(node: TreeNode): string {
  const names: string[] = [];
  for (let at: TreeNode | undefined = node; at !== undefined; at = at.parent) names.push(at.row.name);
  return names.reverse().join('\\');
}

/** The element id of the row drawn at `index` of the rows in view. */
const rowId = (index: number): string => `tree-row-${index}`;

export class TreeView {
  /** Rows in view order: the roots and the children of expanded keys. */
  private visible: TreeNode[] = [];
  private roots: TreeNode[] = [];
  private renderQueued = false;
  private rowHeight = DEFAULT_ROW_HEIGHT;
  private typed = '';
  private typedAt = 0;
  selected: TreeNode | undefined;

  constructor(
    private readonly box: HTMLElement,
    private readonly spacer: HTMLElement,
    private readonly events: TreeEvents,
  ) {
    this.readRowHeight();
    box.addEventListener('scroll', () => this.queueRender());
    window.addEventListener('resize', () => {
      this.readRowHeight();
      this.rebuild();
    });
    box.addEventListener('click', (event) => {
      const target = event.target as HTMLElement;
      const node = this.nodeAt(target);
      if (node === undefined) return;
      if (target.classList.contains('twisty')) this.toggle(node);
      else this.events.select(node);
      box.focus();
    });
    box.addEventListener('dblclick', (event) => {
      const node = this.nodeAt(event.target as HTMLElement);
      if (node !== undefined) this.toggle(node);
    });
    box.addEventListener('keydown', (event) => {
      if (event.altKey || event.ctrlKey || event.metaKey) return;
      if (this.keyDown(event.key) || this.typeAhead(event.key, event.timeStamp)) event.preventDefault();
    });
  }

  /** Shows another file's roots (their nodes keep what was expanded in them). */
  show(roots: TreeNode[]): void {
    this.roots = roots;
    this.selected = undefined;
    this.rebuild();
  }

  /**
   * Marks the keys whose chains hold a damaged record (`paths`: folded key paths → what is
   * wrong), among the rows loaded so far; rows loaded later come marked by the worker.
   */
  markDamaged(paths: ReadonlyMap<string, string>): void {
    const stack = [...this.roots];
    while (stack.length > 0) {
      const node = stack.pop()!;
      const damaged = paths.get(pathOf(node).toLowerCase());
      if (damaged !== undefined) node.row.damaged = damaged;
      if (node.children !== undefined) stack.push(...node.children);
    }
    this.render();
  }

  /** Marks `node` selected and scrolls it into view. */
  mark(node: TreeNode): void {
    this.selected = node;
    this.scrollIntoView(node);
    this.render();
  }

  async expand(node: TreeNode): Promise<void> {
    if (!node.row.hasChildren || node.row.handle < 0) return;
    if (node.children === undefined) {
      const started = performance.now();
      const rows = await this.events.loadChildren(node);
      node.children ??= nodesOf(rows, node);
      node.expanded = true;
      if (!this.showing(node)) return;
      this.rebuild();
      await new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
      this.events.expanded(node, rows.length, performance.now() - started);
      return;
    }
    node.expanded = true;
    this.rebuild();
  }

  collapse(node: TreeNode): void {
    node.expanded = false;
    this.rebuild();
  }

  toggle(node: TreeNode): void {
    if (node.expanded) this.collapse(node);
    else void this.expand(node);
  }

  /**
   * Opens the keys along a path the worker resolved: `levels[i]` the rows of the i-th
   * list on the path (roots first), `indexes[i]` the key taken in it. Lists already
   * loaded are kept. Returns the last key reached.
   */
  openPath(levels: RowInfo[][], indexes: number[]): TreeNode | undefined {
    let list = this.roots;
    let node: TreeNode | undefined;
    for (let level = 0; level < indexes.length; level++) {
      const wanted = levels[level]![indexes[level]!]!.name.toLowerCase();
      node = list.find((entry) => entry.row.problem === undefined && entry.row.name.toLowerCase() === wanted);
      if (node === undefined) break;
      if (level + 1 < indexes.length) {
        node.children ??= nodesOf(levels[level + 1]!, node);
        node.expanded = true;
        list = node.children;
      }
    }
    this.rebuild();
    return node;
  }

  /** Rows are taller on touch screens (the CSS says how tall). */
  private readRowHeight(): void {
    const height = parseFloat(getComputedStyle(this.box).getPropertyValue('--row-height'));
    this.rowHeight = Number.isFinite(height) && height > 0 ? height : DEFAULT_ROW_HEIGHT;
  }

  private showing(node: TreeNode): boolean {
    let root = node;
    while (root.parent !== undefined) root = root.parent;
    return this.roots.includes(root);
  }

  private nodeAt(target: HTMLElement): TreeNode | undefined {
    const row = target.closest<HTMLElement>('.row');
    return row === null ? undefined : this.visible[Number(row.dataset['index'])];
  }

  private rebuild(): void {
    this.visible = [];
    const stack = [...this.roots].reverse();
    while (stack.length > 0) {
      const node = stack.pop()!;
      this.visible.push(node);
      if (node.expanded && node.children !== undefined) for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
    }
    this.spacer.style.height = `${this.visible.length * this.rowHeight}px`;
    this.render();
  }

  private queueRender(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => {
      this.renderQueued = false;
      this.render();
    });
  }

  /** Draws only the rows inside the scrolled window. */
  render(): void {
    const box = this.box;
    const first = Math.max(0, Math.floor(box.scrollTop / this.rowHeight) - OVERSCAN);
    const last = Math.min(this.visible.length, Math.ceil((box.scrollTop + box.clientHeight) / this.rowHeight) + OVERSCAN);
    const markFile = this.events.markFileRows();
    const rows: HTMLElement[] = [];
    for (let i = first; i < last; i++) rows.push(this.rowElement(this.visible[i]!, i, markFile));
    // The spacer gives the box its full scroll height; the rows sit on it.
    box.replaceChildren(this.spacer, ...rows);
    const active = this.selected === undefined ? -1 : this.visible.indexOf(this.selected);
    if (active >= first && active < last) box.setAttribute('aria-activedescendant', rowId(active));
    else box.removeAttribute('aria-activedescendant');
  }

  private rowElement(node: TreeNode, index: number, markFile: boolean): HTMLElement {
    const row = element('div', 'row');
    row.dataset['index'] = String(index);
    row.id = rowId(index);
    row.setAttribute('role', 'treeitem');
    row.setAttribute('aria-level', String(node.depth + 1));
    // Only a window of rows exists: each says where it stands in its list.
    row.setAttribute('aria-setsize', String((node.parent?.children ?? this.roots).length));
    row.setAttribute('aria-posinset', String(node.position));
    if (node.row.hasChildren) row.setAttribute('aria-expanded', String(node.expanded));
    row.style.top = `${index * this.rowHeight}px`;
    row.style.paddingLeft = `${4 + node.depth * 16}px`;
    if (node === this.selected) {
      row.classList.add('selected');
      row.setAttribute('aria-selected', 'true');
    }
    if (node.row.mark !== undefined) row.classList.add(`mark-${node.row.mark}`);
    if (node.row.problem !== undefined) row.classList.add('problem');
    const twisty = element('span', 'twisty', node.row.hasChildren ? (node.expanded ? '▾' : '▸') : '');
    twisty.setAttribute('aria-hidden', 'true');
    // Names are shown escaped (control and bidirectional characters as \u202e…), as the command line shows them.
    const name = element('span', 'name', shown(node.row.name));
    // The whole path on hover: names are cut at the pane's edge.
    name.title = pathOf(node);
    row.append(twisty, name);
    if (node.row.deleted !== undefined) {
      row.classList.add('deleted');
      const badge = element('span', 'badge deleted', 'deleted');
      badge.title = node.row.deleted;
      row.append(badge);
      row.setAttribute('aria-description', node.row.deleted);
    }
    if (node.row.damaged !== undefined) {
      // A key whose subkeys or values run into a damaged record: said in words, not colour alone.
      row.classList.add('damaged');
      const badge = element('span', 'badge damaged', 'damaged');
      badge.title = `a record in this key's chains cannot be read and is skipped: ${node.row.damaged}`;
      row.append(badge);
      row.setAttribute('aria-description', `damaged: ${node.row.damaged}`);
    }
    if (node.row.source === 'rom') row.append(element('span', 'badge rom', 'ROM'));
    else if (node.row.source === UNVERIFIED_SOURCE) row.append(Object.assign(element('span', 'badge rom unverified', 'ROM unverified'), { title: 'from a ROM hive that failed the ROM check and was attached anyway' }));
    else if (markFile && node.row.problem === undefined) row.append(element('span', 'badge file', 'file'));
    if (node.row.mark !== undefined && node.row.mark !== 'inner') row.append(element('span', `badge ${node.row.mark}`, node.row.mark));
    return row;
  }

  private scrollIntoView(node: TreeNode): void {
    const index = this.visible.indexOf(node);
    if (index < 0) return;
    const top = index * this.rowHeight;
    if (top < this.box.scrollTop) this.box.scrollTop = top;
    else if (top + this.rowHeight > this.box.scrollTop + this.box.clientHeight) this.box.scrollTop = top + this.rowHeight - this.box.clientHeight;
  }

  /**
   * Type-ahead: a printable key selects the next key (after the selected one, wrapping)
   * whose name starts with the keys typed so far; the same letter again goes to the next
   * such key. Returns whether the key was used.
   */
  private typeAhead(key: string, at: number): boolean {
    if ([...key].length !== 1 || key === ' ' || this.visible.length === 0) return false;
    // `/` is the page's search key unless a prefix is being typed.
    if (at - this.typedAt > TYPE_AHEAD_MS) this.typed = '';
    if (key === '/' && this.typed === '') return false;
    this.typedAt = at;
    const lower = key.toLowerCase();
    const repeat = this.typed.length > 0 && [...this.typed].every((char) => char === lower);
    this.typed += lower;
    const prefix = repeat ? lower : this.typed;
    const start = this.selected === undefined ? -1 : this.visible.indexOf(this.selected);
    // A longer prefix may still match the key already selected; a new search starts after it.
    const from = !repeat && this.typed.length > 1 ? Math.max(0, start) : start + 1;
    for (let step = 0; step < this.visible.length; step++) {
      const node = this.visible[(from + step) % this.visible.length]!;
      if (node.row.problem === undefined && node.row.name.toLowerCase().startsWith(prefix)) {
        this.events.select(node);
        return true;
      }
    }
    return true;
  }

  /** Keyboard navigation; returns whether the key was used. */
  private keyDown(key: string): boolean {
    const selected = this.selected;
    const go = (to: number): void => {
      const node = this.visible[Math.max(0, Math.min(this.visible.length - 1, to))];
      if (node !== undefined) this.events.select(node);
    };
    if (selected === undefined) {
      if (!['ArrowDown', 'ArrowUp', 'Home'].includes(key)) return false;
      go(0);
      return true;
    }
    const index = this.visible.indexOf(selected);
    const page = Math.max(1, Math.floor(this.box.clientHeight / this.rowHeight) - 1);
    switch (key) {
      case 'ArrowDown':
        go(index + 1);
        return true;
      case 'ArrowUp':
        go(index - 1);
        return true;
      case 'PageDown':
        go(index + page);
        return true;
      case 'PageUp':
        go(index - page);
        return true;
      case 'Home':
        go(0);
        return true;
      case 'End':
        go(this.visible.length - 1);
        return true;
      case 'ArrowRight':
        if (selected.row.hasChildren && !selected.expanded) void this.expand(selected);
        else if (selected.expanded && selected.children !== undefined && selected.children.length > 0) go(index + 1);
        return true;
      case 'ArrowLeft':
        if (selected.expanded) this.collapse(selected);
        else if (selected.parent !== undefined) this.events.select(selected.parent);
        return true;
      case 'Enter':
        this.toggle(selected);
        return true;
      default:
        return false;
    }
  }
}
