import assert from 'node:assert/strict';
import { ChunkReader } from '../../src/chunk/index.ts';
import type { ChunkReaderOptions, RtmpMessage } from '../../src/chunk/index.ts';

export interface Received extends Omit<RtmpMessage, 'payload'> {
  payload: Buffer;
  chunkStreamId: number;
}

/** One onData call of a pass-through message, as the reader described it. */
export interface Piece {
  chunkStreamId: number;
  typeId: number;
  received: number;
  length: number;
  bytes: Buffer;
}

/**
 * A reader that records what it emits; Set Chunk Size and Abort messages (types 1 and 2) with a 4-byte payload are
 * applied as a session would. Messages of
 * `passThroughTypes` are rebuilt from their pieces (which must be contiguous and within the declared length), so
 * `messages` reads the same whichever types pass through.
 */
export function recordingReader(
  options: Omit<ChunkReaderOptions, 'onMessage' | 'passThrough'> = {},
  passThroughTypes: readonly number[] = [],
): { reader: ChunkReader; messages: Received[]; pieces: Piece[] } {
  const messages: Received[] = [];
  const pieces: Piece[] = [];
  const partial = new Map<number, Buffer[]>();
  const reader: ChunkReader = new ChunkReader({
    ...options,
    onMessage(message, chunkStreamId) {
      const payload = Buffer.from(message.payload);
      messages.push({ ...message, payload, chunkStreamId });
      if (payload.length < 4) return;
      if (message.typeId === 1) reader.chunkSize = payload.readUInt32BE(0);
      if (message.typeId === 2) reader.abort(payload.readUInt32BE(0));
    },
    passThrough: {
      typeIds: new Set(passThroughTypes),
      onData(message, data, start, end, chunkStreamId) {
        assert.ok(start >= 0 && start <= end && end <= data.length, `piece [${start}, ${end}) of ${data.length} bytes`);
        assert.ok(message.received + end - start <= message.length, 'piece beyond the message length');
        const parts = message.received === 0 ? [] : partial.get(chunkStreamId) ?? [];
        assert.equal(parts.reduce((sum, part) => sum + part.length, 0), message.received, 'pieces are contiguous');
        const bytes = Buffer.from(data.subarray(start, end));
        parts.push(bytes);
        pieces.push({ chunkStreamId, typeId: message.typeId, received: message.received, length: message.length, bytes });
        if (message.received + bytes.length < message.length) {
          partial.set(chunkStreamId, parts);
          return;
        }
        partial.delete(chunkStreamId);
        const { typeId, timestamp, messageStreamId } = message;
        messages.push({ typeId, timestamp, messageStreamId, payload: Buffer.concat(parts), chunkStreamId });
      },
    },
  });
  return { reader, messages, pieces };
}

export function bytes(hex: string): Buffer {
  return Buffer.from(hex.replace(/\s+/g, ''), 'hex');
}

export function filled(length: number, seed = 1): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}
