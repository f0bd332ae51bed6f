// Issue 4 acceptance 1 and 4: ffprobe reads the HTTP-FLV and HLS outputs with exactly the
// right streams; a recording plays back with the full duration; the API and /metrics reflect
// a running publish with N players.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer } from './support/server.ts';
import { makeClip, ffmpegPublish, ffprobeStreams, run, start, waitFor } from './support/peers.ts';
import { connectClient } from './support/rtmp-client.ts';
import { WebSocket } from 'ws';

test('HTTP-FLV, WebSocket-FLV and HLS carry exactly H.264 and AAC; a recording has the full duration', async () => {
  const recordDir = mkdtempSync(join(tmpdir(), 'livelink-rec-'));
  const server = await startTestServer({ record: { enabled: true, dir: recordDir } });
  const clip = await makeClip({ seconds: 4 });
  // One pass of the clip (no loop), so the recording's expected length is known.
  const publisher = start('ffmpeg', ['-v', 'error', '-re', '-i', clip, '-c', 'copy', '-f', 'flv', server.rtmpUrl('live/out')], { timeoutMs: 30_000 });
  try {
    await waitFor(() => server.media.hub.get('live', 'out')?.videoSequenceHeader != null, 10_000, 'the publish');
    for (const url of [server.httpUrl('live/out.flv'), server.httpUrl('live/out.m3u8')]) {
      const streams = await ffprobeStreams(url);
      assert.deepEqual(streams.map((s) => `${s.codec_type}:${s.codec_name}`).sort(), ['audio:aac', 'video:h264'], url);
      const video = streams.find((s) => s.codec_type === 'video')!;
      assert.equal(`${video.width}x${video.height}`, '320x240', url);
    }
    const ws = new WebSocket(server.httpUrl('live/out.flv').replace('http:', 'ws:'));
    const firstBytes = await new Promise<Buffer>((resolve, reject) => {
      ws.once('message', (data) => resolve(data as Buffer));
      ws.once('error', reject);
    });
    assert.equal(firstBytes.subarray(0, 3).toString(), 'FLV', 'WebSocket-FLV starts with an FLV header');
    ws.close();
  } finally {
    await publisher.finished;
  }
  await server.close();
  const [recording] = readdirSync(join(recordDir, 'live'));
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', join(recordDir, 'live', recording)]);
  const duration = Number(stdout.trim());
  assert.ok(Math.abs(duration - 4) < 0.3, `recording duration ${duration} s for a 4 s publish`);
  await run('ffmpeg', ['-v', 'error', '-xerror', '-i', join(recordDir, 'live', recording), '-f', 'null', '-']);
});

test('the API and /metrics reflect a publish with N players', async () => {
  const server = await startTestServer();
  const publisher = ffmpegPublish(server.rtmpUrl('live/counted'), await makeClip({ seconds: 4 }));
  const players = [];
  try {
    await waitFor(() => server.media.hub.get('live', 'counted')?.videoSequenceHeader != null, 10_000, 'the publish');
    for (let i = 0; i < 3; i++) {
      const player = await connectClient(server.rtmpUrl('live/counted'));
      await player.session.play(await player.session.createStream(), 'counted');
      players.push(player);
    }
    const flv = await fetch(server.httpUrl('live/counted.flv'));
    const reader = flv.body!.getReader();
    await reader.read();

    const stream = (await (await fetch(server.httpUrl('api/v1/streams/live/counted'))).json()) as { players: Record<string, number>; video: { codec: string; width: number }; audio: { codec: string; sampleRate: number } };
    assert.deepEqual(stream.players, { rtmp: 3, flv: 1, ws: 0, hls: 0, total: 4 });
    assert.match(stream.video.codec, /^avc1\./);
    assert.equal(stream.video.width, 320);
    assert.equal(stream.audio.codec, 'mp4a.40.2');
    assert.equal(stream.audio.sampleRate, 44100);

    const clients = (await (await fetch(server.httpUrl('api/v1/clients'))).json()) as { clients: Array<{ id: string; protocol: string; streams: Array<{ role: string }> }> };
    assert.equal(clients.clients.filter((c) => c.streams.some((s) => s.role === 'play')).length, 4);
    assert.equal(clients.clients.filter((c) => c.streams.some((s) => s.role === 'publish')).length, 1);

    const metrics = await (await fetch(server.httpUrl('metrics'))).text();
    assert.match(metrics, /^livelink_publishers 1$/m);
    assert.match(metrics, /^livelink_players\{protocol="rtmp"\} 3$/m);
    assert.match(metrics, /^livelink_players\{protocol="flv"\} 1$/m);
    const bytesIn = Number(/^livelink_bytes_in_total\{protocol="rtmp"\} (\d+)$/m.exec(metrics)?.[1]);
    assert.ok(bytesIn > 10_000, `bytes in: ${bytesIn}`);

    const subscribersBefore = server.media.hub.get('live', 'counted')!.subscribers.size;
    const kicked = clients.clients.find((c) => c.protocol === 'rtmp' && c.streams.some((s) => s.role === 'play'))!;
    assert.equal((await fetch(server.httpUrl(`api/v1/clients/${kicked.id}`), { method: 'DELETE' })).status, 200);
    await waitFor(() => server.media.hub.get('live', 'counted')!.subscribers.size === subscribersBefore - 1, 5000, 'the kicked player to leave');
    const server2 = (await (await fetch(server.httpUrl('api/v1/server'))).json()) as { streams: number; clients: number };
    assert.equal(server2.streams, 1);
    await reader.cancel();
  } finally {
    for (const player of players) player.close();
    await publisher.stop();
    await server.close();
  }
});

test('the admin API requires the bearer token when one is configured', async () => {
  const server = await startTestServer({ auth: { adminToken: 'admin-secret' } });
  try {
    assert.equal((await fetch(server.httpUrl('api/v1/clients'))).status, 401);
    assert.equal((await fetch(server.httpUrl('api/v1/clients'), { headers: { authorization: 'Bearer wrong' } })).status, 401);
    assert.equal((await fetch(server.httpUrl('api/v1/clients'), { headers: { authorization: 'Bearer admin-secret' } })).status, 200);
    assert.equal((await fetch(server.httpUrl('api/v1/streams'))).status, 200, 'the public streams list stays open');
  } finally {
    await server.close();
  }
});
