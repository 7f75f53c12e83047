import type { EventPlace } from './event-builders.js';
import type { JsonObject } from './json-fields.js';

/** Error types for requests that never got a JSON-RPC response. */
export const NO_RESPONSE_ERROR = 'no_response';
export const CANCELLED_ERROR = 'cancelled';

export type UnansweredReason = typeof NO_RESPONSE_ERROR | typeof CANCELLED_ERROR;

/** A client request awaiting its response, with what its event needs from the request. */
export interface PendingRequest {
  method: string;
  /** The server's name, as the host gave it. */
  server: string;
  /** The JSON-RPC id, as it was (a number or a string). */
  id: string | number;
  /** `id` as the event's `request_id`. */
  requestId: string;
  params: JsonObject;
  /** Session, turn, event id and line of the request: its event's place. */
  place: EventPlace;
  chainIndex: number;
  requestBytes: number;
}

/** The response an unanswered request is reported with (it crossed no transport: 0 bytes). */
export function unansweredResponse(reason: UnansweredReason): JsonObject {
  const message =
    reason === CANCELLED_ERROR ? 'the client cancelled the request' : 'no response was seen for the request';
  return { error: { code: reason, message } };
}

/** Request ids are unique within one session's connection to one server, not beyond. */
function requestKey(session: string, server: string, id: unknown): string {
  return `${session}\u0000${server}\u0000${JSON.stringify(id)}`;
}

/**
 * Requests awaiting a response, oldest first, at most `max`. Nothing here times out: a request
 * leaves when its response or cancellation is seen, when a new request reuses its id, when newer
 * ones push it out, or at the end of the story; the caller reports each that leaves unanswered.
 */
export class PendingRequests {
  private readonly byKey = new Map<string, PendingRequest>();

  constructor(private readonly max: number) {}

  get size(): number {
    return this.byKey.size;
  }

  /** Adds a request; returns the pending one with the same id on the same connection, which it replaces. */
  add(request: PendingRequest): PendingRequest | undefined {
    const key = requestKey(request.place.session, request.server, request.id);
    const replaced = this.byKey.get(key);
    // Deleted first so that the new request goes to the end of the order.
    this.byKey.delete(key);
    this.byKey.set(key, request);
    return replaced;
  }

  /** Removes and returns the oldest requests beyond `max`. */
  evictOverflow(): PendingRequest[] {
    const evicted: PendingRequest[] = [];
    for (const [key, request] of this.byKey) {
      if (this.byKey.size <= this.max) break;
      this.byKey.delete(key);
      evicted.push(request);
    }
    return evicted;
  }

  /** Removes and returns the request a response or cancellation names. */
  take(session: string, server: string, id: unknown): PendingRequest | undefined {
    const key = requestKey(session, server, id);
    const request = this.byKey.get(key);
    if (request !== undefined) this.byKey.delete(key);
    return request;
  }

  /** Removes and returns every pending request, oldest first. */
  takeAll(): PendingRequest[] {
    const all = [...this.byKey.values()];
    this.byKey.clear();
    return all;
  }
}
