// Client-to-server WebSocket frames (RFC 6455 §5), parsed as bytes arrive.
//
// A pure state machine: no socket, no timer. The gateway feeds it what the socket reads and
// answers its events. Every header is checked as soon as its bytes are in, so a frame that
// breaks a rule or claims more than maxPayload is refused before its payload is buffered.
// An idle link holds no buffer here: bytes are kept only while a frame or a fragmented
// message is incomplete, and only as many as have arrived.

import { FIN, MAX_CONTROL_PAYLOAD, WsCloseCode, WsOpcode } from './ws-frame.ts';

export type WsProtocolErrorCode =
  | 'unmasked-frame'
  | 'reserved-bits'
  | 'unknown-opcode'
  | 'bad-control-frame'
  | 'unexpected-continuation'
  | 'unfinished-message'
  | 'text-message'
  | 'message-too-large'
  | 'bad-length'
  | 'bad-close-frame'
  | 'invalid-utf8';

/** A client broke RFC 6455 or the link's rules; `closeCode` is what the close frame should carry. */
export class WsProtocolError extends Error {
  readonly code: WsProtocolErrorCode;
  readonly closeCode: number;

  constructor(code: WsProtocolErrorCode, closeCode: number, message: string) {
    super(message);
    this.name = 'WsProtocolError';
    this.code = code;
    this.closeCode = closeCode;
  }
}

/**
 * What a receiver reports. One object serves every link: `link` is handed back, so no link
 * needs a closure of its own. Payloads are views into the pushed chunk or into a buffer the
 * receiver assembled; a consumer that keeps a small part should copy it rather than pin the rest.
 */
export interface WsReceiverEvents<L> {
  /** A whole binary message, reassembled if it came in fragments. */
  message(link: L, data: Uint8Array): void;
  ping(link: L, payload: Uint8Array): void;
  pong(link: L, payload: Uint8Array): void;
  /** The peer's close frame; code is 1005 (no status) when it carried none. Nothing is parsed after it. */
  close(link: L, code: number, reason: string): void;
}

/** Enough of a header to know the frame's length: two bytes and a 64-bit extended length. */
const LENGTH_PREFIX_BYTES = 10;
/** Below this many payload bytes a byte loop beats setting up a word view. */
const WORD_UNMASK_MIN = 32;
/** frameLength result while the header is still incomplete. */
const INCOMPLETE = -1;
const RSV_BITS = 0x70;
const MASKED = 0x80;

const utf8 = new TextDecoder('utf-8', { fatal: true });

export class WsReceiver {
  readonly #maxPayload: number;
  /** Bytes (copies) of the frame being received; null between frames. */
  #pending: Uint8Array[] | null = null;
  #pendingBytes = 0;
  /** Total length of the pending frame, or INCOMPLETE while its header is. */
  #pendingFrameLength = INCOMPLETE;
  /** Unmasked payloads of a fragmented message so far; null when none is open. */
  #fragments: Uint8Array[] | null = null;
  #fragmentBytes = 0;
  #finished = false;

  /** `maxPayload` bounds a message, whether it comes whole or in fragments; at most 4 GiB - 1. */
  constructor(maxPayload: number) {
    if (!Number.isInteger(maxPayload) || maxPayload < 0 || maxPayload > 0xffffffff) {
      throw new RangeError(`maxPayload ${maxPayload} is not a byte count below 4 GiB`);
    }
    this.#maxPayload = maxPayload;
  }

  /** Bytes held while a frame or a fragmented message is incomplete; 0 on an idle link. */
  get bufferedBytes(): number {
    return this.#pendingBytes + this.#fragmentBytes;
  }

  /** True after a close frame or a protocol error: later bytes are ignored. */
  get finished(): boolean {
    return this.#finished;
  }

