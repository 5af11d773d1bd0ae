/**
 * A splitter between two panes (WAI-ARIA APG window splitter pattern): an element with
 * role=separator whose `aria-valuenow` is the share, in percent, of its container that
 * the pane it controls takes. It is dragged with a pointer (mouse, pen or finger), or
 * focused and moved with the arrow keys (Shift for larger steps), Home and End. The
 * container's flex direction decides its orientation, so the same splitter works when a
 * narrow window stacks the panes.
 */

/** Percent moved by an arrow key, and with Shift. */
const STEP = 2;
const BIG_STEP = 10;

export interface SplitterOptions {
  /** The pane whose share the splitter sets (its flex basis). */
  pane: HTMLElement;
  /** The flex container of both panes and the splitter. */
  container: HTMLElement;
  /** Whether the pane comes after the splitter (moving the splitter forward shrinks it). */
  paneAfter: boolean;
  /** Where the share is kept between visits (localStorage), if it can be. */
  storageKey: string;
}

export class Splitter {
  private share: number;
  private readonly min: number;
  private readonly max: number;

  constructor(
    private readonly handle: HTMLElement,
    private readonly options: SplitterOptions,
  ) {
    this.min = Number(handle.getAttribute('aria-valuemin') ?? 10);
    this.max = Number(handle.getAttribute('aria-valuemax') ?? 90);
    this.share = Number(handle.getAttribute('aria-valuenow') ?? 50);
    const saved = readSaved(options.storageKey);
    if (saved !== undefined) this.set(saved, false);
    this.orient();
    window.addEventListener('resize', () => this.orient());
    handle.addEventListener('keydown', (event) => this.keyDown(event));
    handle.addEventListener('pointerdown', (event) => this.drag(event));
  }

  /** Whether the panes sit side by side (the splitter is a vertical line). */
  private get vertical(): boolean {
    return getComputedStyle(this.options.container).flexDirection.startsWith('row');
  }

  private orient(): void {
    this.handle.setAttribute('aria-orientation', this.vertical ? 'vertical' : 'horizontal');
  }

  /** Sets the pane's share, clamped to the splitter's bounds. */
  set(share: number, save = true): void {
    this.share = Math.round(Math.min(this.max, Math.max(this.min, share)) * 10) / 10;
    this.options.pane.style.flexBasis = `${this.share}%`;
    this.handle.setAttribute('aria-valuenow', String(Math.round(this.share)));
    if (save) {
      try {
        localStorage.setItem(this.options.storageKey, String(this.share));
      } catch {
        // Storage may be off (file:// in some browsers): the size then lasts for this page.
      }
    }
    // The tree draws the rows its new height shows.
    window.dispatchEvent(new Event('resize'));
  }

  private keyDown(event: KeyboardEvent): void {
    const step = event.shiftKey ? BIG_STEP : STEP;
    // Forward is right or down: the splitter moves that way, whichever pane it controls.
    const forward = this.options.paneAfter ? -step : step;
    let to: number;
    switch (event.key) {
      case 'ArrowRight':
      case 'ArrowDown':
        to = this.share + forward;
        break;
      case 'ArrowLeft':
      case 'ArrowUp':
        to = this.share - forward;
        break;
      case 'Home':
        to = this.min;
        break;
      case 'End':
        to = this.max;
        break;
      default:
        return;
    }
    event.preventDefault();
    this.set(to);
  }

  private drag(event: PointerEvent): void {
    if (event.button !== 0) return;
    event.preventDefault();
    const handle = this.handle;
    handle.setPointerCapture(event.pointerId);
    handle.classList.add('dragging');
    handle.focus();
    const move = (moved: PointerEvent): void => {
      const box = this.options.container.getBoundingClientRect();
      const vertical = this.vertical;
      const size = vertical ? box.width : box.height;
      if (size <= 0) return;
      const along = vertical ? moved.clientX - box.left : moved.clientY - box.top;
      this.set(((this.options.paneAfter ? size - along : along) / size) * 100, false);
    };
    const end = (): void => {
      handle.classList.remove('dragging');
      handle.removeEventListener('pointermove', move);
      handle.removeEventListener('pointerup', end);
      handle.removeEventListener('pointercancel', end);
      this.set(this.share);
    };
    handle.addEventListener('pointermove', move);
    handle.addEventListener('pointerup', end);
    handle.addEventListener('pointercancel', end);
  }
}

function readSaved(key: string): number | undefined {
  try {
    const saved = Number(localStorage.getItem(key) ?? Number.NaN);
    return Number.isFinite(saved) ? saved : undefined;
  } catch {
    return undefined;
  }
}
