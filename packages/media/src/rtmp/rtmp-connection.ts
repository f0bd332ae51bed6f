// The I/O edge of one RTMP connection: socket bytes into the protocol session, session
// events into the stream hub. The session itself never sees the socket.
import type { Socket } from 'node:net';
import { ServerSession, RtmpError, MessageType, type RtmpMessage, type ServerSessionOptions, type ConnectInfo, type PublishRequest, type PlayRequest } from '@livelink/rtmp';
import type { StreamHub } from '../hub/stream-hub.ts';
import { StreamBusyError } from '../hub/stream-hub.ts';
import type { LiveStream } from '../hub/live-stream.ts';
import type { Publisher } from '../hub/subscriber.ts';
import type { FrameKind } from '../hub/frame.ts';
import type { MediaServerConfig } from '../config.ts';
import type { MediaLog } from '../log.ts';
import { BatchedWriter, writableSink } from '../delivery/batched-writer.ts';
import { PlayerQueue } from '../delivery/player-queue.ts';
import { RtmpPlayer } from './rtmp-player.ts';
import type { FanoutGroups } from '../delivery/fanout-group.ts';
import type { Client, ClientRegistry, ClientStats, ClientStream } from '../metrics/client-registry.ts';
import type { MediaContext } from '../media-context.ts';
import type { Authorizer } from '../auth/authorizer.ts';


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
  query: string;
}

export class RtmpConnection implements Client {
  /**
   * What the session calls back, as methods of one object per connection rather than a closure per
   * callback (427 B less live heap per player, bench/RESULTS.md session 10). Declared inside the class to
   * reach its private state.
   */
  static readonly #SessionEvents = class implements ServerSessionOptions {
    readonly #connection: RtmpConnection;
    readonly outChunkSize: number;
    readonly windowAckSize: number;
    readonly maxMessageBytes: number;

    constructor(connection: RtmpConnection) {
      const { rtmp } = connection.#config;
      this.#connection = connection;
      this.outChunkSize = rtmp.outChunkSize;
      this.windowAckSize = rtmp.windowAckSize;
      this.maxMessageBytes = rtmp.maxMessageBytes;
    }

    /** Protocol replies (connect, play, acks, pings) are what the peer waits on: never held by a merge window. */
    send(bytes: Buffer): void {
      this.#connection.#writer.writeNow(bytes);
    }

    onConnect(info: ConnectInfo): void {
      const connection = this.#connection;
      connection.#app = info.app;
      connection.#connected = true;
      connection.#clearConnectDeadline();
    }

    onPublish(request: PublishRequest): void {
      void this.#connection.#startPublish(request.streamId, request.name, request.query);
    }

    onMedia(streamId: number, message: RtmpMessage): void {
      this.#connection.#ingest(streamId, message);
    }

    onUnpublish(streamId: number): void {
      this.#connection.#stopPublish(streamId);
    }

    onPlay(request: PlayRequest): void {
      void this.#connection.#startPlay(request.streamId, request.name, request.query);
    }

    onStopPlay(streamId: number): void {
      this.#connection.#stopPlay(streamId);
    }

