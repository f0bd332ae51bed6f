// Test drivers for the sessions: a loopback that joins a ClientSession to a ServerSession through in-memory
// send(), and a raw client that speaks bytes to a ServerSession and decodes every byte it answers.

import { ServerSession, ClientSession, ClientHandshake, ChunkReader, ChunkWriter, decodeMessage, commandMessage } from '../../src/index.ts';
import type {
  ServerSessionOptions, ClientSessionOptions, ConnectInfo, PublishRequest, PlayRequest, RtmpMessage, DecodedMessage, Command,
} from '../../src/index.ts';
import type { Amf0Value } from '@livelink/amf';

export type ServerEvent =
  | { type: 'connect'; info: ConnectInfo }
  | { type: 'publish'; request: PublishRequest }
  | { type: 'play'; request: PlayRequest }
  | { type: 'media'; streamId: number; message: RtmpMessage }
  | { type: 'unpublish'; streamId: number }
  | { type: 'stop-play'; streamId: number }
  | { type: 'pause'; streamId: number; paused: boolean; position: number }
  | { type: 'receive-audio' | 'receive-video'; streamId: number; enabled: boolean }
  | { type: 'pong'; timestamp: number };

type Callbacks = Pick<ServerSessionOptions, 'onConnect' | 'onPublish' | 'onPlay' | 'onMedia' | 'onUnpublish' | 'onStopPlay' | 'onPause' | 'onReceiveAudio' | 'onReceiveVideo' | 'onPong'>;

/** Server callbacks that record events; `decide` runs after recording (to accept/reject from inside the callback). */
export function recordingCallbacks(events: ServerEvent[], decide: Partial<Callbacks> = {}): Callbacks {
  return {
    onConnect: (info) => { events.push({ type: 'connect', info }); decide.onConnect?.(info); },
    onPublish: (request) => { events.push({ type: 'publish', request }); decide.onPublish?.(request); },
    onPlay: (request) => { events.push({ type: 'play', request }); decide.onPlay?.(request); },
    onMedia: (streamId, message) => { events.push({ type: 'media', streamId, message: { ...message, payload: Buffer.from(message.payload) } }); },
    onUnpublish: (streamId) => { events.push({ type: 'unpublish', streamId }); },
    onStopPlay: (streamId) => { events.push({ type: 'stop-play', streamId }); },
    onPause: (streamId, paused, position) => { events.push({ type: 'pause', streamId, paused, position }); },
    onReceiveAudio: (streamId, enabled) => { events.push({ type: 'receive-audio', streamId, enabled }); },
    onReceiveVideo: (streamId, enabled) => { events.push({ type: 'receive-video', streamId, enabled }); },
    onPong: (timestamp) => { events.push({ type: 'pong', timestamp }); },
  };
}

/**
 * Client and server joined by queues drained in a microtask, so neither side is re-entered from its own send()
 * (as with a real socket) and `await client.connect()` just works.
 */
export class Loopback {
  readonly server: ServerSession;
  readonly client: ClientSession;
  /** Bytes the server sent, in order (for fan-out tests that inject serializeMessage output). */
  readonly toClient: Buffer[] = [];
  readonly #toServer: Buffer[] = [];
  #scheduled = false;
  errors: unknown[] = [];

  constructor(serverOptions: Omit<ServerSessionOptions, 'send'>, clientOptions: Omit<ClientSessionOptions, 'send'>) {
    this.server = new ServerSession({ ...serverOptions, send: (bytes) => this.#queue(this.toClient, bytes) });
    this.client = new ClientSession({ ...clientOptions, send: (bytes) => this.#queue(this.#toServer, bytes) });
  }

  /** Writes bytes to the client as if the server's socket sent them (how the media server fans out). */
  inject(bytes: Buffer): void {
    this.#queue(this.toClient, bytes);
  }

  #queue(queue: Buffer[], bytes: Buffer): void {
    queue.push(Buffer.from(bytes));
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => this.#pump());
  }

  #pump(): void {
    this.#scheduled = false;
    try {
      while (this.#toServer.length > 0 || this.toClient.length > 0) {
        const toServer = this.#toServer.splice(0);
        for (const bytes of toServer) this.server.receive(bytes);
        const toClient = this.toClient.splice(0);
        for (const bytes of toClient) this.client.receive(bytes);
      }
    } catch (error) {
      this.errors.push(error);
    }
  }
}

/** Waits until queued microtasks (the loopback pump) have run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Drives a ServerSession with hand-built messages and decodes everything it sends back. */
export class RawClient {
  readonly session: ServerSession;
  readonly received: DecodedMessage[] = [];
  readonly writer = new ChunkWriter();
  readonly #reader: ChunkReader;
  #handshake = new ClientHandshake();
  #handshakeDone = false;
  #nextTransaction = 1;

  constructor(options: Omit<ServerSessionOptions, 'send'>) {
    this.#reader = new ChunkReader({
      onMessage: (message) => {
        const decoded = decodeMessage({ ...message, payload: Buffer.from(message.payload) });
        if (decoded.kind === 'set-chunk-size') this.#reader.chunkSize = decoded.chunkSize;
        this.received.push(decoded);
      },
    });
    this.session = new ServerSession({ ...options, send: (bytes) => this.#fromServer(bytes) });
  }

  /** Runs the handshake to completion (C0C1, then C2 once S0S1S2 came back). */
  handshake(): void {
    this.session.receive(this.#handshake.start());
  }

  #fromServer(bytes: Buffer): void {
    if (this.#handshakeDone) {
      this.#reader.push(bytes);
      return;
    }
    const progress = this.#handshake.receive(bytes);
    if (progress.done) {
      this.#handshakeDone = true;
      // Deliver C2 after the server's receive() returns, as a socket would.
      queueMicrotask(() => this.session.receive(progress.output ?? Buffer.alloc(0)));
    }
  }

  send(message: RtmpMessage, chunkStreamId = 3): void {
    this.session.receive(this.writer.write(message, chunkStreamId));
  }

  command(name: string, commandObject: Amf0Value, args: Amf0Value[] = [], options: { messageStreamId?: number; transactionId?: number; amf3?: boolean } = {}): number {
    const transactionId = options.transactionId ?? this.#nextTransaction++;
    this.send(commandMessage({ name, transactionId, commandObject, args }, options));
    return transactionId;
  }

  /** Commands the server sent, in order. */
  commands(): Command[] {
    return this.received.flatMap((m) => (m.kind === 'command' ? [m.command] : []));
  }

  /** Drops what was received so far. */
  clear(): void {
    this.received.length = 0;
  }
}

/** A RawClient past the handshake and connect, its received list cleared. */
export async function connectedRawClient(options: Omit<ServerSessionOptions, 'send'>, app = 'live'): Promise<RawClient> {
  const raw = new RawClient(options);
  raw.handshake();
  await settle();
  raw.command('connect', { app, tcUrl: `rtmp://127.0.0.1/${app}` });
  raw.clear();
  return raw;
}
