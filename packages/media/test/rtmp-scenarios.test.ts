// Live-hub scenarios over real sockets, driven by our own RTMP client for exact control.
import { test } from 'node:test';
import { connect } from 'node:net';
import assert from 'node:assert/strict';
import { startTestServer } from './support/server.ts';
import { connectClient, hasStatus, tags, media } from './support/rtmp-client.ts';
import { waitFor } from './support/peers.ts';

async function publisherOn(url: string) {
  const client = await connectClient(url);
  const id = await client.session.createStream();
  await client.session.publish(id, url.slice(url.lastIndexOf('/') + 1));
  const send = (typeId: 8 | 9, timestamp: number, payload: Buffer) => client.session.sendMedia(id, { ...media(typeId, timestamp, payload), messageStreamId: id });
  send(9, 0, tags.avcSequenceHeader);
  send(8, 0, tags.aacSequenceHeader);
  return { client, id, send };
}

test('unpublish notifies players, who stay connected and resume on republish', async () => {
  const server = await startTestServer();
  try {
    const url = server.rtmpUrl('live/again');
    const player = await connectClient(url);
    const playId = await player.session.createStream();
    await player.session.play(playId, 'again');

    const first = await publisherOn(url);
    first.send(9, 0, tags.keyframe(1000));
    first.send(9, 40, tags.interframe(200));
    await waitFor(() => player.media.filter((m) => m.typeId === 9).length >= 3, 5000, 'first publish frames');
    first.client.session.deleteStream(first.id);
    await waitFor(() => hasStatus(player, 'NetStream.Play.UnpublishNotify'), 5000, 'UnpublishNotify');
    first.client.close();

    const second = await publisherOn(url);
    second.send(9, 0, tags.keyframe(1000));
    await waitFor(() => hasStatus(player, 'NetStream.Play.PublishNotify'), 5000, 'PublishNotify');
    await waitFor(() => player.media.filter((m) => m.typeId === 9).length >= 5, 5000, 'frames of the second publish');
    assert.ok(!player.socket.destroyed, 'the player kept its connection');
    const videoTimes = player.media.filter((m) => m.typeId === 9 && m.payload[1] === 1).map((m) => m.timestamp);
    assert.ok(videoTimes.at(-1)! > 40, `the second publish continues the timeline: ${videoTimes}`);
    second.client.close();
    player.close();
  } finally {
    await server.close();
  }
});

test('a stalled reader is skipped to keyframes, then cut; memory stays bounded and other players are unaffected', async () => {
  const limits = { dropBytes: 256 * 1024, disconnectBytes: 1024 * 1024, skipTimeoutMs: 1000 };
  const server = await startTestServer({ player: limits });
  try {
    const url = server.rtmpUrl('live/stall');
    const publisher = await publisherOn(url);
    const healthy = await connectClient(url);
    await healthy.session.play(await healthy.session.createStream(), 'stall');
    const stalled = await connectClient(url);
    await stalled.session.play(await stalled.session.createStream(), 'stall');
    stalled.socket.pause(); // stops reading: the kernel buffers fill, then the server's queue

    const stalledConnection = [...server.media.rtmp.connections.values()].at(-1)!;
    let peakBacklog = 0;
    const frameBytes = 64 * 1024;
    let timestamp = 0;
    // 2 s GOPs at 25 fps, 64 KB frames (~13 Mbit/s): far more than a stopped reader can absorb.
    for (let frame = 0; frame < 400 && !stalledConnection.socket.destroyed; frame++, timestamp += 40) {
      publisher.send(9, timestamp, frame % 50 === 0 ? tags.keyframe(frameBytes) : tags.interframe(frameBytes));
      await new Promise((resolve) => setTimeout(resolve, 10)); // paced, so the skip timeout can pass
      peakBacklog = Math.max(peakBacklog, stalledConnection.socket.writableLength);
    }
    await waitFor(() => stalledConnection.socket.destroyed, 5000, `the stalled player to be cut (peak backlog ${peakBacklog})`);
    assert.ok(peakBacklog <= limits.disconnectBytes + 2 * frameBytes, `server-side backlog stayed bounded: ${peakBacklog} bytes`);
    const healthyFrames = healthy.media.filter((m) => m.typeId === 9).length;
    assert.ok(healthyFrames >= 100, `the healthy player kept receiving: ${healthyFrames} video messages`);
    assert.ok(!healthy.socket.destroyed);
    healthy.close();
    stalled.close();
    publisher.client.close();
  } finally {
    await server.close();
  }
});

test('a connection that never completes the handshake, and one that goes silent, are closed', async () => {
  const server = await startTestServer({ rtmp: { handshakeTimeoutMs: 300, idleTimeoutMs: 200 } });
  try {
    const { port } = new URL(server.rtmpUrl('live/x'));
    const mute = connect(Number(port), '127.0.0.1');
    const muteClosed = new Promise((resolve) => mute.on('close', resolve));
    mute.on('error', () => {});
    const answering = await connectClient(server.rtmpUrl('live/x'));
    const silent = await connectClient(server.rtmpUrl('live/x'));
    const [answeringId, silentId] = [...server.media.rtmp.connections.keys()].slice(-2);
    silent.socket.pause(); // reads nothing more, so never answers the server's Ping Request
    await muteClosed;
    // A paused socket does not see the server's FIN, so watch the server's side.
    await waitFor(() => !server.media.rtmp.connections.has(silentId), 5000, 'the silent connection to be closed');
    await new Promise((resolve) => setTimeout(resolve, 700));
    assert.ok(server.media.rtmp.connections.has(answeringId), 'a client that answers pings stays connected');
    answering.close();
    silent.close();
  } finally {
    await server.close();
  }
});