    onPong(): void {
      this.#connection.#pingOutstanding = false;
    }
  };

  readonly id: string;
  readonly protocol = 'rtmp' as const;
  readonly socket: Socket;
  readonly remoteAddress: string;
  readonly connectedAt = Date.now();
  readonly #session: ServerSession;
  readonly #writer: BatchedWriter;
  readonly #hub: StreamHub;
  readonly #config: MediaServerConfig;
  readonly #log: MediaLog;
  readonly #authorizer: Authorizer;
  readonly #clients: ClientRegistry;
  readonly #fanout: FanoutGroups;
  readonly #onClosed: (connection: RtmpConnection) => void;
  /** Created by the first publish: most connections only play, and an empty Map costs ~0.2 KB. */
  #publishing: Map<number, Publishing> | null = null;
  readonly #playing = new Map<number, Playing>();
  /** Traffic of plays that ended while the connection stayed. */
  #endedPlays = { bytesOut: 0, droppedFrames: 0 };
  #app = '';
  #closed = false;
  /** Set by every byte received; cleared by each liveness check. */
  #receivedSinceCheck = true;
  #pingOutstanding = false;
  #connected = false;
  /** Closes a connection that has not sent connect in time; cleared at connect so 1000 players hold no timers. */
  #connectDeadline: NodeJS.Timeout | null;

  constructor(id: string, socket: Socket, context: MediaContext, onClosed: (connection: RtmpConnection) => void) {
    const { hub, scheduler, config, log } = context;
    this.id = id;
    this.socket = socket;
    this.remoteAddress = `${socket.remoteAddress}:${socket.remotePort}`;
    this.#hub = hub;
    this.#config = config;
    this.#log = log;
    this.#authorizer = context.authorizer;
    this.#clients = context.clients;
    this.#fanout = context.fanout;
    this.#onClosed = onClosed;
    this.#writer = new BatchedWriter(writableSink(socket), scheduler);
    this.#session = new ServerSession(new RtmpConnection.#SessionEvents(this));
    // Replies to connect/play must not wait for Nagle's algorithm: that is where other
    // servers lose ~40 ms of first-frame time to a delayed ACK.
    socket.setNoDelay(true);
    socket.on('data', (bytes: Buffer) => this.#receive(bytes));
    socket.on('error', (error) => this.close(`socket error: ${error.message}`));
    socket.on('close', () => this.close('peer closed'));
    this.#connectDeadline = setTimeout(() => this.close('handshake/connect timeout'), config.rtmp.handshakeTimeoutMs);
    this.#connectDeadline.unref();
    this.#clients.add(this);
  }

  get app(): string {
    return this.#app;
  }

  streams(): ClientStream[] {
    return [
      ...[...(this.#publishing?.values() ?? [])].map(({ stream }) => ({ app: stream.app, name: stream.name, role: 'publish' as const })),
      ...[...this.#playing.values()].map(({ stream }) => ({ app: stream.app, name: stream.name, role: 'play' as const })),
    ];
  }

  stats(): ClientStats {
    let { bytesOut, droppedFrames } = this.#endedPlays;
    for (const { player } of this.#playing.values()) {
      bytesOut += player.queue.bytesSent;
      droppedFrames += player.queue.droppedFrames;
    }
    return { bytesIn: this.#session.bytesReceived, bytesOut, droppedFrames };
  }

  kick(reason: string): void {
    this.close(reason);
  }

  get players(): Iterable<Playing> {
    return this.#playing.values();
  }

  get publishing(): Iterable<Publishing> {
    return this.#publishing?.values() ?? [];
  }

  /** Handshake done and connect received. */
  get connected(): boolean {
    return this.#connected;
  }

  /**
   * Called once per idle period: a connection silent for a whole period is pinged, one still
   * silent a period later, ping unanswered, is closed.
   */
  checkLiveness(): void {
    if (this.#receivedSinceCheck) {
      this.#receivedSinceCheck = false;
    } else if (this.#pingOutstanding) {
      this.close('idle timeout: no data and no ping response');
    } else if (this.#connected) {
      this.#pingOutstanding = true;
      this.#session.pingRequest(Date.now() >>> 0);
    }
  }

  close(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#clearConnectDeadline();
    for (const streamId of [...(this.#publishing?.keys() ?? [])]) this.#stopPublish(streamId);
    for (const streamId of [...this.#playing.keys()]) this.#stopPlay(streamId);
    this.#writer.flush();
    this.#writer.close();
    this.socket.destroy();
    this.#clients.remove(this);
    this.#log.info('rtmp', 'connection closed', { id: this.id, remote: this.remoteAddress, reason });
    this.#onClosed(this);
  }

  #clearConnectDeadline(): void {
    if (this.#connectDeadline === null) return;
    clearTimeout(this.#connectDeadline);
    this.#connectDeadline = null;
  }

  #receive(bytes: Buffer): void {
    this.#receivedSinceCheck = true;
    try {
      this.#session.receive(bytes);
    } catch (error) {
      if (!(error instanceof RtmpError)) throw error;
      this.#log.warn('rtmp', 'protocol error', { id: this.id, remote: this.remoteAddress, code: error.code, message: error.message });
      this.close(`protocol error (${error.code}): ${error.message}`);
    }
  }

  async #startPublish(streamId: number, name: string, query: string): Promise<void> {
    const decision = await this.#authorizer.authorize(this.#accessRequest('publish', name, query));
    if (this.#closed) return;
    if (!decision.ok) {
      this.#session.rejectPublish(streamId, 'NetStream.Publish.BadName', decision.reason);
      this.#log.info('rtmp', 'publish refused', { id: this.id, app: this.#app, name, reason: decision.reason });
      return;
    }
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
    (this.#publishing ??= new Map()).set(streamId, { stream, publisher });
    this.#session.acceptPublish(streamId);
    this.#log.info('rtmp', 'publish started', { id: this.id, app: this.#app, name });
  }

  #ingest(streamId: number, message: RtmpMessage): void {
    const publishing = this.#publishing?.get(streamId);
    const kind = kindOf[message.typeId];
    if (publishing === undefined || kind === undefined) return;
    publishing.stream.ingest(kind, message.timestamp, Buffer.from(message.payload.buffer, message.payload.byteOffset, message.payload.byteLength));
  }

  #stopPublish(streamId: number): void {
    const publishing = this.#publishing?.get(streamId);
    if (publishing === undefined) return;
    this.#publishing?.delete(streamId);
    this.#hub.unpublish(publishing.stream, publishing.publisher);
    this.#authorizer.notify({ ...this.#accessRequest('publish', publishing.stream.name, publishing.publisher.query), action: 'unpublish' });
    this.#log.info('rtmp', 'publish stopped', { id: this.id, app: this.#app, name: publishing.stream.name });
  }

  async #startPlay(streamId: number, name: string, query: string): Promise<void> {
    const decision = await this.#authorizer.authorize(this.#accessRequest('play', name, query));
    if (this.#closed) return;
    if (!decision.ok) {
      this.#session.rejectPlay(streamId, 'NetStream.Play.Failed', decision.reason);
      this.#log.info('rtmp', 'play refused', { id: this.id, app: this.#app, name, reason: decision.reason });
      return;
    }
    this.#stopPlay(streamId);
    const queue = new PlayerQueue(this.#writer, this.#config.player, (reason) => {
      this.#clients.countSlowDisconnect();
      this.close(reason);
    });
    const player = new RtmpPlayer(`${this.id}/${streamId}`, this.#session, streamId, queue, this.#fanout);
    this.#session.acceptPlay(streamId);
    const stream = this.#hub.subscribe(this.#app, name, player);
    this.#playing.set(streamId, { stream, player, query });
    this.#log.info('rtmp', 'play started', { id: this.id, app: this.#app, name, live: stream.publisher !== null });
  }

  #stopPlay(streamId: number): void {
    const playing = this.#playing.get(streamId);
    if (playing === undefined) return;
    this.#playing.delete(streamId);
    playing.player.stop();
    this.#hub.unsubscribe(playing.stream, playing.player);
    this.#endedPlays.bytesOut += playing.player.queue.bytesSent;
    this.#endedPlays.droppedFrames += playing.player.queue.droppedFrames;
    this.#authorizer.notify({ ...this.#accessRequest('play', playing.stream.name, playing.query), action: 'stop' });
  }

  #accessRequest(action: 'publish' | 'play', stream: string, query: string) {
    return { action, app: this.#app, stream, query, clientId: this.id, ip: this.socket.remoteAddress ?? '', protocol: 'rtmp' as const };
  }
}
