// A stand-in for the media server in browser tests: serves the web app, the stream status API, and real
// media as a live source would (FLV paced at real time over HTTP or WebSocket, HLS with a growing playlist).
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocketServer, type WebSocket } from 'ws';
import type { StreamInfo } from '../../src/app/api.ts';
import type { WebApp } from '../../src/index.ts';
import type { TestMedia } from './test-media.ts';

/**
 * `paced`: the FLV file at real-time pace after a first burst of `burstSeconds` (1 by default, like a server's
 * GOP cache); after `sessionSeconds` of media the connection is closed (a publisher that leaves; the next
 * request starts a new session, like a publisher that came back), or with `freeze` kept open without data
 * (a publisher whose uplink hangs).
 * `garbage`: bytes that are no FLV, which MSE playback cannot use.
 */
export type FlvBehavior =
  | { kind: 'paced'; burstSeconds?: number; sessionSeconds?: number; freeze?: boolean }
  | { kind: 'garbage' };

export interface FakeOriginOptions {
  webApp: WebApp;
  media: TestMedia;
  streams: StreamInfo[];
  /** By stream name; a name without an entry gets the whole file, paced. */
  flvBehaviors?: Record<string, FlvBehavior>;
}

export interface FakeOrigin {
  /** http://127.0.0.1:PORT */
  url: string;
  setStreams(streams: StreamInfo[]): void;
  /** FLV sessions (HTTP and WebSocket) started for a stream name so far. */
  flvSessions(name: string): number;
  close(): Promise<void>;
}

/** Media available in the playlist when its first request arrives. */
const HLS_HEAD_START_SECONDS = 3;
const HLS_WINDOW_SEGMENTS = 6;

/** The status API's view of the test media, as the media server would report it. */
export function testStreamInfo(media: TestMedia, app: string, name: string): StreamInfo {
  const flvBytes = media.flvTags.reduce((sum, tag) => sum + tag.bytes.length, 0);
  return {
    app,
    name,
    publishing: true,
    startedAt: new Date(Date.now() - 83_000).toISOString(),
    video: { codec: 'avc1.42C01E', width: media.width, height: media.height, fps: media.fps },
    audio: { codec: 'mp4a.40.2', sampleRate: 44100, channels: 1 },
    bitrateKbps: Math.round((flvBytes * 8) / 1000 / media.durationSeconds),
    players: { rtmp: 0, flv: 1, ws: 0, hls: 1, total: 2 },
  };
}

interface ByteSink {
  send(bytes: Uint8Array): void;
  isOpen(): boolean;
  end(): void;
}

async function sendPacedFlv(media: TestMedia, behavior: Extract<FlvBehavior, { kind: 'paced' }>, sink: ByteSink): Promise<void> {
  const burstMs = (behavior.burstSeconds ?? 1) * 1000;
  const lastMs = (behavior.sessionSeconds ?? media.durationSeconds) * 1000;
  const started = performance.now();
  sink.send(media.flvHeader);
  for (const tag of media.flvTags) {
    if (tag.timestampMs > lastMs) break;
    const wait = tag.timestampMs - burstMs - (performance.now() - started);
    if (wait > 0) await sleep(wait);
    if (!sink.isOpen()) return;
    sink.send(tag.bytes);
  }
  if (!behavior.freeze) sink.end();
}

function garbageBytes(): Uint8Array {
  const bytes = new Uint8Array(64 * 1024);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + 7) & 0xff;
  return bytes;
}

function livePlaylist(media: TestMedia, name: string, elapsedSeconds: number): string {
  let available = 0;
  let end = 0;
  for (const segment of media.hlsSegments) {
    if (end + segment.durationSeconds > elapsedSeconds + HLS_HEAD_START_SECONDS) break;
    end += segment.durationSeconds;
    available++;
  }
  const first = Math.max(0, available - HLS_WINDOW_SEGMENTS);
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', `#EXT-X-TARGETDURATION:${media.hlsTargetDuration}`, `#EXT-X-MEDIA-SEQUENCE:${first}`];
  for (const segment of media.hlsSegments.slice(first, available)) {
    lines.push(`#EXTINF:${segment.durationSeconds.toFixed(6)},`, `${encodeURIComponent(name)}/${segment.uri}`);
  }
  if (available === media.hlsSegments.length) lines.push('#EXT-X-ENDLIST');
  return `${lines.join('\n')}\n`;
}

