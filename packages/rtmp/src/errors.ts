// One error type for everything a peer can do wrong. The I/O edge closes the connection with `code` as the reason,
// so codes name the kind of fault, and messages carry the specific values that broke the rule.

export type RtmpErrorCode =
  /** C0 version other than 3, or a complex-handshake S1 whose digest does not verify (client side). */
  | 'handshake-failed'
  /** A chunk header that cannot follow the chunk stream's previous state (e.g. fmt 3 on a fresh chunk stream). */
  | 'bad-chunk'
  /** A message header declares a length above the configured maximum. */
  | 'message-too-large'
  /** Set Chunk Size of 0 or with bit 31 set. */
  | 'bad-chunk-size'
  /** More chunk streams in use (or assembling at once) than the configured maximum. */
  | 'too-many-chunk-streams'
  /** Partially assembled messages would hold more bytes than the configured maximum. */
  | 'buffer-limit'
  /** A message whose payload does not match its type (short control message, malformed aggregate...). */
  | 'bad-message'
  /** A command message without a name or transaction id, or a command with unusable arguments. */
  | 'bad-command'
  /** The AMF inside a command or data message does not decode. */
  | 'amf'
  /** Well-formed messages in an order the protocol forbids (commands before connect, a second connect...). */
  | 'protocol-violation'
  /** The peer created more message streams than the session allows. */
  | 'too-many-streams';

export class RtmpError extends Error {
  readonly code: RtmpErrorCode;
  constructor(code: RtmpErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RtmpError';
    this.code = code;
  }
}
