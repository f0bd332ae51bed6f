// HLS for every live stream: one HlsStream per stream, started on the hub's publish event, and the
// HTTP side serving playlists and segments from memory.
//
// Lifecycle of a playlist when its publisher leaves: it stays live (unchanged) for
// republishGraceMs, so a publisher that reconnects continues it after an EXT-X-DISCONTINUITY and
// players never notice more than a stall. If nobody comes back it gets EXT-X-ENDLIST (players finish
// and stop polling), is still served for endedRetainMs, then dropped. A publish after the end starts
// a new playlist under a new epoch.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { StreamHub } from '../hub/stream-hub.ts';
import { streamKey, type LiveStream } from '../hub/live-stream.ts';
import type { MediaLog } from '../log.ts';
import type { HlsConfig } from './config.ts';
import { HlsStream, type HlsStreamStats } from './hls-stream.ts';
import type { HlsPath } from './paths.ts';
import { SEGMENT_EXTENSIONS, type SegmentExtension } from './segment-writer.ts';

const CORS = { 'access-control-allow-origin': '*' };
/** RFC 8216 3.3 (fMP4 segments: ISO BMFF media types) and Apple's HLS authoring spec for MPEG-TS. */
const SEGMENT_CONTENT_TYPES = { ts: 'video/mp2t', m4s: 'video/iso.segment' } as const;

/** Where served bytes are counted (the client registry's bytes-out totals, protocol 'hls'). */
export interface HlsTraffic {
  addBytesOut(protocol: 'hls', bytes: number): void;
}

interface Entry {
  hls: HlsStream;
  /** The hub stream while subscribed; null once the playlist has ended. */
  live: LiveStream | null;
  timer: NodeJS.Timeout | null;
}

export class HlsOutput {
  readonly #hub: StreamHub;
  readonly #config: HlsConfig;
  readonly #log: MediaLog;
  readonly #traffic: HlsTraffic | null;
  readonly #entries = new Map<string, Entry>();
  /** Segments never change under their URL (the epoch makes URLs unique), so caches may keep them as long as they are served. */
  readonly #segmentCacheControl: string;
  readonly #segmentExtension: SegmentExtension;
  #nextId = 1;
  #closed = false;

