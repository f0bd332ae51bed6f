// HTTP-FLV and WebSocket-FLV viewers: authorised like any player, attached to the hub as
// FLV subscribers, listed with the other clients (and kickable) while they watch.
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { MediaContext } from '../media-context.ts';
import { BatchedWriter, writableSink, type ByteSink } from '../delivery/batched-writer.ts';
import { PlayerQueue } from '../delivery/player-queue.ts';
import type { Client, ClientStats } from '../metrics/client-registry.ts';
import { FlvPlayer } from './flv-player.ts';
import { takeOverConnection } from './connection-takeover.ts';
import { WebSocketSink } from './websocket-sink.ts';
import type { MediaPath } from './paths.ts';

export const CORS = { 'access-control-allow-origin': '*' };

const FLV_HEADERS = { ...CORS, 'content-type': 'video/x-flv', 'cache-control': 'no-cache', connection: 'close' };
/** FLV_HEADERS as header lines, for the head written straight to a taken-over connection. */
const FLV_HEAD_FIELDS = Object.entries(FLV_HEADERS)
  .map(([name, value]) => `${name}: ${value}\r\n`)
  .join('');
/** How long a viewer ended gracefully (publisher left, server shutting down) may take to read the rest. */
const GRACEFUL_END_MS = 5000;

export class FlvEndpoint {
  readonly #context: MediaContext;
  #nextId = 1;

  constructor(context: MediaContext) {
    this.#context = context;
  }

  async serveHttp(media: MediaPath, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refusal = await this.#refusal(media, 'flv', req.socket.remoteAddress ?? '');
    if (refusal !== null) {
      res.writeHead(refusal.status, { ...CORS, 'content-type': 'text/plain' }).end(`${refusal.reason}\n`);
      return;
    }
    if (req.method === 'HEAD') {
      res.writeHead(200, FLV_HEADERS).end();
      return;
    }
    // A pipelined request gets the connection once the responses before it are done.
    if (res.socket === null) await once(res, 'socket');
    if (req.socket.destroyed) return;
    this.#attachHttp(media, takeOverConnection(req, res));
  }

  /**
   * Serves a viewer on a connection taken from node:http. No chunked transfer coding: the body
   * simply runs until the connection closes (HTTP/1.1 allows it with Connection: close), so tags
   * go straight to the socket, one writev per batch.
   */
  #attachHttp(media: MediaPath, socket: Socket): void {
    // 'close' follows every error; the player is cleaned up there.
    socket.on('error', () => {});
    socket.write(`HTTP/1.1 200 OK\r\n${FLV_HEAD_FIELDS}date: ${new Date().toUTCString()}\r\n\r\n`);
    socket.setNoDelay(true);
    // A viewer that shuts down its side has stopped watching.
    socket.on('end', () => socket.destroy());
    // Reads (and drops) whatever the viewer sends, so that its hang-up is seen.
    socket.resume();
    const end = (graceful: boolean) => {
      if (!graceful) {
        socket.destroy();
        return;
      }
      socket.end();
      // node:http no longer tracks the connection, so closeAllConnections() at shutdown does not
      // reach it: a viewer that stops reading must not hold the server open.
      socket.setTimeout(GRACEFUL_END_MS, () => socket.destroy());
    };
    this.#attach('flv', media, socket.remoteAddress ?? '', socket.remotePort, writableSink(socket), end, (onClose) => socket.on('close', onClose));
  }

  async serveWebSocket(media: MediaPath, ws: WebSocket, req: IncomingMessage): Promise<void> {
    const refusal = await this.#refusal(media, 'ws', req.socket.remoteAddress ?? '');
    if (refusal !== null) {
      // 4000 + HTTP status: WebSocket close codes 4000-4999 are the application's.
      ws.close(4000 + refusal.status, refusal.reason.slice(0, 120));
      return;
    }
    this.#attach('ws', media, req.socket.remoteAddress ?? '', req.socket.remotePort, new WebSocketSink(ws, req.socket), (graceful) => (graceful ? ws.close(1000, 'publisher left') : ws.terminate()), (onClose) => ws.on('close', onClose));
  }

  /** Why this viewer may not watch (no live stream, or the authorizer said no), or null. */
  async #refusal(media: MediaPath, protocol: 'flv' | 'ws', ip: string): Promise<{ status: number; reason: string } | null> {
    const { hub, authorizer } = this.#context;
    const decision = await authorizer.authorize({ action: 'play', app: media.app, stream: media.name, query: media.query, clientId: '', ip, protocol });
    if (!decision.ok) return { status: decision.httpStatus, reason: decision.reason };
    const stream = hub.get(media.app, media.name);
    if (stream === undefined || stream.publisher === null) return { status: 404, reason: `no live stream ${media.app}/${media.name}` };
    return null;
  }

  #attach(
    protocol: 'flv' | 'ws',
    media: MediaPath,
    ip: string,
    port: number | undefined,
    sink: ByteSink,
    end: (graceful: boolean) => void,
    onConnectionClose: (listener: () => void) => void,
  ): void {
    const { hub, scheduler, fanout, config, log, clients, authorizer } = this.#context;
    const id = `${protocol}-${this.#nextId++}`;
    const tag = protocol === 'flv' ? 'http-flv' : 'ws-flv';
    const writer = new BatchedWriter(sink, scheduler);
    let ended = false;
    const finish = (reason: string, graceful: boolean) => {
      if (ended) return;
      ended = true;
      if (graceful) writer.flush();
      writer.close();
      log.info(tag, 'viewer closed', { id, reason });
      end(graceful);
    };
    const queue = new PlayerQueue(writer, config.player, (reason) => {
      clients.countSlowDisconnect();
      finish(reason, false);
    });
    const player = new FlvPlayer(id, protocol, queue, fanout, (header) => writer.writeNow(header), (reason, graceful) => finish(reason, graceful));
    const stream = hub.subscribe(media.app, media.name, player);
    const client: Client = {
      id,
      protocol,
      remoteAddress: `${ip}:${port}`,
      connectedAt: Date.now(),
      streams: () => [{ app: media.app, name: media.name, role: 'play' }],
      stats: (): ClientStats => ({ bytesIn: 0, bytesOut: queue.bytesSent, droppedFrames: queue.droppedFrames }),
      kick: (reason) => finish(reason, false),
    };
    clients.add(client);
    log.info(tag, 'viewer joined', { id, app: media.app, name: media.name });
    onConnectionClose(() => {
      ended = true;
      writer.close();
      player.stop();
      hub.unsubscribe(stream, player);
      clients.remove(client);
      authorizer.notify({ action: 'stop', app: media.app, stream: media.name, query: media.query, clientId: id, ip, protocol });
    });
  }
}
