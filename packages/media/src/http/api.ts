// The read side of the HTTP API (/api/v1/...): JSON descriptions of live streams.
import type { ServerResponse } from 'node:http';
import type { StreamHub } from '../hub/stream-hub.ts';
import type { LiveStream } from '../hub/live-stream.ts';
import { videoInfo, audioInfo } from '../hub/stream-info.ts';
import type { HlsOutput } from '../hls/hls-output.ts';

export function describeStream(stream: LiveStream, hls: HlsOutput) {
  // HLS viewers fetch segments rather than subscribe (the one 'hls' subscriber is the
  // segmenter), so they are counted by the HLS output.
  const players = { rtmp: 0, flv: 0, ws: 0, hls: hls.viewers(stream.app, stream.name), total: 0 };
  for (const subscriber of stream.subscribers) {
    if (subscriber.protocol === 'rtmp' || subscriber.protocol === 'flv' || subscriber.protocol === 'ws') players[subscriber.protocol]++;
  }
  players.total = players.rtmp + players.flv + players.ws + players.hls;
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
    /** Segmenter figures, including availability: closing keyframe in → playlist listing the segment. */
    hls: hls.stats(stream.app, stream.name),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

/** Answers /api/v1/streams[/{app}/{stream}]; returns false for any other path. */
export function handleStreamsApi(pathname: string, res: ServerResponse, hub: StreamHub, hls: HlsOutput): boolean {
  if (pathname === '/api/v1/streams') {
    const streams = [...hub.streams()].filter((stream) => stream.publisher !== null).map((stream) => describeStream(stream, hls));
    sendJson(res, 200, { streams });
    return true;
  }
  const prefix = '/api/v1/streams/';
  if (!pathname.startsWith(prefix)) return false;
  const rest = pathname.slice(prefix.length);
  const slash = rest.lastIndexOf('/');
  const app = slash > 0 ? decodePathPart(rest.slice(0, slash)) : null;
  const name = slash > 0 ? decodePathPart(rest.slice(slash + 1)) : null;
  const stream = app !== null && name !== null ? hub.get(app, name) : undefined;
  if (stream === undefined || stream.publisher === null) sendJson(res, 404, { error: `no live stream at ${rest}` });
  else sendJson(res, 200, describeStream(stream, hls));
  return true;
}

function decodePathPart(part: string): string | null {
  try {
    return decodeURIComponent(part);
  } catch {
    return null;
  }
}
