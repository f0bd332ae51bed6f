export { ChunkReader, DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MAX_ASSEMBLING_STREAMS, DEFAULT_MAX_CHUNK_STREAMS, DEFAULT_MAX_BUFFERED_BYTES } from './reader.ts';
export type { ChunkReaderOptions, MessageInProgress, PassThrough } from './reader.ts';
export { ChunkWriter } from './writer.ts';
export { serializeMessage } from './serialize.ts';
export type { SerializeOptions } from './serialize.ts';
export {
  ChunkStreamId, DEFAULT_CHUNK_SIZE, MAX_CHUNK_SIZE, MAX_CHUNK_STREAM_ID, MAX_MESSAGE_LENGTH, EXTENDED_TIMESTAMP, isValidChunkSize,
} from './types.ts';
export type { RtmpMessage } from './types.ts';
