// The link server: long links over TCP and WebSocket, short links over HTTP, push to
// connections, users and groups. Wire conventions: docs/link-protocol.md.
//
// Memory per idle link is the point of several choices here: socket events go to functions
// shared by all links (the link is found through a symbol on the socket, not a closure), idle
// and identify deadlines live on one timer wheel, and group sets are created on first join.

import { createServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  marsPacker,
  isNoop,
  isControlCmdid,
  decodeHelloBody,
  encodeTaskErrorBody,
  LinkProtocolError,
  TaskErrorCodes,
  HELLO_CMDID,
  TASK_ERROR_CMDID,
  SIGNAL_KEEP_CMDID,
  SIGNAL_KEEP_SEQ,
  IDENTIFY_SEQ,
  PUSH_SEQ,
  NOOP_CMDID,
  NOOP_SEQ,
  DEFAULT_MAX_FRAME_BYTES,
  HEADER_LENGTH,
  type FrameDecoder,
  type LinkFrame,
  type LongLinkPacker,
  type TaskErrorBody,
} from '@livelink/link';
import { TimerWheel } from './timer-wheel.ts';
import { LinkConnection, IdentifyState } from './connection.ts';
import { TaskDispatcher, type TaskHandler, type HandleOptions, type LinkConnectionInfo, type TaskContext, type TaskOutcome } from './tasks.ts';
import { TaskError } from './task-error.ts';
import { Audiences } from './audiences.ts';
import { InProcessBus } from './bus/in-process-bus.ts';
import type { Bus } from './bus/bus.ts';
import { encodePushMessage, decodePushMessage } from './bus/push-message.ts';
import { consoleLogger, type Logger } from './log.ts';
import { binaryFrame, WsCloseCode } from './ws-frame.ts';
import { handshakeResponse, refusalResponse, WsHandshakeError, type UpgradeRequest } from './ws-handshake.ts';
import { WsProtocolError, WsReceiver, type WsReceiverEvents } from './ws-receiver.ts';
import { compactAdd, compactDelete, compactHas, compactValues } from './compact-set.ts';
import { createHttpLink, type HttpLink, type HttpLinkOptions, type ShortLinkHost } from './http.ts';

export interface IdentifyContext {
  /** The app's login payload. */
  body: Uint8Array;
  /** The identify frame's cmdid, echoed in the answer. */
  cmdid: number;
  connection: LinkConnectionInfo;
}

export interface IdentifyResult {
  userId: string;
  /** Body of the identify answer; empty when absent. */
  reply?: Uint8Array;
}

/** Binds a link to a user, or throws (a TaskError's code is sent; anything else is 401) to refuse it. */
export type IdentifyHandler = (ctx: IdentifyContext) => Promise<IdentifyResult> | IdentifyResult;

export interface GatewayOptions {
  /** Long-link framing; defaults to Mars's packer with the limits below. */
  packer?: LongLinkPacker;
  /** Largest frame (header + body) accepted or sent, and the short-link body limit. Default 1 MiB. */
  maxFrameBytes?: number;
  /** Accepted client_version range, inclusive; any version by default. */
  clientVersions?: { min?: number; max?: number };
  /** client_version written on frames before the client has sent one. Default 200 (Mars samples). */
  defaultClientVersion?: number;
  /** A link silent this long is closed. Default 630 s: Mars heartbeats may be 600 s apart, plus the 8 s noop timeout. */
  idleTimeoutMs?: number;
  /** With an identify handler, a link that has not identified after this long is closed. Default 30 s. */
  identifyTimeoutMs?: number;
  /** Per-link outbound queue cap; a link whose queued bytes would pass it is cut as too slow. Default 2 MiB. */
  maxQueueBytes?: number;
  /** Tasks one link may have running at once; more are answered 429. Default 64. */
  maxTasksPerConnection?: number;
  /** Retry de-duplication window (docs/link-protocol.md §6). Defaults: 600 s, 10 000 results, 32 MiB. */
  dedup?: { ttlMs?: number; maxEntries?: number; maxBytes?: number };
  /** Short-link cgi path (as requested, e.g. '/link/sendmsg') → cmdid, for clients that send no X-Link-Cmdid. */
  shortLinkRoutes?: Record<string, number>;
  /** Carries user and group pushes; an in-process bus by default. */
  bus?: Bus;
  log?: Logger;
  /** Clock (ms) for timeouts and the de-duplication window; Date.now by default. */
  now?: () => number;
  /** Timer wheel resolution: timeouts fire at most this late. Default 1000 ms. */
  tickMs?: number;
  /** How long a link being closed may take to flush before it is destroyed. Default 2000 ms. */
  closeGraceMs?: number;
}

