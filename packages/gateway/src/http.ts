// The link's share of an HTTP port: the WebSocket long link at `path` and short links
// (POST, docs/link-protocol.md §7) under `path/`. The HTTP server belongs to whoever runs it
// (the media server shares one port for media, API, web app and link), so both entry points
// answer false, untouched, for anything outside the link's paths.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  encodeTaskErrorBody,
  isControlCmdid,
  isValidClientId,
  ShortLinkHeaders,
  SHORT_LINK_CONTENT_TYPE,
  SHORT_LINK_TASK_ERROR_MARK,
  SHORT_LINK_TASK_ERROR_STATUS,
  TaskErrorCodes,
  LONG_LINK_WS_PATH,
  type TaskErrorBody,
} from '@livelink/link';
import type { TaskDispatcher, TaskOutcome } from './tasks.ts';
import type { Logger } from './log.ts';

export interface HttpLinkOptions {
  /** WebSocket long-link path; short links are served under `path/`. Default '/link'. */
  path?: string;
  /** Access-Control-Allow-Origin for short links from browsers. Default '*'. */
  corsOrigin?: string;
}

export interface HttpLink {
  /** Serves short links (and refuses plain requests to the WebSocket path); false if `req` is not the link's. */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean;
  /** Upgrades `path` to a WebSocket long link; false if `req` is not the link's. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
}

/** What the short-link side needs from the gateway. */
export interface ShortLinkHost {
  tasks: TaskDispatcher;
  routes: ReadonlyMap<string, number>;
  maxBodyBytes: number;
  acceptClientVersion: (version: number) => boolean;
  isClosing: () => boolean;
  log: Logger;
  upgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
}

const DECIMAL_U32 = /^[0-9]{1,10}$/;
const ALLOWED_REQUEST_HEADERS = [
  'content-type',
  ShortLinkHeaders.cmdid,
  ShortLinkHeaders.seq,
  ShortLinkHeaders.client,
  ShortLinkHeaders.clientVersion,
].join(', ');

export function createHttpLink(options: HttpLinkOptions, host: ShortLinkHost): HttpLink {
  const path = options.path ?? LONG_LINK_WS_PATH;
  const prefix = `${path}/`;
  const corsOrigin = options.corsOrigin ?? '*';

  function pathOf(req: IncomingMessage): string {
    const url = req.url ?? '';
    const query = url.indexOf('?');
    return query === -1 ? url : url.slice(0, query);
  }

  return {
    handleRequest(req, res) {
      const requestPath = pathOf(req);
      if (requestPath === path) {
        // The WebSocket path reached without an upgrade.
        res.writeHead(426, { upgrade: 'websocket', 'content-type': 'text/plain' }).end('websocket upgrade required\n');
        return true;
      }
      if (!requestPath.startsWith(prefix)) return false;
      res.setHeader('access-control-allow-origin', corsOrigin);
      if (req.method === 'OPTIONS') {
        res.writeHead(204, {
          'access-control-allow-methods': 'POST',
          'access-control-allow-headers': ALLOWED_REQUEST_HEADERS,
          'access-control-max-age': '600',
        });
        res.end();
      } else if (req.method !== 'POST') {
        res.writeHead(405, { allow: 'POST, OPTIONS', 'content-type': 'text/plain' }).end('short links are POST\n');
      } else {
        res.setHeader('access-control-expose-headers', ShortLinkHeaders.error);
        serveShortLink(req, res, requestPath, host);
      }
      return true;
    },
    handleUpgrade(req, socket, head) {
      if (pathOf(req) !== path) return false;
      if (host.isClosing()) {
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return true;
      }
      host.upgrade(req, socket, head);
      return true;
    },
  };
}

function serveShortLink(req: IncomingMessage, res: ServerResponse, cgi: string, host: ShortLinkHost): void {
  if (host.isClosing()) {
    // Plain 503, not a task error: the client treats it as an HTTP failure and retries elsewhere.
    res.writeHead(503, { 'retry-after': '1', 'content-type': 'text/plain' }).end('gateway shutting down\n');
    req.resume();
    return;
  }
  const checked = checkHeaders(req, cgi, host);
  if ('code' in checked) {
    sendTaskError(res, checked);
    req.resume();
    return;
  }
  const { cmdid, dedupKey } = checked;
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > host.maxBodyBytes) {
    sendTaskError(res, tooLarge(declared, host.maxBodyBytes));
    req.resume();
    return;
  }
  const chunks: Buffer[] = [];
  let received = 0;
  let refused = false;
  req.on('data', (chunk: Buffer) => {
    if (refused) return;
    received += chunk.byteLength;
    if (received > host.maxBodyBytes) {
      refused = true;
      chunks.length = 0;
      sendTaskError(res, tooLarge(received, host.maxBodyBytes));
      return;
    }
    chunks.push(chunk);
  });
  req.on('error', (error) => host.log('debug', 'short-link request failed', { cgi, error: error.message }));
  req.on('end', () => {
    if (refused) return;
    // Its own buffer, so a body kept by a handler pins no pooled memory.
    const body = new Uint8Array(received);
    let offset = 0;
    for (const chunk of chunks) {
      body.set(chunk, offset);
      offset += chunk.byteLength;
    }
    const seq = dedupKey === null ? 0 : Number(req.headers[ShortLinkHeaders.seq]);
    const clientId = dedupKey === null ? null : (req.headers[ShortLinkHeaders.client] as string);
    const dispatch = host.tasks.dispatch(
      { cmdid, seq, body, channel: 'short', connection: null, userId: null, clientId },
      dedupKey,
    );
    if (dispatch.outcome instanceof Promise) void dispatch.outcome.then((outcome) => respond(res, outcome, dispatch.sendOnly));
    else respond(res, dispatch.outcome, dispatch.sendOnly);
  });
}