  constructor(hub: StreamHub, config: HlsConfig, log: MediaLog, traffic: HlsTraffic | null = null) {
    this.#hub = hub;
    this.#config = config;
    this.#log = log;
    this.#traffic = traffic;
    const servedS = Math.ceil(((config.windowSegments + config.keepSegments) * config.maxSegmentDurationMs) / 1000);
    this.#segmentCacheControl = `public, max-age=${servedS}`;
    this.#segmentExtension = SEGMENT_EXTENSIONS[config.segmentFormat];
    if (!config.enabled) return;
    hub.on({ publish: (stream) => this.#published(stream), unpublish: (stream) => this.#unpublished(stream) });
  }

  /**
   * Serves a playlist (/{app}/{stream}.m3u8), segment (/{app}/{stream}/{epoch}-{n}.ts or .m4s) or
   * fMP4 init section ({epoch}-init-{id}.mp4) named by matchHlsPath; false when HLS is disabled or
   * the path is not an HLS one.
   */
  handleRequest(path: HlsPath, req: IncomingMessage, res: ServerResponse): boolean {
    if (!this.#config.enabled || path.extension === 'flv') return false;
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...CORS, 'access-control-allow-methods': 'GET, HEAD, OPTIONS' }).end();
      return true;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...CORS, allow: 'GET, HEAD, OPTIONS' }).end();
      return true;
    }
    const entry = this.#entries.get(streamKey(path.app, path.name));
    if (entry === undefined) {
      notFound(res, `no HLS stream ${path.app}/${path.name}`);
    } else if (path.extension === 'mp4') {
      const init = path.epoch === entry.hls.epoch ? entry.hls.playlist.init(path.id) : undefined;
      if (init === undefined) notFound(res, `no init section ${path.epoch}-init-${path.id} of ${path.app}/${path.name}`);
      else this.#send(req, res, 'video/mp4', this.#segmentCacheControl, init.data);
    } else if (path.extension === 'ts' || path.extension === 'm4s') {
      // A .ts URL never names an fMP4 segment, nor .m4s an MPEG-TS one.
      const segment = path.epoch === entry.hls.epoch && path.extension === this.#segmentExtension ? entry.hls.playlist.segment(path.sequence) : undefined;
      if (segment === undefined) notFound(res, `no segment ${path.epoch}-${path.sequence}.${path.extension} of ${path.app}/${path.name}`);
      else this.#send(req, res, SEGMENT_CONTENT_TYPES[path.extension], this.#segmentCacheControl, segment.data);
    } else {
      entry.hls.viewers.seen(clientOf(req), Date.now());
      this.#servePlaylist(entry.hls, req, res);
    }
    return true;
  }

  /** Approximate HLS viewers of a stream: distinct clients that fetched its playlist within viewerWindowMs. */
  viewers(app: string, name: string): number {
    return this.#entries.get(streamKey(app, name))?.hls.viewers.count(Date.now()) ?? 0;
  }

  /** Segmenting figures of a stream (including segment availability latency), or null if it has no playlist. */
  stats(app: string, name: string): HlsStreamStats | null {
    return this.#entries.get(streamKey(app, name))?.hls.stats() ?? null;
  }

  /** Drops every playlist and stops following the hub; waiting playlist requests get 404. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const [key, entry] of this.#entries) this.#drop(key, entry);
  }

  #servePlaylist(hls: HlsStream, req: IncomingMessage, res: ServerResponse): void {
    const text = hls.playlist.render();
    if (text !== null) {
      this.#send(req, res, 'application/vnd.apple.mpegurl', 'no-cache', text);
      return;
    }
    if (!hls.live) {
      notFound(res, `HLS stream ${hls.app}/${hls.name} has no segment`);
      return;
    }
    // Just published: answer when the first segment is cut rather than make the player retry.
    const done = () => {
      clearTimeout(timer);
      cancel();
      res.off('close', done);
    };
    const cancel = hls.whenReady(() => {
      done();
      this.#servePlaylist(hls, req, res);
    });
    const timer = setTimeout(() => {
      done();
      notFound(res, `HLS stream ${hls.app}/${hls.name} has no segment yet`);
    }, this.#config.firstSegmentWaitMs);
    res.on('close', done);
  }

  #send(req: IncomingMessage, res: ServerResponse, contentType: string, cacheControl: string, body: Buffer): void {
    res.writeHead(200, { ...CORS, 'content-type': contentType, 'cache-control': cacheControl, 'content-length': body.length });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    // Counted as handed to the socket, as RTMP and FLV players' bytes are.
    res.end(body);
    this.#traffic?.addBytesOut('hls', body.length);
  }

  #published(stream: LiveStream): void {
    if (this.#closed) return;
    const key = stream.key;
    const existing = this.#entries.get(key);
    if (existing !== undefined && existing.live !== null) {
      // A republish within the grace period: the hub has already restarted the subscriber.
      if (existing.timer !== null) clearTimeout(existing.timer);
      existing.timer = null;
      return;
    }
    if (existing !== undefined) this.#drop(key, existing);
    const epoch = randomBytes(4).toString('hex');
    const hls = new HlsStream(`hls-${this.#nextId++}`, stream.app, stream.name, epoch, this.#config, this.#log);
    const entry: Entry = { hls, live: null, timer: null };
    this.#entries.set(key, entry);
    entry.live = this.#hub.subscribe(stream.app, stream.name, hls);
    this.#log.info('hls', 'playlist started', { app: stream.app, name: stream.name, epoch });
  }

  #unpublished(stream: LiveStream): void {
    const entry = this.#entries.get(stream.key);
    if (entry === undefined || entry.live === null) return;
    if (entry.timer !== null) clearTimeout(entry.timer);
    entry.timer = setTimeout(() => this.#end(stream.key, entry), this.#config.republishGraceMs);
    entry.timer.unref();
  }

  #end(key: string, entry: Entry): void {
    entry.hls.end();
    this.#unsubscribe(entry);
    this.#log.info('hls', 'playlist ended', { app: entry.hls.app, name: entry.hls.name, segments: entry.hls.stats().segmentsProduced });
    entry.timer = setTimeout(() => this.#drop(key, entry), this.#config.endedRetainMs);
    entry.timer.unref();
  }

  #drop(key: string, entry: Entry): void {
    if (entry.timer !== null) clearTimeout(entry.timer);
    entry.timer = null;
    if (!entry.hls.playlist.ended) entry.hls.end();
    this.#unsubscribe(entry);
    if (this.#entries.get(key) === entry) this.#entries.delete(key);
    this.#log.info('hls', 'playlist dropped', { app: entry.hls.app, name: entry.hls.name });
  }

  #unsubscribe(entry: Entry): void {
    if (entry.live === null) return;
    this.#hub.unsubscribe(entry.live, entry.hls);
    entry.live = null;
  }
}

/** A viewer as HLS can tell one: its address and player. Behind a proxy all viewers share the proxy's address. */
function clientOf(req: IncomingMessage): string {
  return `${req.socket.remoteAddress ?? ''}|${req.headers['user-agent'] ?? ''}`;
}

function notFound(res: ServerResponse, message: string): void {
  res.writeHead(404, { ...CORS, 'content-type': 'text/plain', 'cache-control': 'no-cache' }).end(`${message}\n`);
}
