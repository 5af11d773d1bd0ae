/**
 * The page's side of the worker: requests as promises. The worker's code is part of the
 * page's bundle as text and started from a blob: URL, because browsers refuse a worker
 * script loaded from a file:// page. Where no worker can be started at all, the same code
 * runs on the page's thread (the page then waits while a large file is searched, but
 * works).
 */
import type { Envelope, Reply, Request } from './protocol.js';

declare const WORKER_SOURCE: string;

interface Port {
  postMessage(message: Envelope, transfer?: Transferable[]): void;
  onmessage: ((event: { data: Reply }) => void) | null;
}

export class WorkerClient {
  readonly mode: 'worker' | 'inline';
  private readonly port: Port;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  constructor() {
    let port: Port | undefined;
    try {
      const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
      port = new Worker(url) as unknown as Port;
      this.mode = 'worker';
    } catch {
      port = inlinePort();
      this.mode = 'inline';
    }
    this.port = port;
    this.port.onmessage = (event) => {
      const reply = event.data;
      const waiting = this.pending.get(reply.id);
      if (waiting === undefined) return;
      this.pending.delete(reply.id);
      if (reply.ok) waiting.resolve(reply.result);
      else waiting.reject(Object.assign(new Error(reply.error ?? 'failed'), { code: reply.code, offset: reply.offset }));
    };
  }

  call<T>(request: Request, transfer: Transferable[] = []): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.port.postMessage({ id, request }, transfer);
    });
  }
}

/** Where the inline copy of the worker's code finds the `self` it talks through. */
const INLINE_SCOPE = '__hivetoolWorkerScope';

/**
 * The worker's code run on this thread, behind the same message interface. It is loaded
 * as a blob: script (which the page's Content-Security-Policy allows; `eval` it does not),
 * wrapped so that its `self` is the scope made here; requests wait until it has loaded.
 */
function inlinePort(): Port {
  const waiting: Envelope[] = [];
  const inner: { onmessage: ((event: { data: Envelope }) => void) | null; postMessage(reply: Reply): void } = {
    onmessage: null,
    postMessage(reply: Reply) {
      setTimeout(() => outer.onmessage?.({ data: reply }), 0);
    },
  };
  const deliver = (message: Envelope): void => {
    setTimeout(() => inner.onmessage?.({ data: message }), 0);
  };
  const outer: Port = {
    onmessage: null,
    postMessage(message: Envelope) {
      if (inner.onmessage === null) waiting.push(message);
      else deliver(message);
    },
  };
  (globalThis as Record<string, unknown>)[INLINE_SCOPE] = inner;
  const script = document.createElement('script');
  script.src = URL.createObjectURL(new Blob([`(function (self) {\n${WORKER_SOURCE}\n})(globalThis.${INLINE_SCOPE});`], { type: 'text/javascript' }));
  script.onload = () => {
    for (const message of waiting.splice(0)) deliver(message);
  };
  document.head.append(script);
  return outer;
}
