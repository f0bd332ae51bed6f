// The media server's HTTP side: HTTP-FLV and WebSocket-FLV at /{app}/{stream}.flv, HLS at
// /{app}/{stream}.m3u8, the streams and admin APIs, /metrics. It answers only its own paths
// so one HTTP server can carry other routes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { MediaContext } from '../media-context.ts';
import type { HlsOutput } from '../hls/hls-output.ts';
import { matchHlsPath, queryWithoutDeliveryDirectives, type HlsPath } from '../hls/paths.ts';
import { parseMediaPath } from './paths.ts';
import { handleStreamsApi } from './api.ts';
import { handleAdminApi } from './admin-api.ts';
import { FlvEndpoint, CORS } from './flv-endpoint.ts';
import { DecisionCache } from '../auth/decision-cache.ts';

export class MediaHttp {
  readonly #context: MediaContext;
  readonly #hls: HlsOutput;
  readonly #flv: FlvEndpoint;
  readonly #webSockets = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  /** A viewer's HLS player asks for the playlist every few seconds: authorise it once a while, not each time. */
  readonly #hlsDecisions = new DecisionCache(30_000, 10_000);

  constructor(context: MediaContext, hls: HlsOutput) {
    this.#context = context;
    this.#hls = hls;
    this.#flv = new FlvEndpoint(context);
  }

  handleRequest(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url ?? '/';
    const pathname = url.split('?', 1)[0];
    const hlsPath = matchHlsPath(url);
    if (hlsPath !== null) {
      void this.#serveHls(hlsPath, req, res);
      return true;
    }
    if (req.method === 'OPTIONS' && (pathname.startsWith('/api/') || parseMediaPath(url))) {
      res.writeHead(204, { ...CORS, 'access-control-allow-methods': 'GET, DELETE, OPTIONS', 'access-control-allow-headers': 'authorization, content-type' }).end();
      return true;
    }
    if (req.method === 'GET' && handleStreamsApi(pathname, res, this.#context.hub, this.#hls)) return true;
    const { hub, clients, config } = this.#context;
    if (handleAdminApi(req, res, pathname, { hub, clients, hls: this.#hls, adminToken: config.auth.adminToken })) return true;
    const media = parseMediaPath(url);
    if (media === null || media.extension !== 'flv' || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
    void this.#flv.serveHttp(media, req, res);
    return true;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const media = parseMediaPath(req.url ?? '/');
    if (media === null || media.extension !== 'flv') return false;
    this.#webSockets.handleUpgrade(req, socket, head, (ws) => void this.#flv.serveWebSocket(media, ws, req));
    return true;
  }

  /** Playlists are authorised (segments are reached only through them: their URLs carry a random epoch). */
  async #serveHls(path: HlsPath, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (path.extension === 'm3u8' && req.method !== 'OPTIONS') {
      const ip = req.socket.remoteAddress ?? '';
      const query = queryWithoutDeliveryDirectives(path.query);
      const key = `${ip} ${path.app}/${path.name}?${query}`;
      if (!this.#hlsDecisions.allows(key)) {
        const decision = await this.#context.authorizer.authorize({ action: 'play', app: path.app, stream: path.name, query, clientId: '', ip, protocol: 'hls' });
        if (!decision.ok) {
          res.writeHead(decision.httpStatus, { ...CORS, 'content-type': 'text/plain' }).end(`${decision.reason}\n`);
          return;
        }
        this.#hlsDecisions.remember(key);
      }
    }
    if (!this.#hls.handleRequest(path, req, res)) res.writeHead(404, CORS).end();
  }
}
