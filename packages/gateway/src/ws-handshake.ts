// The server half of the WebSocket opening handshake (RFC 6455 §4.2).
//
// Node's HTTP parser has already split the request into method, version and headers; this
// checks what RFC 6455 §4.2.1 requires of them and builds the 101 answer. Nothing is
// negotiated: the link protocol has no subprotocol and no extension (docs/link-protocol.md §1),
// and a server that answers without Sec-WebSocket-Extensions has declined every offer.

import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** RFC 6455 §1.3: appended to the client's key before hashing. */
const HANDSHAKE_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** 16 bytes in base64 are always 22 characters and `==`. */
const KEY_PATTERN = /^[A-Za-z0-9+/]{22}==$/;

export type WsHandshakeErrorCode = 'bad-method' | 'bad-http-version' | 'not-websocket' | 'no-connection-upgrade' | 'bad-version' | 'bad-key';

export class WsHandshakeError extends Error {
  readonly code: WsHandshakeErrorCode;
  /** 426 asks the client to retry with version 13 (RFC 6455 §4.4); everything else is 400. */
  readonly status: 400 | 426;

  constructor(code: WsHandshakeErrorCode, message: string) {
    super(message);
    this.name = 'WsHandshakeError';
    this.code = code;
    this.status = code === 'bad-version' ? 426 : 400;
  }
}

/** The parts of an IncomingMessage the handshake reads. */
export interface UpgradeRequest {
  method?: string;
  httpVersionMajor: number;
  httpVersionMinor: number;
  headers: IncomingHttpHeaders;
}

/** Sec-WebSocket-Accept for a client's Sec-WebSocket-Key (RFC 6455 §4.2.2 step 5.4). */
export function acceptKey(key: string): string {
  return createHash('sha1').update(key + HANDSHAKE_GUID).digest('base64');
}

/** The 101 response completing the handshake, or a WsHandshakeError saying why the request is refused. */
export function handshakeResponse(req: UpgradeRequest): string {
  if (req.method !== 'GET') throw new WsHandshakeError('bad-method', `websocket upgrade must be GET, not ${req.method}`);
  if (req.httpVersionMajor !== 1 || req.httpVersionMinor < 1) {
    throw new WsHandshakeError('bad-http-version', `websocket upgrade needs HTTP/1.1, got HTTP/${req.httpVersionMajor}.${req.httpVersionMinor}`);
  }
  if (!hasToken(req.headers.upgrade, 'websocket')) {
    throw new WsHandshakeError('not-websocket', `Upgrade: ${JSON.stringify(req.headers.upgrade ?? '')} does not name websocket`);
  }
  if (!hasToken(req.headers.connection, 'upgrade')) {
    throw new WsHandshakeError('no-connection-upgrade', `Connection: ${JSON.stringify(req.headers.connection ?? '')} has no upgrade token`);
  }
  const version = req.headers['sec-websocket-version'];
  if (version !== '13') {
    throw new WsHandshakeError('bad-version', `Sec-WebSocket-Version ${JSON.stringify(version ?? '')} is not 13`);
  }
  // Node joins repeated headers with ", ", so a key sent twice fails the pattern too.
  const key = req.headers['sec-websocket-key'];
  if (key === undefined || !KEY_PATTERN.test(key)) {
    throw new WsHandshakeError('bad-key', `Sec-WebSocket-Key ${JSON.stringify(key ?? '')} is not 16 bytes of base64`);
  }
  return `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n\r\n`;
}

/** A plain HTTP answer refusing the upgrade; the connection closes after it. */
export function refusalResponse(error: WsHandshakeError): string {
  const body = `${error.message}\n`;
  const status = error.status === 426 ? '426 Upgrade Required\r\nSec-WebSocket-Version: 13' : '400 Bad Request';
  return (
    `HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

/** Whether a comma-separated header lists `token` (compared ASCII case-insensitively). */
function hasToken(value: string | undefined, token: string): boolean {
  if (value === undefined) return false;
  for (const item of value.split(',')) {
    if (item.trim().toLowerCase() === token) return true;
  }
  return false;
}
