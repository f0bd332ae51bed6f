// Server-to-client WebSocket frames (RFC 6455 §5.2) and the wire constants both directions share.
//
// A push to 10k links is framed once and the same bytes written 10k times. A server frame is
// unmasked, and every frame is written whole in one call, so data frames and the control
// frames (pong, close) interleave safely on the socket.

export const WsOpcode = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

/** Close codes the gateway sends or reads (RFC 6455 §7.4.1). */
export const WsCloseCode = {
  normal: 1000,
  goingAway: 1001,
  protocolError: 1002,
  /** Never on the wire: stands for a close frame that carried no code. */
  noStatus: 1005,
  invalidPayload: 1007,
  policyViolation: 1008,
  messageTooBig: 1009,
} as const;

/** First header byte: this frame ends its message. */
export const FIN = 0x80;
export const MAX_CONTROL_PAYLOAD = 125;

/** Header of one final, unmasked binary frame carrying `payloadLength` bytes. */
export function binaryFrameHeader(payloadLength: number): Uint8Array {
  if (!Number.isInteger(payloadLength) || payloadLength < 0 || payloadLength > 0xffffffff) {
    throw new RangeError(`websocket payload length ${payloadLength} is out of range`);
  }
  const first = FIN | WsOpcode.binary;
  if (payloadLength < 126) return Uint8Array.of(first, payloadLength);
  if (payloadLength <= 0xffff) return Uint8Array.of(first, 126, payloadLength >>> 8, payloadLength & 0xff);
  const header = new Uint8Array(10);
  header[0] = first;
  header[1] = 127;
  // 64-bit length; the upper half is always zero for payloads the gateway can send.
  new DataView(header.buffer).setUint32(6, payloadLength);
  return header;
}

/** Header and payload in one buffer, for bytes written to many links. */
export function binaryFrame(payload: Uint8Array): Uint8Array {
  const header = binaryFrameHeader(payload.byteLength);
  const frame = new Uint8Array(header.byteLength + payload.byteLength);
  frame.set(header, 0);
  frame.set(payload, header.byteLength);
  return frame;
}

/** The answer to a ping: a pong carrying the ping's payload (RFC 6455 §5.5.3). */
export function pongFrame(payload: Uint8Array): Uint8Array {
  return controlFrame(WsOpcode.pong, payload);
}

/** A close frame; `noStatus` (1005) gives the empty payload that echoes a close without a code. */
export function closeFrame(code: number, reason: string): Uint8Array {
  if (code === WsCloseCode.noStatus) return controlFrame(WsOpcode.close, new Uint8Array(0));
  const text = new TextEncoder().encode(reason);
  const payload = new Uint8Array(2 + text.byteLength);
  payload[0] = code >>> 8;
  payload[1] = code & 0xff;
  payload.set(text, 2);
  return controlFrame(WsOpcode.close, payload);
}

function controlFrame(opcode: number, payload: Uint8Array): Uint8Array {
  if (payload.byteLength > MAX_CONTROL_PAYLOAD) {
    throw new RangeError(`control frame payload of ${payload.byteLength} bytes passes the ${MAX_CONTROL_PAYLOAD}-byte limit`);
  }
  const frame = new Uint8Array(2 + payload.byteLength);
  frame[0] = FIN | opcode;
  frame[1] = payload.byteLength;
  frame.set(payload, 2);
  return frame;
}