  /**
   * Parses `chunk` and reports every frame completed by it, in order. The receiver takes the
   * chunk over: payloads are unmasked in place. Throws WsProtocolError (after reporting the
   * frames before the bad one), after which the receiver is finished.
   */
  push<L>(chunk: Uint8Array, events: WsReceiverEvents<L>, link: L): void {
    if (this.#finished) return;
    let offset = 0;
    if (this.#pending !== null) {
      offset = this.#continuePending(chunk, events, link);
      if (this.#pending !== null || this.#finished) return;
    }
    while (offset < chunk.length) {
      const frameLength = this.#frameLength(chunk, offset, chunk.length);
      if (frameLength === INCOMPLETE || frameLength > chunk.length - offset) {
        this.#pending = [chunk.slice(offset)];
        this.#pendingBytes = chunk.length - offset;
        this.#pendingFrameLength = frameLength;
        return;
      }
      this.#frame(chunk, offset, events, link);
      if (this.#finished) return;
      offset += frameLength;
    }
  }

  /** Adds the start of `chunk` to the pending frame, handling the frame once whole; returns the bytes used. */
  #continuePending<L>(chunk: Uint8Array, events: WsReceiverEvents<L>, link: L): number {
    const pending = this.#pending as Uint8Array[];
    if (this.#pendingFrameLength === INCOMPLETE) {
      // The header straddles chunks: join just the few bytes that give the frame's length.
      const head = concat([...pending, chunk.subarray(0, LENGTH_PREFIX_BYTES - this.#pendingBytes)]);
      const frameLength = this.#frameLength(head, 0, head.length);
      if (frameLength === INCOMPLETE) {
        // LENGTH_PREFIX_BYTES always give the length, so the whole chunk is in `head`.
        this.#pending = [head];
        this.#pendingBytes = head.length;
        return chunk.length;
      }
      this.#pendingFrameLength = frameLength;
    }
    const used = Math.min(this.#pendingFrameLength - this.#pendingBytes, chunk.length);
    pending.push(chunk.slice(0, used));
    this.#pendingBytes += used;
    if (this.#pendingBytes < this.#pendingFrameLength) return used;
    const frame = concat(pending);
    this.#pending = null;
    this.#pendingBytes = 0;
    this.#pendingFrameLength = INCOMPLETE;
    this.#frame(frame, 0, events, link);
    return used;
  }

  /**
   * Checks the header at `offset` against RFC 6455 and the link's rules, given the receiver's
   * state before that frame, and returns the frame's total length, or INCOMPLETE.
   */
  #frameLength(bytes: Uint8Array, offset: number, end: number): number {
    if (end - offset < 2) return INCOMPLETE;
    const first = bytes[offset];
    const second = bytes[offset + 1];
    const opcode = first & 0x0f;
    // No extension is ever negotiated, so no reserved bit may be set (RFC 6455 §5.2).
    if ((first & RSV_BITS) !== 0) throw this.#fail('reserved-bits', WsCloseCode.protocolError, `reserved bits 0x${(first & RSV_BITS).toString(16)} set`);
    if ((second & MASKED) === 0) throw this.#fail('unmasked-frame', WsCloseCode.protocolError, 'client frame is not masked (RFC 6455 §5.1)');
    let length = second & 0x7f;
    if (opcode >= WsOpcode.close) {
      if (opcode > WsOpcode.pong) throw this.#fail('unknown-opcode', WsCloseCode.protocolError, `unknown opcode 0x${opcode.toString(16)}`);
      if ((first & FIN) === 0) throw this.#fail('bad-control-frame', WsCloseCode.protocolError, `control frame 0x${opcode.toString(16)} is fragmented`);
      if (length > MAX_CONTROL_PAYLOAD) {
        throw this.#fail('bad-control-frame', WsCloseCode.protocolError, `control frame 0x${opcode.toString(16)} claims more than ${MAX_CONTROL_PAYLOAD} bytes`);
      }
      return 6 + length;
    }
    if (opcode === WsOpcode.text) {
      // Same code the link client uses for a text message (docs/link-protocol.md §1).
      throw this.#fail('text-message', WsCloseCode.protocolError, 'text message on a binary link');
    }
    if (opcode === WsOpcode.continuation) {
      if (this.#fragments === null) throw this.#fail('unexpected-continuation', WsCloseCode.protocolError, 'continuation frame with no message to continue');
    } else if (opcode === WsOpcode.binary) {
      if (this.#fragments !== null) throw this.#fail('unfinished-message', WsCloseCode.protocolError, 'new message before the fragmented one finished');
    } else {
      throw this.#fail('unknown-opcode', WsCloseCode.protocolError, `unknown opcode 0x${opcode.toString(16)}`);
    }
    let headerLength = 6;
    if (length === 126) {
      if (end - offset < 4) return INCOMPLETE;
      length = (bytes[offset + 2] << 8) | bytes[offset + 3];
      headerLength = 8;
    } else if (length === 127) {
      if (end - offset < 10) return INCOMPLETE;
      const high = readUint32(bytes, offset + 2);
      if (high >= 0x80000000) throw this.#fail('bad-length', WsCloseCode.protocolError, '64-bit payload length has its top bit set');
      // Only compared with maxPayload, so precision past 2^53 does not matter.
      length = high * 2 ** 32 + readUint32(bytes, offset + 6);
      headerLength = 14;
    }
    if (length > this.#maxPayload - this.#fragmentBytes) {
      throw this.#fail('message-too-large', WsCloseCode.messageTooBig, `message of ${this.#fragmentBytes + length} bytes or more passes the ${this.#maxPayload}-byte limit`);
    }
    return headerLength + length;
  }

  /** Handles one whole frame at `offset`, whose header #frameLength has already accepted. */
  #frame<L>(bytes: Uint8Array, offset: number, events: WsReceiverEvents<L>, link: L): void {
    const first = bytes[offset];
    const lengthCode = bytes[offset + 1] & 0x7f;
    let length = lengthCode;
    let keyAt = offset + 2;
    if (lengthCode === 126) {
      length = (bytes[offset + 2] << 8) | bytes[offset + 3];
      keyAt += 2;
    } else if (lengthCode === 127) {
      // #frameLength held this under maxPayload, so the upper half is zero.
      length = readUint32(bytes, offset + 6);
      keyAt += 8;
    }
    const start = keyAt + 4;
    const end = start + length;
    unmask(bytes, start, end, keyAt);
    const payload = bytes.subarray(start, end);
    const fin = (first & FIN) !== 0;
    switch (first & 0x0f) {
      case WsOpcode.binary:
        if (fin) events.message(link, payload);
        else this.#openFragments(payload);
        return;
      case WsOpcode.continuation: {
        const fragments = this.#fragments as Uint8Array[];
        fragments.push(payload.slice());
        this.#fragmentBytes += length;
        if (!fin) return;
        const message = concat(fragments);
        this.#fragments = null;
        this.#fragmentBytes = 0;
        events.message(link, message);
        return;
      }
      case WsOpcode.ping:
        events.ping(link, payload);
        return;
      case WsOpcode.pong:
        events.pong(link, payload);
        return;
      case WsOpcode.close:
        this.#close(payload, events, link);
    }
  }

  #openFragments(payload: Uint8Array): void {
    // A copy: the rest of the message may take many chunks, and this one's bytes are the caller's.
    this.#fragments = [payload.slice()];
    this.#fragmentBytes = payload.length;
  }

  #close<L>(payload: Uint8Array, events: WsReceiverEvents<L>, link: L): void {
    if (payload.length === 0) {
      this.#finish();
      events.close(link, WsCloseCode.noStatus, '');
      return;
    }
    if (payload.length === 1) throw this.#fail('bad-close-frame', WsCloseCode.protocolError, 'close payload of 1 byte (a code takes 2)');
    const code = (payload[0] << 8) | payload[1];
    if (!isValidCloseCode(code)) throw this.#fail('bad-close-frame', WsCloseCode.protocolError, `close code ${code} may not be sent`);
    let reason: string;
    try {
      reason = utf8.decode(payload.subarray(2));
    } catch {
      throw this.#fail('invalid-utf8', WsCloseCode.invalidPayload, 'close reason is not UTF-8');
    }
    this.#finish();
    events.close(link, code, reason);
  }

  #fail(code: WsProtocolErrorCode, closeCode: number, message: string): WsProtocolError {
    this.#finish();
    return new WsProtocolError(code, closeCode, message);
  }

  /** Drops whatever was buffered: nothing after a close or an error is read. */
  #finish(): void {
    this.#finished = true;
    this.#pending = null;
    this.#pendingBytes = 0;
    this.#fragments = null;
    this.#fragmentBytes = 0;
  }
}

/** Close codes a peer may put in a close frame (RFC 6455 §7.4: 1004-1006 and 1015 are reserved). */
function isValidCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999);
}

// One word of scratch, shared: the masking key laid out in the platform's byte order.
const keyBytes = new Uint8Array(4);
const keyWord = new Uint32Array(keyBytes.buffer);

/**
 * XORs bytes[start, end) with the 4-byte key at bytes[keyAt] (RFC 6455 §5.3), in place. Long
 * payloads go four bytes at a time once aligned: every client frame passes through here.
 */
export function unmask(bytes: Uint8Array, start: number, end: number, keyAt: number): void {
  let i = start;
  if (end - start >= WORD_UNMASK_MIN) {
    const misaligned = (bytes.byteOffset + i) & 3;
    if (misaligned !== 0) {
      for (const stop = i + 4 - misaligned; i < stop; i++) bytes[i] ^= bytes[keyAt + ((i - start) & 3)];
    }
    for (let k = 0; k < 4; k++) keyBytes[k] = bytes[keyAt + ((i - start + k) & 3)];
    const key = keyWord[0];
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset + i, (end - i) >>> 2);
    for (let w = 0; w < words.length; w++) words[w] ^= key;
    i += words.length * 4;
  }
  for (; i < end; i++) bytes[i] ^= bytes[keyAt + ((i - start) & 3)];
}

function readUint32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const part of parts) total += part.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
