// Server-to-client WebSocket data frames (RFC 6455 §5.2), written by the gateway itself.
//
// ws still does the upgrade, parses what clients send (masking, fragmentation, control
// frames) and runs the close handshake; the gateway only frames what it sends. ws has no
// prepared-message API, and a push to 10k links should be framed once and written 10k times,
// not framed 10k times. A server frame is unmasked, and with permessage-deflate off ws never
// holds a partial frame between calls, so whole frames written here interleave safely with
// the control frames ws writes (pongs, close).

const FIN_BINARY = 0x82;

/** Header of one final, unmasked binary frame carrying `payloadLength` bytes. */
export function binaryFrameHeader(payloadLength: number): Uint8Array {
  if (!Number.isInteger(payloadLength) || payloadLength < 0 || payloadLength > 0xffffffff) {
    throw new RangeError(`websocket payload length ${payloadLength} is out of range`);
  }
  if (payloadLength < 126) return Uint8Array.of(FIN_BINARY, payloadLength);
  if (payloadLength <= 0xffff) return Uint8Array.of(FIN_BINARY, 126, payloadLength >>> 8, payloadLength & 0xff);
  const header = new Uint8Array(10);
  header[0] = FIN_BINARY;
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
