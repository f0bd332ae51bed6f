// Takes a connection away from node:http for a response that never ends (an HTTP-FLV stream),
// the way node:http itself lets go of a connection on an Upgrade.
//
// While a response is open, node:http keeps per connection the request and response objects,
// its parser (consuming the socket from C++, and registered for the server's request timeouts)
// and the listeners and state around them. For a live viewer that is most of what it costs:
// with 1000 open responses a server held ~15 KB of RSS per connection more than with 1000
// taken-over sockets. Once the request is parsed and authorised the connection needs none of
// it, so the socket is detached and the parser freed with Node's own freeParser (the function
// its upgrade path calls). Node has no public API for this; the test suite checks that the
// request and response become collectable, so a Node release that changes the internals fails
// a test instead of silently leaking.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { Socket } from 'node:net';

interface HttpCommon {
  freeParser(parser: unknown, req: IncomingMessage, socket: Socket): void;
}

const { freeParser } = createRequire(import.meta.url)('_http_common') as HttpCommon;

/** The socket events node:http listens to on a server connection. */
const HTTP_SOCKET_EVENTS = ['data', 'end', 'close', 'drain', 'error', 'timeout', 'resume', 'pause'] as const;

/** Listeners every net.Socket has of itself: they stay when node:http's are removed. */
const socketOwnListeners = (() => {
  const plain = new Socket();
  const own = new Map(HTTP_SOCKET_EVENTS.map((event) => [event, new Set(plain.listeners(event))]));
  plain.destroy();
  return own;
})();

/**
 * Detaches `req`'s connection from node:http and returns the socket, now the caller's alone:
 * nothing has been written for `res` (the caller writes its own status line and headers), no
 * one reads or watches the socket (the caller adds its 'error', 'end' and 'close' handling and
 * resumes reading), and `req` and `res` can be collected. `res` must own the connection
 * (`res.socket` set: not a pipelined request still queued behind an earlier response), or
 * node:http's detachSocket asserts.
 */
export function takeOverConnection(req: IncomingMessage, res: ServerResponse): Socket {
  const socket = req.socket as Socket & { parser?: unknown };
  res.detachSocket(socket);
  for (const event of HTTP_SOCKET_EVENTS) {
    const own = socketOwnListeners.get(event)!;
    for (const listener of socket.listeners(event)) if (!own.has(listener)) socket.removeListener(event, listener as (...args: unknown[]) => void);
  }
  freeParser(socket.parser ?? null, req, socket);
  return socket;
}
