// The only thing the link core knows about sockets. Adapters (TCP, WebSocket, test fakes) are thin:
// they move bytes and report open/close; framing, timeouts and retries live in the core.

/** Why a connection ended, as far as the carrier can tell. */
export type CloseReason =
  /** The connection never opened (refused, unreachable, DNS). */
  | 'connect-failed'
  /** The peer closed an open connection in an orderly way. */
  | 'peer-closed'
  /** The connection broke (reset, read/write error). */
  | 'error';

export interface TransportEvents {
  onOpen(): void;
  onData(bytes: Uint8Array): void;
  /** Called exactly once per connection, unless the core closed it itself. */
  onClose(reason: CloseReason, detail: string): void;
}

export interface TransportConnection {
  send(bytes: Uint8Array): void;
  /** Close from our side; no onClose follows. */
  close(): void;
}

export interface LongLinkTransport {
  /**
   * `stream`: onData delivers arbitrary slices of a byte stream (TCP).
   * `message`: every onData is exactly one frame (WebSocket binary messages).
   */
  readonly framing: 'stream' | 'message';
  /** Starts connecting; `address` is carrier-specific ("host:port" for TCP, a URL for WebSocket). */
  connect(address: string, events: TransportEvents): TransportConnection;
}
