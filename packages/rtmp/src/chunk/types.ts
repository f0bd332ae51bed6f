/** One RTMP message as the chunk stream carries it: a header (type, timestamp, stream) and opaque payload bytes. */
export interface RtmpMessage {
  typeId: number;
  /** Milliseconds, unsigned 32-bit: arithmetic on it wraps at 2^32 (49.7 days), as the protocol's does. */
  timestamp: number;
  messageStreamId: number;
  payload: Uint8Array;
}

/** Chunk size both directions use until a Set Chunk Size message says otherwise. */
export const DEFAULT_CHUNK_SIZE = 128;
/** Set Chunk Size carries 31 bits: bit 31 must be 0. */
export const MAX_CHUNK_SIZE = 0x7fffffff;
/** The 3-byte basic header reaches 65599; 0 and 1 are escapes, 2 is reserved for protocol control. */
export const MIN_CHUNK_STREAM_ID = 2;
export const MAX_CHUNK_STREAM_ID = 65599;
/** Largest length a chunk message header can express (24 bits). */
export const MAX_MESSAGE_LENGTH = 0xffffff;
/** Timestamp field value announcing a 4-byte extended timestamp. */
export const EXTENDED_TIMESTAMP = 0xffffff;

/**
 * Chunk stream ids livelink sends on. The server writes every message with a type-0 first chunk, so any of these
 * may be shared by the stateless fan-out (serializeMessage) and the session without header-state conflicts.
 */
export const ChunkStreamId = {
  /** Protocol control and user control messages (the spec reserves 2 for them). */
  Control: 2,
  /** Commands and their replies, including onStatus on message streams. */
  Command: 3,
  Audio: 4,
  /** Data messages: onMetaData, |RtmpSampleAccess. */
  Data: 5,
  Video: 6,
} as const;

export function isValidChunkSize(size: number): boolean {
  return Number.isInteger(size) && size >= 1 && size <= MAX_CHUNK_SIZE;
}
