// Stateful chunk writer with header compression (fmt 1/2/3 when the previous message on the same chunk stream
// allows it), for connections whose every byte goes through one writer: the client session's publisher path.
// Never share its chunk stream ids with serializeMessage output on the same connection.

import { checkChunkSize, checkChunkStreamId, encodeChunks } from './encode.ts';
import type { ChunkFormat } from './encode.ts';
import { DEFAULT_CHUNK_SIZE } from './types.ts';
import type { RtmpMessage } from './types.ts';

interface SentHeader {
  timestamp: number;
  /** What a following fmt-3 message inherits: the fmt-0 timestamp or the fmt-1/2 delta. */
  delta: number;
  length: number;
  typeId: number;
  messageStreamId: number;
}

export class ChunkWriter {
  #chunkSize = DEFAULT_CHUNK_SIZE;
  readonly #sent = new Map<number, SentHeader>();

  get chunkSize(): number {
    return this.#chunkSize;
  }

  /** Call after sending Set Chunk Size: later messages are split at the new size. */
  set chunkSize(size: number) {
    checkChunkSize(size);
    this.#chunkSize = size;
  }

  write(message: RtmpMessage, chunkStreamId: number): Buffer {
    checkChunkStreamId(chunkStreamId);
    const timestamp = message.timestamp >>> 0;
    const length = message.payload.byteLength;
    const previous = this.#sent.get(chunkStreamId);
    let format: ChunkFormat;
    let delta: number;
    // Backwards timestamps get a fresh absolute header: the spec requires fmt 0 there, and readers that treat
    // deltas as signed would otherwise disagree with those that wrap them.
    if (previous === undefined || previous.messageStreamId !== message.messageStreamId || timestamp < previous.timestamp) {
      format = 0;
      delta = timestamp;
    } else {
      delta = timestamp - previous.timestamp;
      if (previous.length !== length || previous.typeId !== message.typeId) format = 1;
      else if (previous.delta !== delta) format = 2;
      else format = 3;
    }
    this.#sent.set(chunkStreamId, { timestamp, delta, length, typeId: message.typeId, messageStreamId: message.messageStreamId });
    return encodeChunks(message, format, format === 0 ? timestamp : delta, chunkStreamId, this.#chunkSize);
  }
}
