// The part of a connection both sessions share once the handshake is over: chunk reader and writer, the
// protocol control messages that only concern the transport (chunk size, abort, acknowledgement window, peer
// bandwidth, ping), and the byte count behind Acknowledgements. Everything else goes up to the session.

import { ChunkReader } from '../chunk/reader.ts';
import { ChunkWriter } from '../chunk/writer.ts';
import { serializeMessage } from '../chunk/serialize.ts';
import { ChunkStreamId, DEFAULT_CHUNK_SIZE } from '../chunk/types.ts';
import type { RtmpMessage } from '../chunk/types.ts';
import { acknowledgementMessage, setChunkSizeMessage, userControlMessage, windowAckSizeMessage } from '../message/control.ts';
import { decodeMessage } from '../message/decode.ts';
import type { DecodedMessage } from '../message/decode.ts';
import { MessageType } from '../message/types.ts';

/** Reader limits a session passes through to its chunk reader (see ChunkReaderOptions for defaults). */
export interface ChannelLimits {
  maxMessageBytes?: number;
  maxAssemblingStreams?: number;
  maxChunkStreams?: number;
  maxBufferedBytes?: number;
}

export interface ChannelOptions extends ChannelLimits {
  send(bytes: Buffer): void;
  /**
   * true: header compression through one ChunkWriter (every byte of the connection must come from it).
   * false: every message starts with a type-0 chunk, so bytes from serializeMessage may be interleaved freely.
   */
  compress: boolean;
  /** Messages the channel does not consume, in order. Never called for protocol control it handled. */
  onMessage(message: DecodedMessage): void;
}

export class MessageChannel {
  readonly #send: (bytes: Buffer) => void;
  readonly #onMessage: (message: DecodedMessage) => void;
  readonly #reader: ChunkReader;
  readonly #writer: ChunkWriter | null;
  #outChunkSize = DEFAULT_CHUNK_SIZE;
  /** The last Window Acknowledgement Size we sent, compared against the peer's Set Peer Bandwidth. */
  #announcedWindow: number | null = null;
  #bytesReceived = 0;
  #bytesAtLastAck = 0;
  /** The peer's Window Acknowledgement Size; 0 until it sends one, and we only acknowledge once it has. */
  #peerWindow = 0;
  #peerAcknowledged = 0;

  constructor(options: ChannelOptions) {
    this.#send = options.send;
    this.#onMessage = options.onMessage;
    this.#writer = options.compress ? new ChunkWriter() : null;
    this.#reader = new ChunkReader({
      maxMessageBytes: options.maxMessageBytes,
      maxAssemblingStreams: options.maxAssemblingStreams,
      maxChunkStreams: options.maxChunkStreams,
      maxBufferedBytes: options.maxBufferedBytes,
      onMessage: (message) => this.#dispatch(decodeMessage(message)),
    });
  }

  get outChunkSize(): number {
    return this.#outChunkSize;
  }

  get inChunkSize(): number {
    return this.#reader.chunkSize;
  }

  /** Bytes counted for Acknowledgements (the session includes its handshake bytes). */
  get bytesReceived(): number {
    return this.#bytesReceived;
  }

  /** Bytes held for partly received messages. */
  get bufferedBytes(): number {
    return this.#reader.bufferedBytes;
  }

  /** Sequence number of the peer's last Acknowledgement: how much of what we sent it has read. */
  get peerAcknowledged(): number {
    return this.#peerAcknowledged;
  }

  countReceived(byteCount: number): void {
    this.#bytesReceived += byteCount;
  }

  receive(bytes: Buffer): void {
    this.countReceived(bytes.length);
    this.#reader.push(bytes);
    this.#acknowledge();
  }

  write(message: RtmpMessage, chunkStreamId: number): void {
    this.#send(this.#writer === null
      ? serializeMessage(message, { chunkSize: this.#outChunkSize, chunkStreamId })
      : this.#writer.write(message, chunkStreamId));
  }

  /** Sends Set Chunk Size and splits every later message at `size`. */
  setOutChunkSize(size: number): void {
    this.write(setChunkSizeMessage(size), ChunkStreamId.Control);
    this.#outChunkSize = size;
    if (this.#writer !== null) this.#writer.chunkSize = size;
  }

  announceWindow(windowSize: number): void {
    this.#announcedWindow = windowSize;
    this.write(windowAckSizeMessage(windowSize), ChunkStreamId.Control);
  }

  #acknowledge(): void {
    // One Acknowledgement per read even if it spanned several windows: the count is what the peer needs.
    if (this.#peerWindow > 0 && this.#bytesReceived - this.#bytesAtLastAck >= this.#peerWindow) {
      this.#bytesAtLastAck = this.#bytesReceived;
      this.write(acknowledgementMessage(this.#bytesReceived), ChunkStreamId.Control);
    }
  }

  #dispatch(message: DecodedMessage): void {
    switch (message.kind) {
      case 'set-chunk-size':
        this.#reader.chunkSize = message.chunkSize;
        return;
      case 'abort':
        this.#reader.abort(message.chunkStreamId);
        return;
      case 'window-ack-size':
        this.#peerWindow = message.windowSize;
        return;
      case 'acknowledgement':
        this.#peerAcknowledged = message.sequenceNumber;
        return;
      case 'set-peer-bandwidth':
        // Spec 5.4.5: answer with a Window Acknowledgement Size when it differs from the last one we sent.
        if (message.windowSize !== this.#announcedWindow) this.announceWindow(message.windowSize);
        return;
      case 'user-control':
        if (message.control.event === 'ping-request') {
          this.write(userControlMessage({ event: 'ping-response', timestamp: message.control.timestamp }), ChunkStreamId.Control);
          return;
        }
        break;
    }
    this.#onMessage(message);
  }
}

export function chunkStreamFor(typeId: number): number {
  switch (typeId) {
    case MessageType.Audio:
      return ChunkStreamId.Audio;
    case MessageType.Video:
      return ChunkStreamId.Video;
    case MessageType.DataAmf0:
    case MessageType.DataAmf3:
      return ChunkStreamId.Data;
    default:
      return typeId <= MessageType.SetPeerBandwidth ? ChunkStreamId.Control : ChunkStreamId.Command;
  }
}
