// Real-peer smoke test: ffmpeg publishes to a ServerSession behind a node:net socket, and a second ffmpeg plays
// the stream back through serializeMessage fan-out. ffmpeg as a player checks our complex-handshake S1 digest and
// S2 signature, so this also proves them against an independent implementation. Skipped without ffmpeg.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { ServerSession, ChunkStreamId, MessageType, serializeMessage, stripSetDataFrame, isSetDataFrame } from '../../src/index.ts';
import type { ConnectInfo, PublishRequest, RtmpMessage } from '../../src/index.ts';

// npm test installs ffmpeg first (tools/ensure-system-tools.ts); a missing ffmpeg fails this test.
const FFMPEG = 'ffmpeg';

interface Player {
  session: ServerSession;
  socket: Socket;
  streamId: number;
  /** Live frames start at a keyframe so the decoder can start. */
  waitingForKeyframe: boolean;
}

function runFfmpeg(args: string[], timeoutMs: number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(FFMPEG, ['-hide_banner', '-nostdin', '-loglevel', 'error', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

test('ffmpeg publishes to a ServerSession and another ffmpeg plays it back', { timeout: 30_000 }, async () => {
  const connects: ConnectInfo[] = [];
  const publishes: PublishRequest[] = [];
  const errors: unknown[] = [];
  const players = new Set<Player>();
  const sessions: ServerSession[] = [];
  /** What a late joiner needs before live frames: metadata and the codec configurations. */
  const headers: RtmpMessage[] = [];
  let videoMessages = 0;
  let audioMessages = 0;
  let firstKeyframe: () => void = () => {};
  const keyframeSeen = new Promise<void>((resolve) => { firstKeyframe = resolve; });

  const forward = (player: Player, message: RtmpMessage) => {
    const chunkStreamId = message.typeId === MessageType.Video ? ChunkStreamId.Video
      : message.typeId === MessageType.Audio ? ChunkStreamId.Audio : ChunkStreamId.Data;
    player.socket.write(serializeMessage({ ...message, messageStreamId: player.streamId }, { chunkSize: player.session.outChunkSize, chunkStreamId }));
  };

  const server = createServer((socket) => {
    const session: ServerSession = new ServerSession({
      send: (bytes) => socket.write(bytes),
      onConnect: (info) => connects.push(info),
      onPublish: (request) => {
        publishes.push(request);
        session.acceptPublish(request.streamId);
      },
      onMedia: (_streamId, message) => {
        const payload = message.payload;
        const isConfig = (message.typeId === MessageType.Video && payload[1] === 0) || (message.typeId === MessageType.Audio && payload[1] === 0);
        if (message.typeId === MessageType.Video) videoMessages += 1;
        if (message.typeId === MessageType.Audio) audioMessages += 1;
        const outgoing = isSetDataFrame(message) ? stripSetDataFrame(message) : message;
        if (isConfig || outgoing !== message) headers.push({ ...outgoing, payload: Buffer.from(outgoing.payload) });
        const keyframe = message.typeId === MessageType.Video && payload[0] >> 4 === 1 && payload[1] === 1;
        if (keyframe) firstKeyframe();
        for (const player of players) {
          if (player.waitingForKeyframe && !keyframe) continue;
          player.waitingForKeyframe = false;
          if (!isConfig) forward(player, outgoing);
        }
      },
      onUnpublish: () => {},
      onPlay: (request) => {
        session.acceptPlay(request.streamId);
        const player: Player = { session, socket, streamId: request.streamId, waitingForKeyframe: true };
        for (const header of headers) forward(player, header);
        players.add(player);
      },
      onStopPlay: () => {},
    });
    sessions.push(session);
    socket.setNoDelay(true);
    socket.on('data', (bytes: Buffer) => {
      try {
        session.receive(bytes);
      } catch (error) {
        errors.push(error);
        socket.destroy();
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      session.close();
      for (const player of players) if (player.socket === socket) players.delete(player);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  try {
    const publishing = runFfmpeg([
      '-re', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
      '-t', '3', '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '25', '-c:a', 'aac',
      '-f', 'flv', `rtmp://127.0.0.1:${port}/live/test?token=abc`,
    ], 20_000);
    await Promise.race([keyframeSeen, publishing]);
    const playing = await runFfmpeg(['-i', `rtmp://127.0.0.1:${port}/live/test`, '-frames:v', '10', '-f', 'null', '-'], 15_000);
    const published = await publishing;

    assert.equal(published.code, 0, published.stderr);
    assert.equal(playing.code, 0, playing.stderr);
    assert.deepEqual(errors, []);
    assert.equal(connects.length, 2);
    assert.deepEqual(connects.map((c) => c.app), ['live', 'live']);
    assert.equal(publishes.length, 1);
    assert.equal(publishes[0].name, 'test');
    assert.equal(publishes[0].query, 'token=abc');
    assert.ok(videoMessages >= 70, `${videoMessages} video messages`);
    assert.ok(audioMessages >= 100, `${audioMessages} audio messages`);
    assert.ok(headers.some((h) => h.typeId === MessageType.DataAmf0), 'metadata from @setDataFrame');
    // ffmpeg sends a digest C1; as a player it verified our S1 digest and S2 signature, then signed its C2.
    assert.deepEqual(sessions.map((s) => s.handshake?.mode), ['complex', 'complex']);
    assert.deepEqual(sessions.map((s) => s.handshake?.responseKind), ['echo', 'digest']);
  } finally {
    server.close();
    for (const player of players) player.socket.destroy();
  }
});
