// Incremental chunk stream reader: bytes in, whole messages out through a callback. Chunk data is copied straight
// into the message being assembled; only an incomplete chunk header (at most 18 bytes) is carried between calls.
// Messages of the pass-through types are not assembled at all: their chunk data is handed on as it arrives.
// Every length is checked against the limits before anything is allocated, and a message's buffer grows with
// the bytes that actually arrived, so a header claiming 16 MiB costs nothing until 16 MiB are sent.

import { RtmpError } from '../errors.ts';
import { DEFAULT_CHUNK_SIZE, EXTENDED_TIMESTAMP, isValidChunkSize } from './types.ts';
import type { RtmpMessage } from './types.ts';

export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
export const DEFAULT_MAX_ASSEMBLING_STREAMS = 64;
export const DEFAULT_MAX_CHUNK_STREAMS = 1024;
export const DEFAULT_MAX_BUFFERED_BYTES = 32 * 1024 * 1024;
/** Messages above this grow their buffer as data arrives instead of allocating the declared length at once. */
const EAGER_ALLOCATION_BYTES = 64 * 1024;

export interface ChunkReaderOptions {
  /** Called synchronously for each complete message, in stream order. May change `chunkSize` or call `abort`. */
  onMessage(message: RtmpMessage, chunkStreamId: number): void;
  /** Largest message length a header may declare (default 16 MiB). */
  maxMessageBytes?: number;
  /** Most chunk streams with a partly received message at once (default 64). */
  maxAssemblingStreams?: number;
  /** Most distinct chunk stream ids over the connection's life (default 1024). */
  maxChunkStreams?: number;
  /** Most bytes held in partly received messages, all chunk streams together (default 32 MiB). */
  maxBufferedBytes?: number;
  /**
   * Message types (e.g. audio and video) whose payloads are not assembled: for a reader that only looks at a few
   * bytes of each, such as a load generator's players, a copy and an allocation per message would dominate its cost.
   */
  passThrough?: PassThrough;
}

export interface PassThrough {
  typeIds: ReadonlySet<number>;
  /**
   * Called for every piece of a pass-through message's data, in order, as soon as it arrives: `data[start..end)`
   * is message bytes `received..received + end - start`, and the piece that reaches `length` completes it (a
   * zero-length message comes as one empty piece). `data` and `message` are only valid during the call. Must not
   * call `abort` or `push`; may change `chunkSize`.
   */
  onData(message: Readonly<MessageInProgress>, data: Buffer, start: number, end: number, chunkStreamId: number): void;
}

/** The header of a message being read, and how many of its payload bytes came before the current piece. */
export interface MessageInProgress {
  typeId: number;
  timestamp: number;
  messageStreamId: number;
  length: number;
  received: number;
}

/** Header state one chunk stream keeps for the chunks after it, plus the message being read on it. */
interface ChunkStream extends MessageInProgress {
  /** Added to `timestamp` by a type-3 chunk that starts a new message. */
  delta: number;
  /** Extended timestamp field of the last type 0/1/2 header, or -1 when that header had none. */
  extendedField: number;
  /** The message being assembled, or null. */
  payload: Buffer | null;
  /** A pass-through message is partly read (it has no payload buffer). */
  passing: boolean;
}

const inMessage = (stream: ChunkStream): boolean => stream.payload !== null || stream.passing;

const NO_BYTES = Buffer.alloc(0);
const MESSAGE_HEADER_SIZE = [11, 7, 3, 0];

export class ChunkReader {
  readonly #onMessage: ChunkReaderOptions['onMessage'];
  readonly #maxMessageBytes: number;
  readonly #maxAssembling: number;
  readonly #maxStreams: number;
  readonly #maxBuffered: number;
  readonly #passThrough: PassThrough | null;
  readonly #streams = new Map<number, ChunkStream>();
  #chunkSize = DEFAULT_CHUNK_SIZE;
  #carry: Buffer = NO_BYTES;
  /** Chunk stream whose chunk data is being read, and how many bytes of that chunk are still to come. */
  #current: ChunkStream | null = null;
  #currentId = 0;
  #chunkLeft = 0;
  #assembling = 0;
  #buffered = 0;

  constructor(options: ChunkReaderOptions) {
    this.#onMessage = options.onMessage;
    this.#maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.#maxAssembling = options.maxAssemblingStreams ?? DEFAULT_MAX_ASSEMBLING_STREAMS;
    this.#maxStreams = options.maxChunkStreams ?? DEFAULT_MAX_CHUNK_STREAMS;
    this.#maxBuffered = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    this.#passThrough = options.passThrough ?? null;
  }