export interface GatewayMetrics {
  tcpConnections: number;
  wsConnections: number;
  /** Users with at least one identified link on this gateway. */
  users: number;
  groups: number;
  tasksExecuted: number;
  /** Retries answered from the de-duplication cache instead of running again. */
  tasksReplayed: number;
  tasksInFlight: number;
  pushesDelivered: number;
  slowConnectionsCut: number;
  protocolErrors: number;
}

type CutReason = 'protocol' | 'slow-client' | 'idle' | 'identify-timeout' | 'kicked';

/** The link behind a socket, without a per-socket closure. */
const LINK = Symbol('livelink.link');
type LinkedSocket = Socket & { [LINK]?: LinkConnection };

const EMPTY = new Uint8Array(0);

export function createGateway(options: GatewayOptions = {}): Gateway {
  return new Gateway(options);
}

export class Gateway {
  readonly #packer: LongLinkPacker;
  readonly #maxFrameBytes: number;
  readonly #acceptClientVersion: (version: number) => boolean;
  readonly #defaultClientVersion: number;
  readonly #idleTimeoutMs: number;
  readonly #identifyTimeoutMs: number;
  readonly #maxQueueBytes: number;
  readonly #maxTasksPerConnection: number;
  readonly #closeGraceMs: number;
  readonly #now: () => number;
  readonly #log: Logger;
  readonly #bus: Bus;
  readonly #tasks: TaskDispatcher;
  readonly #wheel: TimerWheel<LinkConnection>;
  readonly #wheelInterval: ReturnType<typeof setInterval>;
  readonly #connections = new Map<number, LinkConnection>();
  /** Links whose socket is corked until the current batch of writes ends. */
  #corked: LinkConnection[] = [];
  readonly #users: Audiences;
  readonly #groups: Audiences;
  readonly #tcpServers: NetServer[] = [];
  readonly #shortLinkRoutes: ReadonlyMap<string, number>;
  /** Decodes every WebSocket message: each is one whole frame, so no state is left between them. */
  #wsDecoder: FrameDecoder;
  #identifyHandler: IdentifyHandler | null = null;
  #nextId = 1;
  #closing = false;
  #closed: Promise<void> | null = null;
  #allSocketsClosed: (() => void) | null = null;
  /** Echo for the client_version seen last: nearly every link shares one version. */
  #noopEcho: { clientVersion: number; bytes: Uint8Array } | null = null;
  #tcpCount = 0;
  #wsCount = 0;
  #pushesDelivered = 0;
  #slowCut = 0;
  #protocolErrors = 0;

