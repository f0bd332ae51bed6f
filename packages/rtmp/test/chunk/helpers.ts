import { ChunkReader } from '../../src/chunk/index.ts';
import type { ChunkReaderOptions, RtmpMessage } from '../../src/chunk/index.ts';

export interface Received extends Omit<RtmpMessage, 'payload'> {
  payload: Buffer;
  chunkStreamId: number;
}

/** A reader that records what it emits; Set Chunk Size messages (type 1) are applied as a session would. */
export function recordingReader(options: Omit<ChunkReaderOptions, 'onMessage'> = {}): { reader: ChunkReader; messages: Received[] } {
  const messages: Received[] = [];
  const reader: ChunkReader = new ChunkReader({
    ...options,
    onMessage(message, chunkStreamId) {
      messages.push({ ...message, payload: Buffer.from(message.payload), chunkStreamId });
      if (message.typeId === 1) reader.chunkSize = Buffer.from(message.payload).readUInt32BE(0);
    },
  });
  return { reader, messages };
}

export function bytes(hex: string): Buffer {
  return Buffer.from(hex.replace(/\s+/g, ''), 'hex');
}

export function filled(length: number, seed = 1): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}