  get chunkSize(): number {
    return this.#chunkSize;
  }

  /** Applies the peer's Set Chunk Size to the chunks after the current one. */
  set chunkSize(size: number) {
    if (!isValidChunkSize(size)) {
      throw new RtmpError('bad-chunk-size', `Set Chunk Size ${size} is outside 1..2147483647`);
    }
    this.#chunkSize = size;
  }

  /** Bytes held for partly received messages and an incomplete chunk header. */
  get bufferedBytes(): number {
    return this.#buffered + this.#carry.length;
  }

  /** Abort Message: drops the partly received message on `chunkStreamId`, if any (a pass-through one just ends). */
  abort(chunkStreamId: number): void {
    const stream = this.#streams.get(chunkStreamId);
    if (stream?.payload) this.#release(stream);
    else if (stream !== undefined) stream.passing = false;
  }

  push(bytes: Uint8Array): void {
    let data = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (this.#carry.length > 0) {
      // Rare (a header split across reads), so one concatenation is cheaper than a second parsing path.
      data = Buffer.concat([this.#carry, data]);
      this.#carry = NO_BYTES;
    }
    let offset = 0;
    while (offset < data.length) {
      if (this.#current === null) {
        const used = this.#readHeader(data, offset);
        if (used === 0) {
          this.#carry = Buffer.from(data.subarray(offset));
          return;
        }
        offset += used;
        continue;
      }
      const current = this.#current;
      const size = Math.min(this.#chunkLeft, data.length - offset);
      if (current.passing) {
        this.#passThrough!.onData(current, data, offset, offset + size, this.#currentId);
        current.received += size;
      } else {
        this.#append(current, data, offset, size);
      }
      offset += size;
      this.#chunkLeft -= size;
      if (this.#chunkLeft === 0) this.#endChunk();
    }
  }

  /** Parses the chunk header at `offset`. Returns the bytes it used, or 0 (state untouched) if more are needed. */
  #readHeader(data: Buffer, offset: number): number {
    const available = data.length - offset;
    const format = data[offset] >>> 6;
    let chunkStreamId = data[offset] & 0x3f;
    let position = offset + 1;
    if (chunkStreamId === 0) {
      if (available < 2) return 0;
      chunkStreamId = data[position] + 64;
      position += 1;
    } else if (chunkStreamId === 1) {
      if (available < 3) return 0;
      chunkStreamId = data[position + 1] * 256 + data[position] + 64;
      position += 2;
    }
    const headerSize = MESSAGE_HEADER_SIZE[format];
    if (data.length < position + headerSize) return 0;

    const stream = this.#streams.get(chunkStreamId);
    const continuing = stream !== undefined && inMessage(stream);
    if (format !== 3 && continuing) {
      throw new RtmpError('bad-chunk', `type-${format} header on chunk stream ${chunkStreamId} while its message has ${stream.received} of ${stream.length} bytes`);
    }
    if (stream === undefined && format >= 2) {
      throw new RtmpError('bad-chunk', `type-${format} chunk on chunk stream ${chunkStreamId}, which never had a type-0 header`);
    }

    const field = format === 3 ? 0 : data.readUIntBE(position, 3);
    let extendedField = -1;
    let headerEnd = position + headerSize;
    if (format !== 3 && field === EXTENDED_TIMESTAMP) {
      if (data.length < headerEnd + 4) return 0;
      extendedField = data.readUInt32BE(headerEnd);
      headerEnd += 4;
    } else if (format === 3 && stream !== undefined && stream.extendedField >= 0) {
      // The spec puts the extended timestamp in type-3 chunks too, but librtmp (and OBS before 2024) left it out.
      // Peek: the 4 bytes are the extended timestamp only if they repeat the header's value (as SRS does).
      if (data.length < headerEnd + 4) return 0;
      if (data.readUInt32BE(headerEnd) === stream.extendedField) headerEnd += 4;
    }

    if (format === 3) {
      const next = continuing ? stream.timestamp : (stream!.timestamp + stream!.delta) >>> 0;
      this.#startMessage(stream!, chunkStreamId, next);
    } else {
      const length = format === 2 ? stream!.length : data.readUIntBE(position + 3, 3);
      if (length > this.#maxMessageBytes) {
        throw new RtmpError('message-too-large', `message of ${length} bytes on chunk stream ${chunkStreamId} exceeds the ${this.#maxMessageBytes}-byte limit`);
      }
      const value = extendedField >= 0 ? extendedField : field;
      const target = stream ?? this.#addStream(chunkStreamId);
      if (format === 0) {
        target.messageStreamId = data.readUInt32LE(position + 7);
        target.delta = value;
        target.timestamp = value;
      } else {
        // A type-1 header on a fresh chunk stream is accepted (librtmp starts pings that way): its base is 0.
        target.delta = value;
        target.timestamp = (target.timestamp + value) >>> 0;
      }
      if (format !== 2) {
        target.length = length;
        target.typeId = data[position + 6];
      }
      target.extendedField = extendedField;
      this.#startMessage(target, chunkStreamId, target.timestamp);
    }
    return headerEnd - offset;
  }

  #addStream(chunkStreamId: number): ChunkStream {
    if (this.#streams.size >= this.#maxStreams) {
      throw new RtmpError('too-many-chunk-streams', `chunk stream ${chunkStreamId} would be the ${this.#streams.size + 1}th; the limit is ${this.#maxStreams}`);
    }
    const stream: ChunkStream = {
      timestamp: 0, delta: 0, length: 0, typeId: 0, messageStreamId: 0, extendedField: -1, payload: null, received: 0, passing: false,
    };
    this.#streams.set(chunkStreamId, stream);
    return stream;
  }

  /** Sets up reading of the chunk data after a header (new message or continuation). */
  #startMessage(stream: ChunkStream, chunkStreamId: number, timestamp: number): void {
    if (!inMessage(stream)) {
      stream.timestamp = timestamp;
      stream.received = 0;
      const passThrough = this.#passThrough !== null && this.#passThrough.typeIds.has(stream.typeId);
      if (stream.length === 0) {
        if (passThrough) this.#passThrough!.onData(stream, NO_BYTES, 0, 0, chunkStreamId);
        else this.#emit(stream, chunkStreamId, NO_BYTES);
        return;
      }
      // A pass-through message holds no buffer, so neither the assembling nor the buffered-bytes limit applies.
      if (passThrough) stream.passing = true;
      else this.#allocate(stream, chunkStreamId);
    }
    this.#current = stream;
    this.#currentId = chunkStreamId;
    this.#chunkLeft = Math.min(this.#chunkSize, stream.length - stream.received);
  }

  #allocate(stream: ChunkStream, chunkStreamId: number): void {
    if (this.#assembling >= this.#maxAssembling) {
      throw new RtmpError('too-many-chunk-streams', `more than ${this.#maxAssembling} chunk streams carry partly received messages`);
    }
    const size = Math.min(stream.length, EAGER_ALLOCATION_BYTES);
    this.#reserve(size, chunkStreamId);
    stream.payload = Buffer.allocUnsafe(size);
    this.#assembling += 1;
  }

