/**
 * The parsing worker's entry point: requests in, replies out. File bytes arrive
 * transferred (not copied) and stay here; replies carry only what the page shows.
 */
import { describe, handle } from './model.js';
import type { Envelope, Reply } from './protocol.js';

interface Scope {
  onmessage: ((event: { data: Envelope }) => void) | null;
  postMessage(message: Reply, transfer?: Transferable[]): void;
}

const scope = self as unknown as Scope;

scope.onmessage = (event) => {
  const { id, request } = event.data;
  let reply: Reply;
  try {
    reply = { id, ok: true, result: handle(request) };
  } catch (error) {
    const detail = error as { code?: unknown; offset?: unknown };
    reply = { id, ok: false, error: describe(error) };
    if (typeof detail.code === 'string') reply.code = detail.code;
    if (typeof detail.offset === 'number') reply.offset = detail.offset;
  }
  const result = reply.result as { bytes?: unknown } | undefined;
  const transfer = result !== null && typeof result === 'object' && result.bytes instanceof Uint8Array ? [result.bytes.buffer] : [];
  scope.postMessage(reply, transfer);
};
