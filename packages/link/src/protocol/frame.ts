// Long-link framing compatible with Tencent Mars's default packer (longlink_packer.cc):
// five big-endian uint32 {head_length, client_version, cmdid, seq, body_length}, then
// `head_length - 20` option bytes (skipped), then the body. Pure bytes in, frames out:
// no sockets here, so the same code runs in Node and in browsers.

/** One long-link frame. The network layer never looks inside `body` (Mars's Req2Buf/Buf2Resp boundary). */
export interface LinkFrame {
  cmdid: number;
  /** Task id on requests and their responses; 0 marks a server push. */
  seq: number;
  body: Uint8Array;
  /** Filled in on decode; on encode the packer's configured version is used when absent. */
  clientVersion?: number;
}

export const HEADER_LENGTH = 20;
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;
/** Heartbeat ("noop"): cmdid 6, seq 0xFFFFFFFF, empty body; the server echoes it. */
export const NOOP_CMDID = 6;
export const NOOP_SEQ = 0xffffffff;
/** seq of a frame the server pushes without a request. */
export const PUSH_SEQ = 0;
/** seq Mars reserves for the identify (login) frame sent first on a new long link. */
export const IDENTIFY_SEQ = 0xfffffffe;
/** Mars's "signalling keeper" frame, kept for compatibility. */
export const SIGNAL_KEEP_CMDID = 243;

export type LinkProtocolErrorCode =
  | 'bad-header-length'
  | 'frame-too-large'
  | 'client-version-rejected'
  | 'bad-hello'
  | 'not-one-frame';

/** A peer sent bytes that cannot be a frame; the connection that sent them must be closed. */
export class LinkProtocolError extends Error {
  readonly code: LinkProtocolErrorCode;
  constructor(code: LinkProtocolErrorCode, message: string) {
    super(message);
    this.name = 'LinkProtocolError';
    this.code = code;
  }
}

/** Incremental decoder: feed it bytes as they arrive, get whole frames back. */
export interface FrameDecoder {
  /** Returns every frame completed by `bytes`; throws LinkProtocolError on bytes that cannot be a frame. */
  push(bytes: Uint8Array): LinkFrame[];
  /** Bytes held waiting for the rest of a frame. */
  readonly bufferedBytes: number;
  /**
   * The frame being received, once its header is in: lets the task layer see a response arrive
   * byte by byte (Mars's packet-to-packet timeout) before the frame is complete.
   */
  readonly partialFrame: PartialFrame | undefined;
}

export interface PartialFrame {
  cmdid: number;
  seq: number;
  receivedBytes: number;
  totalBytes: number;
}

/** The framing of a long link. Apps with their own header supply their own packer, as Mars allows. */
export interface LongLinkPacker {
  encode(frame: LinkFrame): Uint8Array;
  createDecoder(): FrameDecoder;
}

export interface MarsPackerOptions {
  /** Written into every encoded frame's header. Mars's samples use 200. */
  clientVersion?: number;
  /** Frames whose header plus body exceed this are refused (Mars: 1 MiB). */
  maxFrameBytes?: number;
  /** Decides whether a received client_version is acceptable; any version by default. */
  acceptClientVersion?: (version: number) => boolean;
}

export function isNoop(frame: LinkFrame): boolean {
  return frame.cmdid === NOOP_CMDID && frame.seq === NOOP_SEQ;
}

export function isPush(frame: LinkFrame): boolean {
  return frame.seq === PUSH_SEQ;
}

export function marsPacker(options: MarsPackerOptions = {}): LongLinkPacker {
  const clientVersion = options.clientVersion ?? 200;
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  const acceptClientVersion = options.acceptClientVersion ?? (() => true);

  return {
    encode(frame) {
      const total = HEADER_LENGTH + frame.body.byteLength;
      if (total > maxFrameBytes) {
        throw new LinkProtocolError('frame-too-large', `frame of ${total} bytes exceeds the ${maxFrameBytes}-byte limit`);
      }
      const out = new Uint8Array(total);
      const view = new DataView(out.buffer);
      view.setUint32(0, HEADER_LENGTH);
      view.setUint32(4, (frame.clientVersion ?? clientVersion) >>> 0);
      view.setUint32(8, frame.cmdid >>> 0);
      view.setUint32(12, frame.seq >>> 0);
      view.setUint32(16, frame.body.byteLength);
      out.set(frame.body, HEADER_LENGTH);
      return out;
    },
    createDecoder() {
      return new MarsFrameDecoder(maxFrameBytes, acceptClientVersion);
    },
  };
}

class MarsFrameDecoder implements FrameDecoder {
  readonly #maxFrameBytes: number;
  readonly #acceptClientVersion: (version: number) => boolean;
  /** Unconsumed bytes; chunks are only concatenated while a frame straddles them. */
  #pending: Uint8Array = new Uint8Array(0);

  constructor(maxFrameBytes: number, acceptClientVersion: (version: number) => boolean) {
    this.#maxFrameBytes = maxFrameBytes;
    this.#acceptClientVersion = acceptClientVersion;
  }

  get bufferedBytes(): number {
    return this.#pending.byteLength;
  }

  get partialFrame(): PartialFrame | undefined {
    if (this.#pending.byteLength < HEADER_LENGTH) return undefined;
    // push() already validated this header, so the sum is within the frame limit.
    const view = new DataView(this.#pending.buffer, this.#pending.byteOffset, HEADER_LENGTH);
    return {
      cmdid: view.getUint32(8),
      seq: view.getUint32(12),
      receivedBytes: this.#pending.byteLength,
      totalBytes: view.getUint32(0) + view.getUint32(16),
    };
  }

  push(bytes: Uint8Array): LinkFrame[] {
    let data = this.#pending.byteLength === 0 ? bytes : concat(this.#pending, bytes);
    const frames: LinkFrame[] = [];
    let offset = 0;
    while (data.byteLength - offset >= HEADER_LENGTH) {
      const view = new DataView(data.buffer, data.byteOffset + offset, HEADER_LENGTH);
      const headLength = view.getUint32(0);
      const clientVersion = view.getUint32(4);
      const bodyLength = view.getUint32(16);
      if (headLength < HEADER_LENGTH) {
        throw new LinkProtocolError('bad-header-length', `header length ${headLength} is below ${HEADER_LENGTH}`);
      }
      const total = headLength + bodyLength;
      if (total > this.#maxFrameBytes) {
        throw new LinkProtocolError('frame-too-large', `frame of ${total} bytes exceeds the ${this.#maxFrameBytes}-byte limit`);
      }
      if (!this.#acceptClientVersion(clientVersion)) {
        throw new LinkProtocolError('client-version-rejected', `client version ${clientVersion} is not accepted`);
      }
      if (data.byteLength - offset < total) break;
      frames.push({
        clientVersion,
        cmdid: view.getUint32(8),
        seq: view.getUint32(12),
        // A copy, so a frame kept by the app never pins a large socket read buffer. Through
        // Uint8Array's own slice: a Node Buffer's slice() would return a view instead.
        body: copyOf(data, offset + headLength, offset + total),
      });
      offset += total;
    }
    this.#pending = offset === data.byteLength ? new Uint8Array(0) : copyOf(data, offset, data.byteLength);
    return frames;
  }
}

function copyOf(bytes: Uint8Array, start: number, end: number): Uint8Array {
  return Uint8Array.prototype.slice.call(bytes, start, end);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a, 0);
  out.set(b, a.byteLength);
  return out;
}