  #reserve(size: number, chunkStreamId: number): void {
    if (this.#buffered + size > this.#maxBuffered) {
      throw new RtmpError('buffer-limit', `partly received messages would hold ${this.#buffered + size} bytes (chunk stream ${chunkStreamId}); the limit is ${this.#maxBuffered}`);
    }
    this.#buffered += size;
  }

  #append(stream: ChunkStream, data: Buffer, offset: number, size: number): void {
    let payload = stream.payload!;
    if (stream.received + size > payload.length) {
      // Doubling keeps the copies linear in the message size.
      const capacity = Math.min(stream.length, Math.max(payload.length * 2, stream.received + size));
      this.#reserve(capacity - payload.length, this.#currentId);
      payload = Buffer.allocUnsafe(capacity);
      stream.payload!.copy(payload, 0, 0, stream.received);
      stream.payload = payload;
    }
    data.copy(payload, stream.received, offset, offset + size);
    stream.received += size;
  }

  #endChunk(): void {
    const stream = this.#current!;
    this.#current = null;
    if (stream.received !== stream.length) return;
    if (stream.passing) {
      stream.passing = false;
    } else {
      const payload = stream.payload!;
      this.#release(stream);
      this.#emit(stream, this.#currentId, payload);
    }
  }

  #release(stream: ChunkStream): void {
    this.#buffered -= stream.payload!.length;
    this.#assembling -= 1;
    stream.payload = null;
  }

  #emit(stream: ChunkStream, chunkStreamId: number, payload: Buffer): void {
    this.#onMessage({ typeId: stream.typeId, timestamp: stream.timestamp, messageStreamId: stream.messageStreamId, payload }, chunkStreamId);
  }
}
