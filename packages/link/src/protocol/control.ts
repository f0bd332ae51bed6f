// Link-control conventions livelink adds on top of Mars's framing (docs/link-protocol.md §3–§7):
// the hello frame carrying the client id, the task error frame, and the short-link HTTP headers.
// Shared by the client and the gateway so both sides read one definition.

import { LinkProtocolError } from './frame.ts';

/** cmdids 0xFFFFFF00..0xFFFFFFFF are link control; applications must not use them. */
export const CONTROL_CMDID_MIN = 0xffffff00;
/** Server → client: a task failed; body is UTF-8 JSON {code, message}. */
export const TASK_ERROR_CMDID = 0xffffff00;
/** Client → server, first frame of every long link: body is the UTF-8 client id. */
export const HELLO_CMDID = 0xffffff01;
/** Mars's signalling-keeper task id; the gateway ignores such frames. */
export const SIGNAL_KEEP_SEQ = 0xfffffffd;
/** Largest task id; the client wraps to 1 after it (Mars wraps at 0xFFFFFFF0). */
export const MAX_TASK_SEQ = 0xffffffef;

export const MAX_CLIENT_ID_LENGTH = 64;
const CLIENT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function isControlCmdid(cmdid: number): boolean {
  return cmdid >= CONTROL_CMDID_MIN;
}

export function isValidClientId(id: string): boolean {
  return CLIENT_ID_PATTERN.test(id);
}

export function encodeHelloBody(clientId: string): Uint8Array {
  if (!isValidClientId(clientId)) {
    throw new LinkProtocolError('bad-hello', `client id ${JSON.stringify(clientId)} is not 1-64 characters of [A-Za-z0-9_-]`);
  }
  return new TextEncoder().encode(clientId);
}

export function decodeHelloBody(body: Uint8Array): string {
  // Checked before decoding so a huge hello costs nothing.
  if (body.byteLength === 0 || body.byteLength > MAX_CLIENT_ID_LENGTH) {
    throw new LinkProtocolError('bad-hello', `hello body of ${body.byteLength} bytes is not a client id`);
  }
  const id = new TextDecoder().decode(body);
  if (!isValidClientId(id)) {
    throw new LinkProtocolError('bad-hello', `hello body ${JSON.stringify(id)} is not a client id`);
  }
  return id;
}

export interface TaskErrorBody {
  code: number;
  message: string;
}

/** Task error codes the gateway uses (docs/link-protocol.md §5). */
export const TaskErrorCodes = {
  badRequest: 400,
  notIdentified: 401,
  noHandler: 404,
  tooLarge: 413,
  rateLimited: 429,
  handlerFailed: 500,
  unavailable: 503,
} as const;

export function encodeTaskErrorBody(error: TaskErrorBody): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ code: error.code, message: error.message }));
}

/**
 * Never throws: a server that sends a task error has already failed the task, so an unreadable
 * body still fails it, as 500 with the raw text kept for diagnosis.
 */
export function decodeTaskErrorBody(body: Uint8Array): TaskErrorBody {
  const text = new TextDecoder().decode(body);
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null) {
      const { code, message } = parsed as { code?: unknown; message?: unknown };
      if (typeof code === 'number' && Number.isInteger(code)) {
        return { code, message: typeof message === 'string' ? message : '' };
      }
    }
  } catch {
    // fall through to the generic failure below
  }
  return { code: TaskErrorCodes.handlerFailed, message: `unreadable task error body: ${text.slice(0, 200)}` };
}

/** Short-link request/response headers (lower-case, as fetch and node:http present them). */
export const ShortLinkHeaders = {
  cmdid: 'x-link-cmdid',
  seq: 'x-link-seq',
  client: 'x-link-client',
  clientVersion: 'x-link-client-version',
  /** Response header whose value `task` marks a task error body. */
  error: 'x-link-error',
} as const;

export const SHORT_LINK_CONTENT_TYPE = 'application/octet-stream';
/** HTTP status of a short-link task error response. */
export const SHORT_LINK_TASK_ERROR_STATUS = 422;
export const SHORT_LINK_TASK_ERROR_MARK = 'task';
/** WebSocket path of the long link on the gateway's HTTP port. */
export const LONG_LINK_WS_PATH = '/link';
