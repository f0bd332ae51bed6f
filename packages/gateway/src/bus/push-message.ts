// What travels on the bus for a push: the cmdid and the body, so every node frames it with its
// own packer once per message rather than once per connection.

/** A bus message that cannot be a push (for example from a foreign publisher on a shared broker). */
export class PushMessageError extends Error {
  readonly code: 'push-message-truncated';
  constructor(message: string) {
    super(message);
    this.name = 'PushMessageError';
    this.code = 'push-message-truncated';
  }
}

export interface PushMessage {
  cmdid: number;
  body: Uint8Array;
}

/** Layout: cmdid as a big-endian uint32, then the body. */
export function encodePushMessage(cmdid: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + body.byteLength);
  new DataView(out.buffer).setUint32(0, cmdid >>> 0);
  out.set(body, 4);
  return out;
}

/** The body is a view into `message`, not a copy. */
export function decodePushMessage(message: Uint8Array): PushMessage {
  if (message.byteLength < 4) {
    throw new PushMessageError(`push message of ${message.byteLength} bytes is shorter than its 4-byte cmdid`);
  }
  return {
    cmdid: new DataView(message.buffer, message.byteOffset, 4).getUint32(0),
    body: message.subarray(4),
  };
}
