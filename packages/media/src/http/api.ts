// The read side of the HTTP API (/api/v1/...): JSON descriptions of live streams.
import type { ServerResponse } from 'node:http';
import type { StreamHub } from '../hub/stream-hub.ts';
import type { LiveStream } from '../hub/live-stream.ts';
import { videoInfo, audioInfo } from '../hub/stream-info.ts';

export function describeStream(stream: LiveStream) {
  const players = { rtmp: 0, flv: 0, ws: 0, hls: 0, total: 0 };
  for (const subscriber of stream.subscribers) {
    if (subscriber.protocol in players) {
      players[subscriber.protocol as keyof typeof players]++;
      players.total++;
    }
  }
  return {
    app: stream.app,
    name: stream.name,
    publishing: stream.publisher !== null,
    startedAt: stream.publishStartedAt?.toISOString() ?? null,
    video: videoInfo(stream),
    audio: audioInfo(stream),
    bitrateKbps: stream.bitrateKbps(),
    bytesIn: stream.bytesIn,
    players,
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

/** Answers /api/v1/streams[/{app}/{stream}]; returns false for any other path. */
export function handleStreamsApi(pathname: string, res: ServerResponse, hub: StreamHub): boolean {
  if (pathname === '/api/v1/streams') {
    const streams = [...hub.streams()].filter((stream) => stream.publisher !== null).map(describeStream);
    sendJson(res, 200, { streams });
    return true;
  }
  const prefix = '/api/v1/streams/';
  if (!pathname.startsWith(prefix)) return false;
  const rest = pathname.slice(prefix.length);
  const slash = rest.lastIndexOf('/');
  const stream = slash > 0 ? hub.get(decodeURIComponent(rest.slice(0, slash)), decodeURIComponent(rest.slice(slash + 1))) : undefined;
  if (stream === undefined || stream.publisher === null) sendJson(res, 404, { error: `no live stream at ${rest}` });
  else sendJson(res, 200, describeStream(stream));
  return true;
}
