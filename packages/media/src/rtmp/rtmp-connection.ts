// The I/O edge of one RTMP connection: socket bytes into the protocol session, session
// events into the stream hub. The session itself never sees the socket.
import type { Socket } from 'node:net';
import { ServerSession, RtmpError, MessageType, type RtmpMessage } from '@livelink/rtmp';
import type { StreamHub } from '../hub/stream-hub.ts';
import { StreamBusyError } from '../hub/stream-hub.ts';
import type { LiveStream } from '../hub/live-stream.ts';
import type { Publisher } from '../hub/subscriber.ts';
import type { FrameKind } from '../hub/frame.ts';
import type { MediaServerConfig } from '../config.ts';
import type { MediaLog } from '../log.ts';
import { BatchedWriter, writableSink } from '../delivery/batched-writer.ts';
import type { FlushScheduler } from '../delivery/flush-scheduler.ts';
import { PlayerQueue } from '../delivery/player-queue.ts';
import { RtmpPlayer } from './rtmp-player.ts';

const kindOf: Partial<Record<number, FrameKind>> = {
  [MessageType.Audio]: 'audio',
  [MessageType.Video]: 'video',
  [MessageType.DataAmf0]: 'data',
};

interface Publishing {
  stream: LiveStream;
  publisher: Publisher;
}

interface Playing {
  stream: LiveStream;
  player: RtmpPlayer;
}

export class RtmpConnection {
  readonly id: string;
  readonly socket: Socket;
  readonly connectedAt = Date.now();
  readonly #session: ServerSession;
  readonly #writer: BatchedWriter;
  readonly #hub: StreamHub;
  readonly #config: MediaServerConfig;
  readonly #log: MediaLog;
  readonly #onClosed: (connection: RtmpConnection) => void;
  readonly #publishing = new Map<number, Publishing>();
  readonly #playing = new Map<number, Playing>();
  #app = '';
  #closed = false;
  /** Set by every byte received; the server's liveness sweep clears it and pings the silent. */
  receivedSinceSweep = true;
  pingOutstanding = false;
  handshakeDone = false;

  constructor(
    id: string,
    socket: Socket,
    hub: StreamHub,
    scheduler: FlushScheduler,
    config: MediaServerConfig,
    log: MediaLog,
    onClosed: (connection: RtmpConnection) => void,
  ) {
    this.id = id;
    this.socket = socket;
    this.#hub = hub;
    this.#config = config;
    this.#log = log;
    this.#onClosed = onClosed;
    this.#writer = new BatchedWriter(writableSink(socket), scheduler);
    this.#session = new ServerSession({
      outChunkSize: config.rtmp.outChunkSize,
      windowAckSize: config.rtmp.windowAckSize,
      maxMessageBytes: config.rtmp.maxMessageBytes,
      send: (bytes) => this.#writer.write(bytes),
      onConnect: (info) => {
        this.#app = info.app;
        this.handshakeDone = true;
      },
      onPublish: (request) => this.#startPublish(request.streamId, request.name, request.query),
      onMedia: (streamId, message) => this.#ingest(streamId, message),
      onUnpublish: (streamId) => this.#stopPublish(streamId),
      onPlay: (request) => this.#startPlay(request.streamId, request.name),
      onStopPlay: (streamId) => this.#stopPlay(streamId),
      onPong: () => {
        this.pingOutstanding = false;
      },
    });
    // Replies to connect/play must not wait for Nagle's algorithm: that is where other
    // servers lose ~40 ms of first-frame time to a delayed ACK.
    socket.setNoDelay(true);
    socket.on('data', (bytes: Buffer) => this.#receive(bytes));
    socket.on('error', (error) => this.close(`socket error: ${error.message}`));
    socket.on('close', () => this.close('peer closed'));
  }

  get app(): string {
    return this.#app;
  }

  get remoteAddress(): string {
    return `${this.socket.remoteAddress}:${this.socket.remotePort}`;
  }

  get players(): Iterable<Playing> {
    return this.#playing.values();
  }

  get publishing(): Iterable<Publishing> {
    return this.#publishing.values();
  }

  ping(): void {
    this.pingOutstanding = true;
    this.#session.pingRequest(Date.now() >>> 0);
  }

  close(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const streamId of [...this.#publishing.keys()]) this.#stopPublish(streamId);
    for (const streamId of [...this.#playing.keys()]) this.#stopPlay(streamId);
    this.#writer.flush();
    this.#writer.close();
    this.socket.destroy();
    this.#log.info('rtmp', 'connection closed', { id: this.id, remote: this.remoteAddress, reason });
    this.#onClosed(this);
  }

  #receive(bytes: Buffer): void {
    this.receivedSinceSweep = true;
    try {
      this.#session.receive(bytes);
    } catch (error) {
      if (!(error instanceof RtmpError)) throw error;
      this.#log.warn('rtmp', 'protocol error', { id: this.id, remote: this.remoteAddress, code: error.code, message: error.message });
      this.close(`protocol error (${error.code}): ${error.message}`);
    }
  }

  #startPublish(streamId: number, name: string, query: string): void {
    const publisher: Publisher = {
      id: `${this.id}/${streamId}`,
      protocol: 'rtmp',
      remoteAddress: this.remoteAddress,
      query,
      close: (reason) => this.close(reason),
    };
    let stream: LiveStream;
    try {
      stream = this.#hub.publish(this.#app, name, publisher);
    } catch (error) {
      if (!(error instanceof StreamBusyError)) throw error;
      this.#session.rejectPublish(streamId, 'NetStream.Publish.BadName', error.message);
      this.#log.info('rtmp', 'publish refused', { id: this.id, app: this.#app, name, reason: error.message });
      return;
    }
    this.#publishing.set(streamId, { stream, publisher });
    this.#session.acceptPublish(streamId);
    this.#log.info('rtmp', 'publish started', { id: this.id, app: this.#app, name });
  }

  #ingest(streamId: number, message: RtmpMessage): void {
    const publishing = this.#publishing.get(streamId);
    const kind = kindOf[message.typeId];
    if (publishing === undefined || kind === undefined) return;
    publishing.stream.ingest(kind, message.timestamp, Buffer.from(message.payload.buffer, message.payload.byteOffset, message.payload.byteLength));
  }

  #stopPublish(streamId: number): void {
    const publishing = this.#publishing.get(streamId);
    if (publishing === undefined) return;
    this.#publishing.delete(streamId);
    this.#hub.unpublish(publishing.stream, publishing.publisher);
    this.#log.info('rtmp', 'publish stopped', { id: this.id, app: this.#app, name: publishing.stream.name });
  }

  #startPlay(streamId: number, name: string): void {
    this.#stopPlay(streamId);
    const queue = new PlayerQueue(this.#writer, this.#config.player, (reason) => this.close(reason));
    const player = new RtmpPlayer(`${this.id}/${streamId}`, this.#session, streamId, queue);
    this.#session.acceptPlay(streamId);
    const stream = this.#hub.subscribe(this.#app, name, player);
    this.#playing.set(streamId, { stream, player });
    this.#log.info('rtmp', 'play started', { id: this.id, app: this.#app, name, live: stream.publisher !== null });
  }

  #stopPlay(streamId: number): void {
    const playing = this.#playing.get(streamId);
    if (playing === undefined) return;
    this.#playing.delete(streamId);
    this.#hub.unsubscribe(playing.stream, playing.player);
  }
}
