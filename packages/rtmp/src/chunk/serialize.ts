import { checkChunkSize, checkChunkStreamId, encodeChunks } from './encode.ts';
import type { RtmpMessage } from './types.ts';

export interface SerializeOptions {
  /** The chunk size announced to the receiving peer. */
  chunkSize: number;
  chunkStreamId: number;
}

/**
 * Stateless serialisation: a type-0 first chunk (absolute timestamp, so the bytes do not depend on what the
 * connection sent before) and type-3 continuations. The same Buffer can therefore be written to every player
 * with the same chunk size and message stream id. Timestamps are taken modulo 2^32.
 */
export function serializeMessage(message: RtmpMessage, options: SerializeOptions): Buffer {
  checkChunkSize(options.chunkSize);
  checkChunkStreamId(options.chunkStreamId);
  return encodeChunks(message, 0, message.timestamp >>> 0, options.chunkStreamId, options.chunkSize);
}
