// HLS for every live stream: one HlsStream per stream, started on the hub's publish event, and the
// HTTP side serving playlists and segments from memory.
//
// Lifecycle of a playlist when its publisher leaves: it stays live (unchanged) for
// republishGraceMs, so a publisher that reconnects continues it after an EXT-X-DISCONTINUITY and
// players never notice more than a stall. If nobody comes back it gets EXT-X-ENDLIST (players finish
// and stop polling), is still served for endedRetainMs, then dropped. A publish after the end starts
// a new playlist under a new epoch.
//
// With Low-Latency HLS (partTargetMs > 0) requests may wait: a blocking playlist reload until the
// playlist holds the segment or part it names, a preload-hinted part until it is complete. Each
// waits on its stream's change notifications, bounded by three target durations (then 503, as
// RFC 8216bis 6.2.5.2 suggests), and stops waiting when the client goes away. A playlist request
// with _HLS_skip (alone or with a blocking reload) is answered with a Playlist Delta Update when
// the playlist offers them.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { StreamHub } from '../hub/stream-hub.ts';
import { streamKey, type LiveStream } from '../hub/live-stream.ts';
import type { MediaLog } from '../log.ts';
import type { HlsConfig } from './config.ts';
import { HlsStream, type HlsStreamStats } from './hls-stream.ts';
import type { HlsPartPath, HlsPath } from './paths.ts';
import { BlockingRequestError, advancePartLimit, comparePositions, judgeBlockingRequest, parseBlockingRequest, type BlockingRequest } from './blocking-reload.ts';
import { SEGMENT_EXTENSIONS, type SegmentExtension } from './segment-writer.ts';
import { SkipRequestError, parseSkipDirective, type SkipDirective } from './delta-update.ts';

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
  readonly #partLimit: number;
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
    this.#partLimit = config.partTargetMs > 0 ? advancePartLimit(config.partTargetMs) : 0;
    if (!config.enabled) return;
    hub.on({ publish: (stream) => this.#published(stream), unpublish: (stream) => this.#unpublished(stream) });
  }

  /**
   * Serves a playlist (/{app}/{stream}.m3u8), segment (/{app}/{stream}/{epoch}-{n}.ts or .m4s),
   * part ({epoch}-{n}.{part}.m4s) or fMP4 init section ({epoch}-init-{id}.mp4) named by
   * matchHlsPath; false when HLS is disabled or the path is not an HLS one.
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
    } else if ('part' in path) {
      this.#servePart(entry.hls, path, req, res);
    } else if (path.extension === 'ts' || path.extension === 'm4s') {
      // A .ts URL never names an fMP4 segment, nor .m4s an MPEG-TS one.
      const segment = path.epoch === entry.hls.epoch && path.extension === this.#segmentExtension ? entry.hls.playlist.segment(path.sequence) : undefined;
      if (segment === undefined) notFound(res, `no segment ${path.epoch}-${path.sequence}.${path.extension} of ${path.app}/${path.name}`);
      else this.#send(req, res, SEGMENT_CONTENT_TYPES[path.extension], this.#segmentCacheControl, segment.data);
    } else {
      entry.hls.viewers.seen(clientOf(req), Date.now());
      this.#servePlaylist(entry.hls, path.query, req, res);
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

  /**
   * The playlist now, or (a stream just published) once it lists something, rather than make the
   * player retry: its first segment, or with low latency its first part; or (a blocking reload)
   * once it holds what the query asks for, a part of the first segment too; as a delta update when
   * asked for one.
   */
  #servePlaylist(hls: HlsStream, query: string, req: IncomingMessage, res: ServerResponse): void {
    let request: BlockingRequest | null = null;
    let skip: SkipDirective | null = null;
    try {
      if (this.#config.partTargetMs > 0) request = parseBlockingRequest(query);
      // RFC 8216bis 6.2.5.1: a playlist without CAN-SKIP-UNTIL MUST ignore _HLS_skip, whatever its value.
      if (hls.playlist.offersDeltaUpdates) skip = parseSkipDirective(query);
    } catch (error) {
      if (!(error instanceof BlockingRequestError || error instanceof SkipRequestError)) throw error;
      badRequest(res, error.message);
      return;
    }
    const attempt = (): boolean => {
      const text = hls.playlist.render();
      if (text === null) {
        if (hls.live) return false;
        notFound(res, `HLS stream ${hls.app}/${hls.name} has ${this.#nothingListed()}`);
        return true;
      }
      // An ended playlist gets no more segments: blocking for one would only time out.
      const verdict = request === null || hls.playlist.ended ? 'ready' : judgeBlockingRequest(request, hls.playlist.edge, this.#partLimit);
      if (verdict === 'wait') return false;
      if (verdict === 'too-far') {
        badRequest(res, `_HLS_msn=${request!.msn}${request!.part === null ? '' : ` _HLS_part=${request!.part}`} is too far ahead of the playlist`);
        return true;
      }
      const delta = skip === null ? null : hls.playlist.renderDelta(skip);
      if (delta !== null) hls.deltaUpdateServed();
      this.#send(req, res, 'application/vnd.apple.mpegurl', 'no-cache', delta ?? text);
      return true;
    };
    this.#hold(hls, res, attempt, request === null ? this.#config.firstSegmentWaitMs : this.#blockingTimeoutMs(hls), () => {
      if (hls.playlist.render() === null) notFound(res, `HLS stream ${hls.app}/${hls.name} has ${this.#nothingListed()} yet`);
      else unavailable(res, `HLS stream ${hls.app}/${hls.name}: the playlist did not reach _HLS_msn=${request!.msn} in time`);
    });
  }

  /** What a playlist that renders nothing lacks: a segment, or with low latency a part as well. */
  #nothingListed(): string {
    return this.#config.partTargetMs > 0 ? 'no segment nor part' : 'no segment';
  }

  /** A part now, or, when it is the one the preload hint names, once it is complete. */
  #servePart(hls: HlsStream, path: HlsPartPath, req: IncomingMessage, res: ServerResponse): void {
    const position = { msn: path.sequence, part: path.part };
    const name = `${path.epoch}-${path.sequence}.${path.part}.m4s of ${hls.app}/${hls.name}`;
    if (this.#config.partTargetMs === 0 || path.epoch !== hls.epoch) {
      notFound(res, `no part ${name}`);
      return;
    }
    const attempt = (): boolean => {
      const part = hls.playlist.part(position);
      if (part !== undefined) {
        this.#send(req, res, SEGMENT_CONTENT_TYPES.m4s, this.#segmentCacheControl, part.data);
        return true;
      }
      // Once the playlist has moved past it (its segment ended first), the hinted part never comes.
      if (hls.live && comparePositions(position, hls.playlist.nextPart) === 0) return false;
      notFound(res, `no part ${name}`);
      return true;
    };
    this.#hold(hls, res, attempt, this.#blockingTimeoutMs(hls), () => unavailable(res, `part ${name} was not complete in time`));
  }

  /** RFC 8216bis 6.2.5.2: a blocking request unanswered after three target durations gets 503. */
  #blockingTimeoutMs(hls: HlsStream): number {
    return 3 * Math.max(this.#config.targetDurationMs, hls.playlist.targetDurationS * 1000);
  }

  /** Answers now if `attempt` can, else on each change of the stream until it does, the client leaves or `timeoutMs` passes. */
  #hold(hls: HlsStream, res: ServerResponse, attempt: () => boolean, timeoutMs: number, timedOut: () => void): void {
    if (attempt()) return;
    const stop = () => {
      clearTimeout(timer);
      cancel();
      res.off('close', stop);
    };
    const cancel = hls.onChange(() => {
      if (attempt()) stop();
    });
    const timer = setTimeout(() => {
      stop();
      timedOut();
    }, timeoutMs);
    res.on('close', stop);
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
  plainError(res, 404, message);
}

function badRequest(res: ServerResponse, message: string): void {
  plainError(res, 400, message);
}

function unavailable(res: ServerResponse, message: string): void {
  plainError(res, 503, message);
}

function plainError(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { ...CORS, 'content-type': 'text/plain', 'cache-control': 'no-cache' }).end(`${message}\n`);
}
