// One short-link attempt: an HTTP POST through an injected fetch (docs/link-protocol.md §7).
// The response is read as a stream so the task layer can time the first packet and the gaps
// between packets, as Mars does for its own HTTP client.

import { ErrCode, ErrType, LinkTaskError } from './errors.ts';
import {
  decodeTaskErrorBody,
  SHORT_LINK_CONTENT_TYPE,
  SHORT_LINK_TASK_ERROR_MARK,
  ShortLinkHeaders,
} from '../protocol/control.ts';

/** The subset of fetch the short link needs; the global fetch satisfies it. */
export type ShortLinkFetch = (
  url: string,
  init: { method: 'POST'; headers: Record<string, string>; body: Uint8Array<ArrayBuffer>; signal: AbortSignal },
) => Promise<Response>;

export interface ShortLinkRequest {
  url: string;
  cmdid: number;
  seq: number;
  clientId: string;
  clientVersion: number;
  body: Uint8Array;
  headers: Record<string, string>;
  maxResponseBytes: number;
}

export function shortLinkHeaders(request: ShortLinkRequest): Record<string, string> {
  return {
    ...request.headers,
    'content-type': SHORT_LINK_CONTENT_TYPE,
    [ShortLinkHeaders.cmdid]: String(request.cmdid),
    [ShortLinkHeaders.seq]: String(request.seq),
    [ShortLinkHeaders.client]: request.clientId,
    [ShortLinkHeaders.clientVersion]: String(request.clientVersion),
  };
}

/**
 * Resolves with the response body or rejects with a LinkTaskError. `onPacket` fires when the
 * response head arrives and for every body chunk. Aborting `signal` makes it reject; the caller
 * that aborted has already decided the attempt's outcome.
 */
export async function performShortLink(
  fetchFn: ShortLinkFetch,
  request: ShortLinkRequest,
  signal: AbortSignal,
  onPacket: () => void,
): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetchFn(request.url, {
      method: 'POST',
      headers: shortLinkHeaders(request),
      // A private copy: fetch may transfer or lock the buffer, and the task keeps its body for retries.
      body: new Uint8Array(request.body),
      signal,
    });
  } catch (error) {
    throw new LinkTaskError('dial', ErrType.dial, ErrCode.socketConnectFailed, `short link request failed: ${describe(error)}`);
  }
  onPacket();
  if (response.headers.get(ShortLinkHeaders.error) === SHORT_LINK_TASK_ERROR_MARK) {
    const { code, message } = decodeTaskErrorBody(await readBody(response, request.maxResponseBytes, onPacket));
    throw new LinkTaskError('server', ErrType.server, code, message);
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new LinkTaskError('http', ErrType.http, response.status, `short link answered HTTP ${response.status}`);
  }
  return readBody(response, request.maxResponseBytes, onPacket);
}

async function readBody(response: Response, maxBytes: number, onPacket: () => void): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? 'NaN');
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw tooLarge(declared, maxBytes);
  }
  if (!response.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel();
        throw tooLarge(total, maxBytes);
      }
      chunks.push(value);
      onPacket();
    }
  } catch (error) {
    if (error instanceof LinkTaskError) throw error;
    throw new LinkTaskError('socket', ErrType.socket, ErrCode.socketRecvErr, `short link response broke: ${describe(error)}`);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

function tooLarge(bytes: number, maxBytes: number): LinkTaskError {
  return new LinkTaskError('socket', ErrType.socket, ErrCode.socketRecvErr, `short link response of ${bytes} bytes exceeds ${maxBytes}`);
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
}