const FLV_PATH = /^\/([^/]+)\/([^/]+)\.flv$/;
const PLAYLIST_PATH = /^\/([^/]+)\/([^/]+)\.m3u8$/;
const SEGMENT_PATH = /^\/([^/]+)\/([^/]+)\/(seg\d+\.ts)$/;
const STREAM_API_PATH = /^\/api\/v1\/streams\/([^/]+)\/([^/]+)$/;

export async function startFakeOrigin(options: FakeOriginOptions): Promise<FakeOrigin> {
  const { webApp, media } = options;
  let streams = options.streams;
  const sessions = new Map<string, number>();
  const playlistClocks = new Map<string, number>();
  const behaviorOf = (name: string): FlvBehavior => options.flvBehaviors?.[name] ?? { kind: 'paced' };

  const startFlvSession = (name: string, sink: ByteSink) => {
    sessions.set(name, (sessions.get(name) ?? 0) + 1);
    const behavior = behaviorOf(name);
    if (behavior.kind === 'garbage') {
      sink.send(garbageBytes());
      sink.end();
      return;
    }
    void sendPacedFlv(media, behavior, sink);
  };

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const { pathname } = new URL(req.url ?? '/', 'http://origin');
    const page = webApp.get(pathname);
    if (page) {
      res.writeHead(200, { 'content-type': page.contentType, 'content-length': page.body.length });
      res.end(page.body);
      return;
    }
    if (pathname === '/api/v1/streams') return json(res, 200, { streams });
    const apiMatch = STREAM_API_PATH.exec(pathname);
    if (apiMatch) {
      const [app, name] = [decodeURIComponent(apiMatch[1]), decodeURIComponent(apiMatch[2])];
      const stream = streams.find((s) => s.app === app && s.name === name);
      return stream ? json(res, 200, stream) : json(res, 404, { error: `stream ${app}/${name} is not live` });
    }
    const flvMatch = FLV_PATH.exec(pathname);
    if (flvMatch) {
      // No content-length: node sends the body with chunked transfer encoding, as a live FLV server does.
      res.writeHead(200, { 'content-type': 'video/x-flv', 'cache-control': 'no-store' });
      startFlvSession(decodeURIComponent(flvMatch[2]), {
        send: (bytes) => res.write(bytes),
        isOpen: () => !res.destroyed && !res.writableEnded,
        end: () => res.end(),
      });
      return;
    }
    const playlistMatch = PLAYLIST_PATH.exec(pathname);
    if (playlistMatch) {
      const key = pathname;
      if (!playlistClocks.has(key)) playlistClocks.set(key, performance.now());
      const elapsed = (performance.now() - playlistClocks.get(key)!) / 1000;
      res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl', 'cache-control': 'no-store' });
      res.end(livePlaylist(media, decodeURIComponent(playlistMatch[2]), elapsed));
      return;
    }
    const segmentMatch = SEGMENT_PATH.exec(pathname);
    if (segmentMatch) {
      const body = await readFile(path.join(media.hlsDir, segmentMatch[3]));
      res.writeHead(200, { 'content-type': 'video/mp2t', 'content-length': body.length });
      res.end(body);
      return;
    }
    json(res, 404, { error: `no route for ${pathname}` });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => {
      if (!res.headersSent) json(res, 500, { error: error.message });
      else res.destroy(error);
    });
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const match = FLV_PATH.exec(new URL(req.url ?? '/', 'http://origin').pathname);
    if (!match) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      startFlvSession(decodeURIComponent(match[2]), {
        send: (bytes) => ws.send(bytes),
        isOpen: () => ws.readyState === ws.OPEN,
        end: () => ws.close(1000, 'stream ended'),
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    setStreams(next) {
      streams = next;
    },
    flvSessions: (name) => sessions.get(name) ?? 0,
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
