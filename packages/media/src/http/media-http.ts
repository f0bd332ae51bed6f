// The media server's HTTP side: HTTP-FLV and WebSocket-FLV at /{app}/{stream}.flv, HLS at
// /{app}/{stream}.m3u8, and the streams API. It answers only its own paths so one HTTP server can carry other routes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { StreamHub } from '../hub/stream-hub.ts';
import type { MediaServerConfig } from '../config.ts';
import type { MediaLog } from '../log.ts';
import type { FlushScheduler } from '../delivery/flush-scheduler.ts';
import { BatchedWriter, writableSink, type ByteSink } from '../delivery/batched-writer.ts';
import { PlayerQueue } from '../delivery/player-queue.ts';
import { FlvPlayer } from './flv-player.ts';
import { parseMediaPath, type MediaPath } from './paths.ts';
import { handleStreamsApi } from './api.ts';
import { matchHlsPath } from '../hls/paths.ts';
import type { HlsOutput } from '../hls/hls-output.ts';

const CORS = { 'access-control-allow-origin': '*' };

export class MediaHttp {
  readonly #hub: StreamHub;
  readonly #hls: HlsOutput;
  readonly #scheduler: FlushScheduler;
  readonly #config: MediaServerConfig;
  readonly #log: MediaLog;
  readonly #webSockets = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  #nextId = 1;

  constructor(hub: StreamHub, hls: HlsOutput, scheduler: FlushScheduler, config: MediaServerConfig, log: MediaLog) {
    this.#hub = hub;
    this.#hls = hls;
    this.#scheduler = scheduler;
    this.#config = config;
    this.#log = log;
  }

  handleRequest(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url ?? '/';
    const hlsPath = matchHlsPath(url);
    if (hlsPath && this.#hls.handleRequest(hlsPath, req, res)) return true;
    const pathname = url.split('?', 1)[0];
    if (req.method === 'OPTIONS' && (pathname.startsWith('/api/') || parseMediaPath(url))) {
      res.writeHead(204, { ...CORS, 'access-control-allow-methods': 'GET, DELETE, OPTIONS', 'access-control-allow-headers': 'authorization, content-type' }).end();
      return true;
    }
    if (req.method === 'GET' && handleStreamsApi(pathname, res, this.#hub, this.#hls)) return true;
    const media = parseMediaPath(url);
    if (media === null || media.extension !== 'flv' || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
    this.#serveHttpFlv(media, req, res);
    return true;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const media = parseMediaPath(req.url ?? '/');
    if (media === null || media.extension !== 'flv') return false;
    this.#webSockets.handleUpgrade(req, socket, head, (ws) => this.#serveWsFlv(media, ws));
    return true;
  }

  #serveHttpFlv(media: MediaPath, req: IncomingMessage, res: ServerResponse): void {
    const stream = this.#hub.get(media.app, media.name);
    if (stream === undefined || stream.publisher === null) {
      res.writeHead(404, { ...CORS, 'content-type': 'text/plain' }).end(`no live stream ${media.app}/${media.name}\n`);
      return;
    }
    res.writeHead(200, { ...CORS, 'content-type': 'video/x-flv', 'cache-control': 'no-cache', connection: 'close' });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    res.socket?.setNoDelay(true);
    const id = `flv-${this.#nextId++}`;
    const player = this.#attach(id, 'flv', media, writableSink(res), (reason, graceful) => {
      this.#log.info('http-flv', 'viewer closed', { id, reason });
      if (graceful) res.end();
      else res.destroy();
    });
    res.on('close', () => player.detach());
  }

  #serveWsFlv(media: MediaPath, ws: WebSocket): void {
    const stream = this.#hub.get(media.app, media.name);
    if (stream === undefined || stream.publisher === null) {
      ws.close(4404, `no live stream ${media.app}/${media.name}`);
      return;
    }
    const id = `ws-${this.#nextId++}`;
    const sink: ByteSink = {
      writeBatch: (chunks) => ws.send(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks), { binary: true }),
      get backlogBytes() {
        return ws.bufferedAmount;
      },
    };
    const player = this.#attach(id, 'ws', media, sink, (reason, graceful) => {
      this.#log.info('ws-flv', 'viewer closed', { id, reason });
      if (graceful) ws.close(1000, reason.slice(0, 100));
      else ws.terminate();
    });
    ws.on('close', () => player.detach());
  }

  /** Subscribes a new FLV viewer; returns how to detach it when its connection ends. */
  #attach(id: string, protocol: 'flv' | 'ws', media: MediaPath, sink: ByteSink, end: (reason: string, graceful: boolean) => void) {
    const writer = new BatchedWriter(sink, this.#scheduler);
    let ended = false;
    const finish = (reason: string, graceful: boolean) => {
      if (ended) return;
      ended = true;
      if (graceful) writer.flush();
      writer.close();
      end(reason, graceful);
    };
    const queue = new PlayerQueue(writer, this.#config.player, (reason) => finish(reason, false));
    const player = new FlvPlayer(id, protocol, queue, (header) => writer.write(header), finish);
    const stream = this.#hub.subscribe(media.app, media.name, player);
    this.#log.info(protocol === 'flv' ? 'http-flv' : 'ws-flv', 'viewer joined', { id, app: media.app, name: media.name });
    return {
      detach: () => {
        ended = true;
        writer.close();
        this.#hub.unsubscribe(stream, player);
      },
    };
  }
}
