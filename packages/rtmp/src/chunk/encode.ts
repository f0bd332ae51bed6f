// Chunk encoding shared by the stateless serializer and the stateful writer: one allocation per message, sized
// up front, with every continuation chunk written as type 3.

import { EXTENDED_TIMESTAMP, MAX_CHUNK_STREAM_ID, MAX_MESSAGE_LENGTH, MIN_CHUNK_STREAM_ID, isValidChunkSize } from './types.ts';
import type { RtmpMessage } from './types.ts';

export type ChunkFormat = 0 | 1 | 2 | 3;

const MESSAGE_HEADER_SIZE: Record<ChunkFormat, number> = { 0: 11, 1: 7, 2: 3, 3: 0 };

export function basicHeaderSize(chunkStreamId: number): number {
  return chunkStreamId < 64 ? 1 : chunkStreamId < 320 ? 2 : 3;
}

/** Smallest basic header that holds the id, as the spec asks. Returns the offset after it. */
export function writeBasicHeader(out: Uint8Array, offset: number, format: ChunkFormat, chunkStreamId: number): number {
  if (chunkStreamId < 64) {
    out[offset] = (format << 6) | chunkStreamId;
    return offset + 1;
  }
  const id = chunkStreamId - 64;
  if (chunkStreamId < 320) {
    out[offset] = format << 6;
    out[offset + 1] = id;
    return offset + 2;
  }
  out[offset] = (format << 6) | 1;
  out[offset + 1] = id & 0xff;
  out[offset + 2] = id >>> 8;
  return offset + 3;
}

export function checkChunkSize(chunkSize: number): void {
  if (!isValidChunkSize(chunkSize)) throw new RangeError(`chunk size ${chunkSize} is outside 1..2147483647`);
}

export function checkChunkStreamId(chunkStreamId: number): void {
  if (!Number.isInteger(chunkStreamId) || chunkStreamId < MIN_CHUNK_STREAM_ID || chunkStreamId > MAX_CHUNK_STREAM_ID) {
    throw new RangeError(`chunk stream id ${chunkStreamId} is outside ${MIN_CHUNK_STREAM_ID}..${MAX_CHUNK_STREAM_ID}`);
  }
}

/**
 * Encodes `message` as chunks. `field` is the timestamp (fmt 0) or delta (fmt 1/2, and what a fmt-3 first chunk
 * inherits); when it does not fit in 24 bits it travels as an extended timestamp, repeated in every type-3
 * continuation chunk as the spec says and ffmpeg/Flash expect.
 */
export function encodeChunks(
  message: RtmpMessage, format: ChunkFormat, field: number, chunkStreamId: number, chunkSize: number,
): Buffer {
  const { payload } = message;
  const length = payload.byteLength;
  if (length > MAX_MESSAGE_LENGTH) throw new RangeError(`message of ${length} bytes exceeds the 24-bit length field`);
  const extended = field >= EXTENDED_TIMESTAMP;
  const basic = basicHeaderSize(chunkStreamId);
  const extendedSize = extended ? 4 : 0;
  const chunks = length === 0 ? 1 : Math.ceil(length / chunkSize);
  const out = Buffer.allocUnsafe(basic + MESSAGE_HEADER_SIZE[format] + extendedSize + length + (chunks - 1) * (basic + extendedSize));

  let offset = writeBasicHeader(out, 0, format, chunkStreamId);
  if (format !== 3) {
    out.writeUIntBE(extended ? EXTENDED_TIMESTAMP : field, offset, 3);
    offset += 3;
  }
  if (format === 0 || format === 1) {
    out.writeUIntBE(length, offset, 3);
    out[offset + 3] = message.typeId;
    offset += 4;
  }
  if (format === 0) {
    // The only little-endian field in RTMP.
    out.writeUInt32LE(message.messageStreamId >>> 0, offset);
    offset += 4;
  }
  if (extended) offset = out.writeUInt32BE(field, offset);

  let sent = Math.min(chunkSize, length);
  out.set(payload.subarray(0, sent), offset);
  offset += sent;
  while (sent < length) {
    offset = writeBasicHeader(out, offset, 3, chunkStreamId);
    if (extended) offset = out.writeUInt32BE(field, offset);
    const size = Math.min(chunkSize, length - sent);
    out.set(payload.subarray(sent, sent + size), offset);
    offset += size;
    sent += size;
  }
  return out;
}
