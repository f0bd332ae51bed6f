// Long link over WebSocket for browsers (and Node, which has a global WebSocket): one binary
// message per frame, the same 20-byte Mars header inside (docs/link-protocol.md §1).

import type { LongLinkTransport } from './types.ts';

export interface WebSocketTransportOptions {
  /** Defaults to the global WebSocket. */
  WebSocket?: typeof WebSocket;
}

export function webSocketTransport(options: WebSocketTransportOptions = {}): LongLinkTransport {
  return {
    framing: 'message',
    connect(address, events) {
      const Ctor = options.WebSocket ?? globalThis.WebSocket;
      const ws = new Ctor(address);
      ws.binaryType = 'arraybuffer';
      let opened = false;
      let closedByUs = false;
      ws.addEventListener('open', () => {
        if (closedByUs) return;
        opened = true;
        events.onOpen();
      });
      ws.addEventListener('message', (event: MessageEvent) => {
        if (closedByUs) return;
        if (event.data instanceof ArrayBuffer) {
          events.onData(new Uint8Array(event.data));
          return;
        }
        // The protocol has no text messages; this peer is not a link gateway.
        closedByUs = true;
        ws.close(1002, 'text message on a binary link');
        events.onClose('error', 'text message on the long link');
      });
      ws.addEventListener('close', (event: CloseEvent) => {
        if (closedByUs) return;
        closedByUs = true;
        const detail = `WebSocket closed with code ${event.code}${event.reason ? ` (${event.reason})` : ''}`;
        if (!opened) events.onClose('connect-failed', detail);
        else events.onClose(event.wasClean ? 'peer-closed' : 'error', detail);
      });
      return {
        send(bytes) {
          ws.send(bytes);
        },
        close() {
          if (closedByUs) return;
          closedByUs = true;
          ws.close();
        },
      };
    },
  };
}