  constructor(options: GatewayOptions = {}) {
    this.#maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    const min = options.clientVersions?.min ?? 0;
    const max = options.clientVersions?.max ?? 0xffffffff;
    this.#acceptClientVersion = (version) => version >= min && version <= max;
    this.#packer =
      options.packer ?? marsPacker({ maxFrameBytes: this.#maxFrameBytes, acceptClientVersion: this.#acceptClientVersion });
    this.#wsDecoder = this.#packer.createDecoder();
    this.#defaultClientVersion = options.defaultClientVersion ?? 200;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? 630_000;
    this.#identifyTimeoutMs = options.identifyTimeoutMs ?? 30_000;
    this.#maxQueueBytes = options.maxQueueBytes ?? 2 * 1024 * 1024;
    if (this.#maxQueueBytes < this.#maxFrameBytes) {
      throw new RangeError(`maxQueueBytes (${this.#maxQueueBytes}) must hold at least one frame of maxFrameBytes (${this.#maxFrameBytes})`);
    }
    this.#maxTasksPerConnection = options.maxTasksPerConnection ?? 64;
    this.#closeGraceMs = options.closeGraceMs ?? 2_000;
    this.#now = options.now ?? Date.now;
    this.#log = options.log ?? consoleLogger;
    this.#bus = options.bus ?? new InProcessBus();
    this.#shortLinkRoutes = new Map(Object.entries(options.shortLinkRoutes ?? {}));
    this.#tasks = new TaskDispatcher({
      dedupTtlMs: options.dedup?.ttlMs ?? 600_000,
      dedupMaxEntries: options.dedup?.maxEntries ?? 10_000,
      dedupMaxBytes: options.dedup?.maxBytes ?? 32 * 1024 * 1024,
      now: this.#now,
      log: this.#log,
    });
    const deliver = (members: readonly LinkConnection[], message: Uint8Array) => this.#deliver(members, message);
    this.#users = new Audiences(this.#bus, 'user:', deliver);
    this.#groups = new Audiences(this.#bus, 'group:', deliver);
    const tickMs = options.tickMs ?? 1_000;
    this.#wheel = new TimerWheel<LinkConnection>({
      tickMs,
      // One lap covers the idle timeout (up to a bound), so idle links are visited once, when due.
      slots: Math.min(4_096, Math.max(64, Math.ceil(this.#idleTimeoutMs / tickMs) + 1)),
      now: this.#now(),
      onExpire: (connection, now) => this.#onDeadline(connection, now),
    });
    this.#wheelInterval = setInterval(() => this.#wheel.advance(this.#now()), tickMs);
    this.#wheelInterval.unref();
  }

  /** Serves tasks with `cmdid` on both long and short links. */
  handle(cmdid: number, handler: TaskHandler, options?: HandleOptions): void {
    if (isControlCmdid(cmdid >>> 0)) throw new RangeError(`cmdid ${cmdid} is reserved for link control`);
    this.#tasks.handle(cmdid, handler, options);
  }

  /** Requires every long link to identify before its tasks run, and binds it to the returned user. */
  onIdentify(handler: IdentifyHandler): void {
    this.#identifyHandler = handler;
  }

  /** Pushes to one link on this gateway; false if it is not here (or was just cut as too slow). */
  pushToConnection(connectionId: number, cmdid: number, body: Uint8Array): boolean {
    this.#checkPushSize(body);
    const connection = this.#connections.get(connectionId);
    if (connection === undefined || connection.closed) return false;
    const delivered = this.#send(connection, this.#encode(connection, cmdid, PUSH_SEQ, body));
    if (delivered) this.#pushesDelivered++;
    return delivered;
  }

  /** Pushes to every identified link of `userId`, on whichever gateway shares the bus. */
  pushToUser(userId: string, cmdid: number, body: Uint8Array): void {
    this.#checkPushSize(body);
    this.#users.publish(userId, encodePushMessage(cmdid, body));
  }

  pushToGroup(group: string, cmdid: number, body: Uint8Array): void {
    this.#checkPushSize(body);
    this.#groups.publish(group, encodePushMessage(cmdid, body));
  }

  /** Adds a link on this gateway to a group; false if the link is not here or already a member. */
  join(connectionId: number, group: string): boolean {
    const connection = this.#connections.get(connectionId);
    if (connection === undefined || connection.closed) return false;
    if (!this.#groups.add(group, connection)) return false;
    connection.groups = compactAdd(connection.groups, group);
    return true;
  }

  leave(connectionId: number, group: string): boolean {
    const connection = this.#connections.get(connectionId);
    if (connection === undefined || !compactHas(connection.groups, group)) return false;
    connection.groups = compactDelete(connection.groups, group);
    this.#groups.remove(group, connection);
    return true;
  }

  /** Closes one link, e.g. when its user's session is revoked. */
  disconnect(connectionId: number, reason: string): boolean {
    const connection = this.#connections.get(connectionId);
    if (connection === undefined || connection.closed) return false;
    this.#cut(connection, 'kicked', reason);
    return true;
  }

  get metrics(): GatewayMetrics {
    return {
      tcpConnections: this.#tcpCount,
      wsConnections: this.#wsCount,
      users: this.#users.size,
      groups: this.#groups.size,
      tasksExecuted: this.#tasks.executed,
      tasksReplayed: this.#tasks.replayed,
      tasksInFlight: this.#tasks.inFlight,
      pushesDelivered: this.#pushesDelivered,
      slowConnectionsCut: this.#slowCut,
      protocolErrors: this.#protocolErrors,
    };
  }

  /** Accepts long links over TCP; resolves with the bound address (port 0 picks a free one). */
  listenTcp(options: { host?: string; port: number; backlog?: number }): Promise<AddressInfo> {
    if (this.#closing) return Promise.reject(new Error('gateway is closing'));
    const server = createServer({ noDelay: true }, (socket) => this.#acceptTcp(socket));
    this.#tcpServers.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: options.host ?? '127.0.0.1', port: options.port, backlog: options.backlog ?? 4096 }, () => {
        server.off('error', reject);
        server.on('error', (error) => this.#log('error', 'tcp listener failed', { error: String(error) }));
        resolve(server.address() as AddressInfo);
      });
    });
  }

  /**
   * Request and upgrade handlers for the WebSocket long link at `path` and short links under
   * `path/`. Each returns false, touching nothing, for requests that are not the link's, so a
   * server shared with other routes can try them first.
   */
  httpHandlers(options: HttpLinkOptions = {}): HttpLink {
    return createHttpLink(options, this.#shortLinkHost());
  }

  /**
   * Serves the link on `server` by adding request and upgrade listeners. Requests for other
   * paths are left to the server's other listeners; when there are none, they get 404 (and
   * other upgrades are refused) so nothing hangs. A server with its own router should call
   * `httpHandlers()` from that router instead.
   */
  attachHttp(server: HttpServer, options: HttpLinkOptions = {}): HttpLink {
    const link = this.httpHandlers(options);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (!link.handleRequest(req, res) && server.listenerCount('request') === 1) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      }
    });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (!link.handleUpgrade(req, socket, head) && server.listenerCount('upgrade') === 1) socket.destroy();
    });
    return link;
  }

  /**
   * Graceful shutdown: stops accepting links and tasks, waits up to `drainMs` for running
   * handlers, lets their answers flush, then closes every link (destroying those that do not
   * finish closing within the close grace).
   */
  close(options: { drainMs?: number } = {}): Promise<void> {
    this.#closed ??= this.#shutdown(options.drainMs ?? 10_000);
    return this.#closed;
  }

  async #shutdown(drainMs: number): Promise<void> {
    this.#closing = true;
    for (const server of this.#tcpServers) server.close();
    let drainTimer: ReturnType<typeof setTimeout> | undefined;
    const drained = await Promise.race([
      this.#tasks.whenIdle().then(() => true),
      new Promise<boolean>((resolve) => (drainTimer = setTimeout(resolve, drainMs, false))),
    ]);
    clearTimeout(drainTimer);
    if (!drained) this.#log('warn', 'shutdown drain timed out with tasks still running', { tasksInFlight: this.#tasks.inFlight });
    // Answers are written from promise callbacks queued behind the handlers' completion.
    await new Promise((resolve) => setImmediate(resolve));
    const allClosed = new Promise<void>((resolve) => (this.#allSocketsClosed = resolve));
    for (const connection of this.#connections.values()) {
      if (!connection.closed) {
        this.#detach(connection);
        connection.end(WsCloseCode.goingAway, 'server shutting down');
      }
    }
    if (this.#connections.size > 0) {
      let graceTimer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([allClosed, new Promise((resolve) => (graceTimer = setTimeout(resolve, this.#closeGraceMs)))]);
      clearTimeout(graceTimer);
      for (const connection of this.#connections.values()) connection.destroy();
    }
    clearInterval(this.#wheelInterval);
  }

  // --- accepting links -------------------------------------------------------------------

  #acceptTcp(socket: Socket): void {
    if (this.#closing) {
      socket.destroy();
      return;
    }
    const connection = this.#register(socket, null);
    this.#tcpCount++;
    socket.on('data', this.#onTcpData);
    socket.on('error', this.#onSocketError);
    socket.on('close', this.#onSocketClose);
    this.#log('debug', 'tcp link opened', { connection: connection.id, remote: socket.remoteAddress });
  }

  /** Completes the opening handshake on a socket the HTTP server handed over; `head` is the client's first frame bytes. */
  #acceptWebSocket(req: UpgradeRequest, socket: Socket, head: Buffer): void {
    // The HTTP server dropped its own listeners when it emitted the upgrade.
    socket.on('error', this.#onSocketError);
    if (!socket.readable || !socket.writable) {
      // Gone already: no close event would ever release a link registered now.
      socket.destroy();
      return;
    }
    let response: string;
    try {
      response = handshakeResponse(req);
    } catch (error) {
      if (!(error instanceof WsHandshakeError)) throw error;
      this.#log('debug', 'websocket upgrade refused', { code: error.code, error: error.message, remote: socket.remoteAddress });
      socket.once('finish', socket.destroy);
      socket.end(refusalResponse(error));
      return;
    }
    // An HTTP keep-alive timeout may still be armed; idleness is the timer wheel's job now.
    socket.setTimeout(0);
    socket.setNoDelay(true);
    // A peer that sends FIN ends the link (with or without a close frame): end our side too.
    socket.allowHalfOpen = false;
    socket.write(response);
    const connection = this.#register(socket, new WsReceiver(this.#maxFrameBytes));
    this.#wsCount++;
    socket.on('data', this.#onWsData);
    socket.on('close', this.#onSocketClose);
    this.#log('debug', 'websocket link opened', { connection: connection.id, remote: socket.remoteAddress });
    if (head.byteLength > 0) this.#receiveWs(connection, plainView(head));
  }

  #register(socket: Socket, receiver: WsReceiver | null): LinkConnection {
    const now = this.#wheel.now;
    const decoder = receiver === null ? this.#packer.createDecoder() : null;
    const connection = new LinkConnection(this.#nextId++, socket, receiver, decoder, now, this.#defaultClientVersion);
    (socket as LinkedSocket)[LINK] = connection;
    this.#connections.set(connection.id, connection);
    const first = this.#identifyHandler !== null ? this.#identifyTimeoutMs : this.#idleTimeoutMs;
    this.#wheel.schedule(connection, now + first);
    return connection;
  }

  // Shared by every socket: `this` is the socket, the link hangs off it.
  readonly #onTcpData = (() => {
    const gateway = this;
    return function (this: Socket, chunk: Buffer): void {
      const connection = (this as LinkedSocket)[LINK];
      if (connection !== undefined) gateway.#receive(connection, plainView(chunk));
    };
  })();

  readonly #onWsData = (() => {
    const gateway = this;
    return function (this: Socket, chunk: Buffer): void {
      const connection = (this as LinkedSocket)[LINK];
      if (connection !== undefined) gateway.#receiveWs(connection, plainView(chunk));
    };
  })();

  readonly #onSocketError = (() => {
    const gateway = this;
    return function (this: Socket, error: Error): void {
      const connection = (this as LinkedSocket)[LINK];
      gateway.#log('debug', 'link socket error', { connection: connection?.id, error: error.message });
    };
  })();

  readonly #onSocketClose = (() => {
    const gateway = this;
    return function (this: Socket): void {
      const connection = (this as LinkedSocket)[LINK];
      if (connection !== undefined) gateway.#onClosed(connection);
    };
  })();

  // --- receiving -------------------------------------------------------------------------

  /** Link frame bytes: a TCP stream chunk, or one whole WebSocket message. */
  #receive(connection: LinkConnection, bytes: Uint8Array): void {
    if (connection.closed) return;
    const decoder = connection.decoder ?? this.#wsDecoder;
    let frames: LinkFrame[];
    try {
      frames = decoder.push(bytes);
    } catch (error) {
      if (!(error instanceof LinkProtocolError)) throw error;
      if (connection.decoder === null) this.#wsDecoder = this.#packer.createDecoder();
      this.#cut(connection, 'protocol', `${error.code}: ${error.message}`);
      return;
    }
    if (connection.decoder === null && (frames.length !== 1 || decoder.bufferedBytes !== 0)) {
      // The shared decoder must not carry this message's leftovers into another link's.
      this.#wsDecoder = this.#packer.createDecoder();
      this.#cut(connection, 'protocol', 'websocket message is not exactly one frame');
      return;
    }
    for (const frame of frames) {
      this.#onFrame(connection, frame);
      if (connection.closed) return;
    }
  }

  /**
   * WebSocket bytes. They are still parsed after this side's close frame: the peer's close
   * frame, which lets the socket end, may be behind messages that are now dropped.
   */
  #receiveWs(connection: LinkConnection, chunk: Uint8Array): void {
    try {
      (connection.receiver as WsReceiver).push(chunk, this.#wsEvents, connection);
    } catch (error) {
      if (!(error instanceof WsProtocolError)) throw error;
      if (connection.closed) connection.end(error.closeCode, '');
      else this.#cut(connection, 'protocol', `websocket ${error.code}: ${error.message}`, error.closeCode);
    }
  }

  readonly #wsEvents: WsReceiverEvents<LinkConnection> = {
    message: (connection, data) => this.#receive(connection, data),
    ping: (connection, payload) => {
      // The pong counts against the queue cap like any write: a client that pings without reading is cut.
      if (this.#admit(connection, 2 + payload.byteLength)) connection.pong(payload);
    },
    // The gateway never pings, so a pong is unsolicited: RFC 6455 §5.5.3 says to ignore it.
    pong: () => {},
    close: (connection, code, reason) => {
      this.#log('debug', 'websocket close from client', { connection: connection.id, code, reason });
      // Echo the code; when the gateway's own close frame went first, this just ends the socket.
      this.#endGracefully(connection, code, '');
    },
  };

  #onFrame(connection: LinkConnection, frame: LinkFrame): void {
    connection.lastSeen = this.#wheel.now;
    if (frame.clientVersion !== undefined) connection.clientVersion = frame.clientVersion;
    if (isNoop(frame)) {
      this.#send(connection, this.#noopEchoFor(connection.clientVersion));
    } else if (frame.cmdid === HELLO_CMDID) {
      this.#onHello(connection, frame);
    } else if (frame.seq === SIGNAL_KEEP_SEQ || frame.cmdid === SIGNAL_KEEP_CMDID) {
      // Mars's signalling keeper only keeps NAT mappings warm; lastSeen above is all it needs.
    } else if (frame.seq === IDENTIFY_SEQ) {
      void this.#onIdentifyFrame(connection, frame);
    } else if (frame.seq === PUSH_SEQ || isControlCmdid(frame.cmdid)) {
      this.#cut(connection, 'protocol', `client sent a frame with reserved cmdid ${frame.cmdid} / seq ${frame.seq}`);
    } else {
      this.#onTask(connection, frame);
    }
  }

  #onHello(connection: LinkConnection, frame: LinkFrame): void {
    let clientId: string;
    try {
      clientId = decodeHelloBody(frame.body);
    } catch (error) {
      if (!(error instanceof LinkProtocolError)) throw error;
      this.#cut(connection, 'protocol', error.message);
      return;
    }
    if (connection.clientId !== null && connection.clientId !== clientId) {
      this.#cut(connection, 'protocol', 'hello changed the client id of an open link');
      return;
    }
    connection.clientId = clientId;
  }

  async #onIdentifyFrame(connection: LinkConnection, frame: LinkFrame): Promise<void> {
    const handler = this.#identifyHandler;
    if (handler === null) {
      // Nothing to check: accept, so Mars clients configured with an identify step still work.
      connection.identify = IdentifyState.done;
      this.#send(connection, this.#encode(connection, frame.cmdid, IDENTIFY_SEQ, EMPTY));
      return;
    }
    if (connection.identify === IdentifyState.running) {
      this.#cut(connection, 'protocol', 'identify sent again before the first was answered');
      return;
    }
    connection.identify = IdentifyState.running;
    let result: IdentifyResult;
    try {
      result = await handler({ body: frame.body, cmdid: frame.cmdid, connection });
      if (typeof result?.userId !== 'string' || result.userId === '') throw new TypeError('identify handler returned no userId');
    } catch (error) {
      if (connection.closed) return;
      const refusal = error instanceof TaskError ? error : new TaskError(TaskErrorCodes.notIdentified, 'identify rejected');
      if (!(error instanceof TaskError)) this.#log('info', 'identify rejected', { connection: connection.id, error: String(error) });
      this.#send(connection, this.#encodeError(connection, IDENTIFY_SEQ, { code: refusal.code, message: refusal.message }));
      this.#endGracefully(connection, WsCloseCode.policyViolation, 'identify rejected');
      return;
    }
    if (connection.closed) return;
    // A second identify (e.g. with a refreshed token) may move the link to another user.
    if (connection.userId !== null && connection.userId !== result.userId) this.#users.remove(connection.userId, connection);
    connection.userId = result.userId;
    this.#users.add(result.userId, connection);
    connection.identify = IdentifyState.done;
    this.#send(connection, this.#encode(connection, frame.cmdid, IDENTIFY_SEQ, result.reply ?? EMPTY));
  }

  #onTask(connection: LinkConnection, frame: LinkFrame): void {
    // While draining, new tasks are left unanswered: the link closes soon and the client
    // retries them on its next link, likely to another gateway.
    if (this.#closing) return;
    if (this.#identifyHandler !== null && connection.identify !== IdentifyState.done) {
      this.#send(connection, this.#encodeError(connection, frame.seq, { code: TaskErrorCodes.notIdentified, message: 'link not identified' }));
      return;
    }
    if (connection.tasksInFlight >= this.#maxTasksPerConnection) {
      const message = `more than ${this.#maxTasksPerConnection} tasks running on this link`;
      this.#send(connection, this.#encodeError(connection, frame.seq, { code: TaskErrorCodes.rateLimited, message }));
      return;
    }
    const ctx: TaskContext = {
      cmdid: frame.cmdid,
      seq: frame.seq,
      body: frame.body,
      channel: 'long',
      connection,
      userId: connection.userId,
      clientId: connection.clientId,
    };
    // Without a hello the client cannot be recognised on another link, so retries are only
    // matched within this one.
    const owner = connection.clientId ?? `#${connection.id}`;
    const dispatch = this.#tasks.dispatch(ctx, `${owner}\n${frame.cmdid}\n${frame.seq}`);
    if (dispatch.sendOnly) return;
    if (!(dispatch.outcome instanceof Promise)) {
      this.#answer(connection, frame, dispatch.outcome);
      return;
    }
    connection.tasksInFlight++;
    void dispatch.outcome.then((outcome) => {
      connection.tasksInFlight--;
      this.#answer(connection, frame, outcome);
    });
  }

  #answer(connection: LinkConnection, request: LinkFrame, outcome: TaskOutcome): void {
    if (connection.closed) return; // a retry on the client's next link gets the stored outcome
    this.#send(
      connection,
      outcome.ok
        ? this.#encode(connection, request.cmdid, request.seq, outcome.body)
        : this.#encodeError(connection, request.seq, outcome.error),
    );
  }

  // --- sending ---------------------------------------------------------------------------

  /**
   * Writes unless that would push the link's queue past the cap, in which case the link is cut.
   * `wsFrame` is `bytes` already wrapped for WebSocket links, when the caller shares it.
   */
  #send(connection: LinkConnection, bytes: Uint8Array, wsFrame?: Uint8Array): boolean {
    if (!this.#admit(connection, bytes.byteLength)) return false;
    connection.write(bytes, wsFrame);
    return true;
  }

  /** Whether `byteLength` more bytes may be written to an open link (corking it for the batch); cuts it if it is too slow. */
  #admit(connection: LinkConnection, byteLength: number): boolean {
    if (connection.closed) return false;
    const queued = connection.queuedBytes;
    if (queued + byteLength > this.#maxQueueBytes) {
      this.#cut(connection, 'slow-client', `outbound queue of ${queued} bytes plus ${byteLength} would pass the ${this.#maxQueueBytes}-byte cap`);
      return false;
    }
    if (!connection.corked) {
      connection.socket.cork();
      connection.corked = true;
      this.#corked.push(connection);
      if (this.#corked.length === 1) process.nextTick(this.#uncorkAll);
    }
    return true;
  }

  /**
   * Ends a write batch. Answers resolved in the same turn and pushes of one burst leave in one
   * syscall per link instead of one per frame. nextTick runs after the promise jobs queued so far.
   */
  readonly #uncorkAll = (): void => {
    const corked = this.#corked;
    this.#corked = [];
    for (const connection of corked) {
      connection.corked = false;
      connection.socket.uncork();
    }
  };

  #encode(connection: LinkConnection, cmdid: number, seq: number, body: Uint8Array): Uint8Array {
    return this.#packer.encode({ cmdid, seq, body, clientVersion: connection.clientVersion });
  }

  #encodeError(connection: LinkConnection, seq: number, error: TaskErrorBody): Uint8Array {
    return this.#encode(connection, TASK_ERROR_CMDID, seq, encodeTaskErrorBody(error));
  }

  #noopEchoFor(clientVersion: number): Uint8Array {
    if (this.#noopEcho?.clientVersion !== clientVersion) {
      this.#noopEcho = { clientVersion, bytes: this.#packer.encode({ cmdid: NOOP_CMDID, seq: NOOP_SEQ, body: EMPTY, clientVersion }) };
    }
    return this.#noopEcho.bytes;
  }

  /** Bus delivery: frames the push once per client_version (and carrier) seen, not once per link. */
  #deliver(members: readonly LinkConnection[], message: Uint8Array): void {
    let push;
    try {
      push = decodePushMessage(message);
    } catch (error) {
      this.#log('warn', 'dropped a malformed push from the bus', { error: String(error) });
      return;
    }
    let version = -1;
    let bytes: Uint8Array = EMPTY;
    let wsFrame: Uint8Array | undefined;
    for (const connection of members) {
      if (connection.clientVersion !== version) {
        version = connection.clientVersion;
        bytes = this.#packer.encode({ cmdid: push.cmdid, seq: PUSH_SEQ, body: push.body, clientVersion: version });
        wsFrame = undefined;
      }
      if (connection.receiver !== null) wsFrame ??= binaryFrame(bytes);
      if (this.#send(connection, bytes, wsFrame)) this.#pushesDelivered++;
    }
  }

  #checkPushSize(body: Uint8Array): void {
    if (HEADER_LENGTH + body.byteLength > this.#maxFrameBytes) {
      throw new RangeError(`push body of ${body.byteLength} bytes does not fit the ${this.#maxFrameBytes}-byte frame limit`);
    }
  }

  // --- deadlines and closing -------------------------------------------------------------

  #onDeadline(connection: LinkConnection, now: number): void {
    if (connection.closed) {
      // A graceful close that did not finish within the grace period.
      connection.destroy();
      return;
    }
    if (this.#identifyHandler !== null && connection.identify !== IdentifyState.done) {
      this.#cut(connection, 'identify-timeout', `not identified within ${this.#identifyTimeoutMs} ms`);
      return;
    }
    const deadline = connection.lastSeen + this.#idleTimeoutMs;
    if (deadline <= now) this.#cut(connection, 'idle', `no frame for ${now - connection.lastSeen} ms`);
    else this.#wheel.schedule(connection, deadline);
  }

  /** Closes a link for `reason`; a WebSocket cut for a protocol error is told so with `wsCode`. */
  #cut(connection: LinkConnection, reason: CutReason, detail: string, wsCode: number = WsCloseCode.protocolError): void {
    if (connection.closed) return;
    if (reason === 'slow-client') this.#slowCut++;
    else if (reason === 'protocol') this.#protocolErrors++;
    this.#log(reason === 'idle' ? 'info' : 'warn', `closing ${connection.transport} link: ${detail}`, {
      connection: connection.id,
      reason,
      user: connection.userId,
      remote: connection.remoteAddress,
    });
    this.#detach(connection);
    // A protocol error still gets a WebSocket close frame; a slow client cannot take one.
    if (reason === 'protocol' && connection.transport === 'ws') this.#endGracefully(connection, wsCode, 'protocol error');
    else connection.destroy();
  }

  #endGracefully(connection: LinkConnection, wsCode: number, reason: string): void {
    this.#detach(connection);
    connection.end(wsCode, reason);
    this.#wheel.schedule(connection, this.#wheel.now + this.#closeGraceMs);
  }

  /** Takes a link out of every registry that could send to it; the socket may still be closing. */
  #detach(connection: LinkConnection): void {
    if (connection.closed) return;
    connection.closed = true;
    this.#wheel.cancel(connection);
    if (connection.transport === 'tcp') this.#tcpCount--;
    else this.#wsCount--;
    if (connection.userId !== null) this.#users.remove(connection.userId, connection);
    for (const group of compactValues(connection.groups)) this.#groups.remove(group, connection);
    connection.groups = undefined;
  }

  #onClosed(connection: LinkConnection): void {
    this.#detach(connection);
    this.#wheel.cancel(connection);
    this.#connections.delete(connection.id);
    this.#log('debug', 'link closed', { connection: connection.id });
    if (this.#closing && this.#connections.size === 0) this.#allSocketsClosed?.();
  }

  // --- HTTP ------------------------------------------------------------------------------

  #shortLinkHost(): ShortLinkHost {
    return {
      tasks: this.#tasks,
      routes: this.#shortLinkRoutes,
      maxBodyBytes: this.#maxFrameBytes - HEADER_LENGTH,
      acceptClientVersion: this.#acceptClientVersion,
      isClosing: () => this.#closing,
      log: this.#log,
      // An upgrade request on an HTTP server always arrives on a net.Socket.
      upgrade: (req, socket, head) => this.#acceptWebSocket(req, socket as Socket, head),
    };
  }
}

/**
 * A plain Uint8Array over a Buffer's bytes: Buffer#slice does not copy, and the decoders rely
 * on slice copying so that kept bodies do not pin the socket's read buffer.
 */
function plainView(chunk: Buffer): Uint8Array {
  return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}