function respond(res: ServerResponse, outcome: TaskOutcome, sendOnly: boolean): void {
  if (res.destroyed) return;
  if (!outcome.ok) {
    sendTaskError(res, outcome.error);
    return;
  }
  // A send-only task still gets an empty 200: HTTP has no way to say nothing.
  const body = sendOnly ? new Uint8Array(0) : outcome.body;
  res.writeHead(200, { 'content-type': SHORT_LINK_CONTENT_TYPE, 'content-length': body.byteLength });
  res.end(body);
}

/** Resolves the cmdid and the de-duplication key, or the task error that refuses the request. */
function checkHeaders(req: IncomingMessage, cgi: string, host: ShortLinkHost): TaskErrorBody | { cmdid: number; dedupKey: string | null } {
  const cmdidHeader = single(req.headers[ShortLinkHeaders.cmdid]);
  let cmdid: number | undefined;
  if (cmdidHeader !== undefined) {
    if (!DECIMAL_U32.test(cmdidHeader) || Number(cmdidHeader) > 0xffffffff) {
      return { code: TaskErrorCodes.badRequest, message: `${ShortLinkHeaders.cmdid} ${JSON.stringify(cmdidHeader)} is not a uint32` };
    }
    cmdid = Number(cmdidHeader);
  } else {
    cmdid = host.routes.get(cgi);
    if (cmdid === undefined) return { code: TaskErrorCodes.noHandler, message: `no cmdid for cgi ${cgi}` };
  }
  if (isControlCmdid(cmdid)) return { code: TaskErrorCodes.badRequest, message: `cmdid ${cmdid} is reserved for link control` };
  if (!host.tasks.has(cmdid)) return { code: TaskErrorCodes.noHandler, message: `no handler for cmdid ${cmdid}` };

  const version = single(req.headers[ShortLinkHeaders.clientVersion]);
  if (version !== undefined && (!DECIMAL_U32.test(version) || !host.acceptClientVersion(Number(version)))) {
    return { code: TaskErrorCodes.badRequest, message: `client version ${JSON.stringify(version)} is not accepted` };
  }

  const seq = single(req.headers[ShortLinkHeaders.seq]);
  const client = single(req.headers[ShortLinkHeaders.client]);
  if (seq === undefined || client === undefined) return { cmdid, dedupKey: null };
  if (!DECIMAL_U32.test(seq) || Number(seq) > 0xffffffff || !isValidClientId(client)) {
    return { code: TaskErrorCodes.badRequest, message: `bad ${ShortLinkHeaders.seq} or ${ShortLinkHeaders.client}` };
  }
  // Same key as the long link's, so a task retried over HTTP after a broken link runs once.
  return { cmdid, dedupKey: `${client}\n${cmdid}\n${Number(seq)}` };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function tooLarge(bytes: number, limit: number): TaskErrorBody {
  return { code: TaskErrorCodes.tooLarge, message: `request body of ${bytes} bytes exceeds the ${limit}-byte limit` };
}

function sendTaskError(res: ServerResponse, error: TaskErrorBody): void {
  if (res.headersSent) return;
  const body = encodeTaskErrorBody(error);
  res.writeHead(SHORT_LINK_TASK_ERROR_STATUS, {
    'content-type': 'application/json',
    [ShortLinkHeaders.error]: SHORT_LINK_TASK_ERROR_MARK,
    'content-length': body.byteLength,
  });
  res.end(body);
}
