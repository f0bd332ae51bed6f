// The streaming server as a library: one stream hub fed by RTMP publishers and read by
// every output. The HTTP side (HTTP-FLV, HLS, API) attaches to a server the caller owns,
// so that one HTTP port can also carry the web app and the link gateway.
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { StreamHub } from './hub/stream-hub.ts';
import { FlushScheduler } from './delivery/flush-scheduler.ts';
import { FanoutGroups } from './delivery/fanout-group.ts';
import { RtmpServer } from './rtmp/rtmp-server.ts';
import { MediaHttp } from './http/media-http.ts';
import { Recordings } from './record/flv-recorder.ts';
import { HlsOutput } from './hls/hls-output.ts';
import { createAuthorizer, type Authorizer } from './auth/authorizer.ts';
import { createWebhooks } from './auth/webhook.ts';
import { ClientRegistry } from './metrics/client-registry.ts';
import { resolveMediaConfig, type MediaServerConfig, type MediaServerOverrides } from './config.ts';
import { silentLog, type MediaLog } from './log.ts';

export interface MediaServerOptions {
  config?: MediaServerOverrides;
  log?: MediaLog;
}

export class MediaServer {
  readonly config: MediaServerConfig;
  readonly hub: StreamHub;
  readonly rtmp: RtmpServer;
  readonly log: MediaLog;
  readonly hls: HlsOutput;
  readonly clients = new ClientRegistry();
  readonly authorizer: Authorizer;
  readonly #http: MediaHttp;
  readonly #recordings: Recordings | null;

  constructor(options: MediaServerOptions = {}) {
    this.config = resolveMediaConfig(options.config);
    this.log = options.log ?? silentLog;
    this.hub = new StreamHub({ gopCacheBytes: this.config.gopCacheBytes });
    const scheduler = new FlushScheduler(this.config.mergeWindowMs);
    this.authorizer = buildAuthorizer(this.config.auth, this.log);
    const context = { hub: this.hub, scheduler, fanout: new FanoutGroups(scheduler), config: this.config, log: this.log, authorizer: this.authorizer, clients: this.clients };
    this.rtmp = new RtmpServer(context);
    this.hls = new HlsOutput(this.hub, this.config.hls, this.log, this.clients);
    this.#http = new MediaHttp(context, this.hls);
    this.#recordings = this.config.record.enabled ? new Recordings(this.hub, this.config.record.dir, this.log) : null;
  }

  /** Serves the media paths (HTTP-FLV, API); returns false for paths that are not the media server's. */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean {
    return this.#http.handleRequest(req, res);
  }

  /** WebSocket-FLV upgrades; returns false for paths that are not the media server's. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    return this.#http.handleUpgrade(req, socket, head);
  }

  listenRtmp(host: string, port: number): Promise<AddressInfo> {
    return this.rtmp.listen(host, port);
  }

  /** Stops accepting, disconnects everyone and finishes recordings. */
  async close(): Promise<void> {
    await Promise.all([this.#recordings?.close(), this.hls.close()]);
    await this.rtmp.close();
    await this.authorizer.drain();
  }
}

/** Token checks and hooks as configured; with neither, every publish and play is allowed. */
function buildAuthorizer(auth: MediaServerConfig['auth'], log: MediaLog): Authorizer {
  const hasHooks = Object.values(auth.hooks).some((url) => url !== undefined && url !== '');
  return createAuthorizer({
    // Requiring tokens without a secret is refused here (AuthConfigError), not silently ignored.
    token: auth.secrets.length > 0 || auth.requirePublishToken || auth.requirePlayToken ? { secrets: auth.secrets, requireForPublish: auth.requirePublishToken, requireForPlay: auth.requirePlayToken } : undefined,
    webhooks: hasHooks ? createWebhooks({ urls: auth.hooks, timeoutMs: auth.hookTimeoutMs, log }) : undefined,
  });
}
