// The receiving side of a benchmark player's RTMP connection once it plays, without assembling media: audio and
// video pass through the chunk reader into a MediaProbe. A ClientSession does the handshake, connect, createStream
// and play; the tap reads the same bytes from the start (after the handshake) so its chunk stream state, chunk
// size and acknowledgement count are the session's own, and once the session has seen Play.Start the caller stops
// feeding it and the tap takes over what a client must answer: pings, acknowledgement windows, peer bandwidth.
// Pure state machine: bytes in, bytes to send and media summaries out.
import {
  ChunkReader, ChunkStreamId, HANDSHAKE_SIZE, MessageType, acknowledgementMessage, decodeMessage, serializeMessage,
  userControlMessage, windowAckSizeMessage, type MessageInProgress, type RtmpMessage,
} from '@livelink/rtmp';
import { MediaProbe } from './media-probe.ts';

/** S0 + S1 + S2: what the server sends before its first chunk. */
const SERVER_HANDSHAKE_BYTES = 1 + 2 * HANDSHAKE_SIZE;
/** Our replies are at most 10 bytes: one chunk whatever chunk size the session announced. */
const REPLY_CHUNK_SIZE = 128;

export interface RtmpMediaTapOptions {
  /** Bytes for the server; only called once the tap answers. */
  send(bytes: Buffer): void;
  /** A complete audio or video message; the probe is reused after the call. */
  onMedia(probe: MediaProbe): void;
}

export class RtmpMediaTap {
  readonly #send: (bytes: Buffer) => void;
  readonly #onMedia: (probe: MediaProbe) => void;
  readonly #reader: ChunkReader;
  /** One per chunk stream: the server may interleave the chunks of an audio and a video message. */
  readonly #probes = new Map<number, MediaProbe>();
  #answering = false;
  #bytesReceived = 0;
  #bytesAtLastAck = 0;
  #peerWindow = 0;
  #announcedWindow: number | null = null;

  constructor(options: RtmpMediaTapOptions) {
    this.#send = options.send;
    this.#onMedia = options.onMedia;
    this.#reader = new ChunkReader({
      onMessage: (message) => this.#control(message),
      passThrough: { typeIds: new Set([MessageType.Audio, MessageType.Video]), onData: (message, data, start, end, chunkStreamId) => this.#media(message, data, start, end, chunkStreamId) },
    });
  }

  get answering(): boolean {
    return this.#answering;
  }

  /** From the next push on, the tap answers the server (the session must no longer be fed). */
  answer(): void {
    this.#answering = true;
  }

  /** Every byte from the server, from the first (the session's handshake bytes are skipped). Throws RtmpError on bad input. */
  push(bytes: Buffer): void {
    const handshakeLeft = SERVER_HANDSHAKE_BYTES - this.#bytesReceived;
    this.#bytesReceived += bytes.length;
    if (handshakeLeft >= bytes.length) return;
    this.#reader.push(handshakeLeft > 0 ? bytes.subarray(handshakeLeft) : bytes);
    // As the session counts: once per read, on every byte including the handshake's.
    if (this.#peerWindow > 0 && this.#bytesReceived - this.#bytesAtLastAck >= this.#peerWindow) {
      this.#bytesAtLastAck = this.#bytesReceived;
      this.#reply(acknowledgementMessage(this.#bytesReceived));
    }
  }

  #media(message: Readonly<MessageInProgress>, data: Buffer, start: number, end: number, chunkStreamId: number): void {
    let probe = this.#probes.get(chunkStreamId);
    if (probe === undefined) this.#probes.set(chunkStreamId, (probe = new MediaProbe()));
    if (message.received === 0) probe.start(message.typeId, message.timestamp, message.length);
    probe.take(data, start, end, message.received);
    if (message.received + end - start === message.length) this.#onMedia(probe);
  }

  /** Everything but audio and video, assembled: commands (onStatus...) and data need no answer from a player. */
  #control(message: RtmpMessage): void {
    if (message.typeId > MessageType.SetPeerBandwidth && message.typeId !== MessageType.Aggregate) return;
    const decoded = decodeMessage(message);
    switch (decoded.kind) {
      case 'set-chunk-size':
        this.#reader.chunkSize = decoded.chunkSize;
        return;
      case 'abort':
        this.#reader.abort(decoded.chunkStreamId);
        return;
      case 'window-ack-size':
        this.#peerWindow = decoded.windowSize;
        return;
      case 'set-peer-bandwidth':
        // Spec 5.4.5, as the session answers it.
        if (decoded.windowSize !== this.#announcedWindow) {
          this.#announcedWindow = decoded.windowSize;
          this.#reply(windowAckSizeMessage(decoded.windowSize));
        }
        return;
      case 'user-control':
        if (decoded.control.event === 'ping-request') this.#reply(userControlMessage({ event: 'ping-response', timestamp: decoded.control.timestamp }));
        return;
      case 'media': {
        const probe = new MediaProbe();
        for (const sub of decoded.messages) {
          if (sub.typeId !== MessageType.Audio && sub.typeId !== MessageType.Video) continue;
          probe.start(sub.typeId, sub.timestamp, sub.payload.length);
          probe.take(sub.payload, 0, sub.payload.length, 0);
          this.#onMedia(probe);
        }
        return;
      }
      default:
        return;
    }
  }

  #reply(message: RtmpMessage): void {
    // Type-0 headers only: valid whatever the session's chunk writer last sent on the control chunk stream.
    if (this.#answering) this.#send(serializeMessage(message, { chunkSize: REPLY_CHUNK_SIZE, chunkStreamId: ChunkStreamId.Control }));
  }
}
