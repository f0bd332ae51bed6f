// HLS bytes out: playlists, init sections and segments served over HTTP add exactly their body
// bytes to livelink_bytes_out_total{protocol="hls"}, read from a real server's /metrics.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestServer } from './support/server.ts';
import { feed, publishAvc } from './support/hls-frames.ts';

async function hlsBytesOut(metricsUrl: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  const match = /^livelink_bytes_out_total\{protocol="hls"\} (\d+)$/m.exec(text);
  assert.ok(match, 'the hls sample is exposed');
  return Number(match[1]);
}

async function fetchBody(url: string, init?: RequestInit): Promise<{ status: number; bytes: number }> {
  const response = await fetch(url, init);
  return { status: response.status, bytes: (await response.arrayBuffer()).byteLength };
}

for (const segmentFormat of ['ts', 'fmp4'] as const) {
  test(`${segmentFormat}: the hls bytes-out counter grows by exactly the bytes of the playlists and segments fetched`, async (t) => {
    const server = await startTestServer({ hls: { targetDurationMs: 1000, segmentFormat } });
    t.after(() => server.close());
    const stream = publishAvc(server.media.hub, 'live', 'test', { audio: true });
    feed(stream, { fromMs: 0, toMs: 4500, gopFrames: 25, audio: true });
    const metrics = server.httpUrl('metrics');
    const before = await hlsBytesOut(metrics);

    const playlistUrl = server.httpUrl('live/test.m3u8');
    const playlist = await (await fetch(playlistUrl)).text();
    let fetched = Buffer.byteLength(playlist);
    const uris = playlist.split('\n').flatMap((line) => {
      if (line.startsWith('#EXT-X-MAP:URI="')) return [line.slice('#EXT-X-MAP:URI="'.length, -1)];
      return line !== '' && !line.startsWith('#') ? [line] : [];
    });
    assert.equal(uris.length, segmentFormat === 'fmp4' ? 5 : 4, uris.join(' '));
    for (const uri of uris) {
      const { status, bytes } = await fetchBody(server.httpUrl(`live/${uri}`));
      assert.equal(status, 200, uri);
      assert.ok(bytes > 0, uri);
      fetched += bytes;
    }
    assert.equal((await hlsBytesOut(metrics)) - before, fetched);

    // Neither HEAD answers (headers only) nor misses carry a body worth counting.
    assert.equal((await fetchBody(server.httpUrl(`live/${uris.at(-1)}`), { method: 'HEAD' })).bytes, 0);
    assert.equal((await fetchBody(server.httpUrl('live/test/00000000-1.ts'))).status, 404);
    assert.equal((await fetchBody(server.httpUrl('live/none.m3u8'))).status, 404);
    assert.equal((await hlsBytesOut(metrics)) - before, fetched);
  });
}
