import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AmfEcmaArray } from '@livelink/amf';
import type { Amf0Value } from '@livelink/amf';
import {
  ChunkStreamId, MessageType, RtmpStatusError, commandMessage, dataMessage, serializeMessage, stripSetDataFrame, ServerSession, ClientSession,
} from '../../src/index.ts';
import type { RtmpMessage, UserControl, ServerSessionOptions, ConnectInfo, PublishRequest, PlayRequest } from '../../src/index.ts';
import { Loopback, recordingCallbacks, settle } from './harness.ts';
import type { ServerEvent } from './harness.ts';

function video(timestamp: number, size: number, key = false): RtmpMessage {
  const payload = Buffer.alloc(size, timestamp & 0xff);
  payload[0] = key ? 0x17 : 0x27;
  return { typeId: MessageType.Video, timestamp, messageStreamId: 0, payload };
}

test('loopback: a client publishes (OBS-style), media reaches onMedia; a second client plays and gets fan-out', async () => {
  const events: ServerEvent[] = [];
  let publisherSession: ServerSession | undefined;
  const publisher = new Loopback(
    recordingCallbacks(events, { onPublish: (r) => publisherSession!.acceptPublish(r.streamId) }),
    { tcUrl: 'rtmp://127.0.0.1/live?token=abc', chunkSize: 128 },
  );
  publisherSession = publisher.server;
  publisher.client.start();
  const connected = await publisher.client.connect();
  assert.deepEqual(connected.info, { level: 'status', code: 'NetConnection.Connect.Success', description: 'Connection succeeded.', objectEncoding: 0 });
  assert.equal(publisher.server.handshake?.mode, 'complex');
  assert.equal(publisher.client.handshake?.responseKind, 'digest');
  assert.equal(publisher.server.inChunkSize, 128);
  assert.equal(publisher.client.inChunkSize, 4096);

  publisher.client.releaseStream('demo');
  publisher.client.fcPublish('demo');
  const streamId = await publisher.client.createStream();
  assert.equal(streamId, 1);
  await publisher.client.publish(streamId, 'demo?key=1');
  const connect = events.find((e) => e.type === 'connect');
  assert.ok(connect?.type === 'connect');
  assert.deepEqual([connect.info.app, connect.info.query], ['live', 'token=abc']);
  assert.deepEqual(events.find((e) => e.type === 'publish'), { type: 'publish', request: { streamId: 1, name: 'demo', query: 'key=1', type: 'live' } });

  // Metadata, then frames crossing the extended-timestamp boundary, some larger than a chunk (header compression).
  const metadata = new AmfEcmaArray({ width: 320, height: 240, framerate: 25 });
  const sent: RtmpMessage[] = [dataMessage(['@setDataFrame', 'onMetaData', metadata])];
  for (let i = 0; i < 8; i++) sent.push(video(0xfffff0 + i * 40, i % 3 === 0 ? 5000 : 300, i === 0));
  for (const message of sent) publisher.client.sendMedia(streamId, message);
  await settle();
  const media = events.flatMap((e) => (e.type === 'media' ? [e] : []));
  assert.deepEqual(media.map((e) => [e.streamId, e.message.typeId, e.message.timestamp, Buffer.from(e.message.payload)]),
    sent.map((m) => [1, m.typeId, m.timestamp, Buffer.from(m.payload)]));

  // A player on its own connection; the "media server" fans the publisher's messages out with serializeMessage.
  const statuses: Array<[number, Record<string, Amf0Value>]> = [];
  const controls: UserControl[] = [];
  const played: RtmpMessage[] = [];
  const playerEvents: ServerEvent[] = [];
  let playerSession: ServerSession | undefined;
  const player = new Loopback(
    recordingCallbacks(playerEvents, { onPlay: (r) => playerSession!.acceptPlay(r.streamId) }),
    {
      tcUrl: 'rtmp://127.0.0.1/live', complexHandshake: false,
      onStatus: (id, info) => statuses.push([id, info]),
      onUserControl: (control) => controls.push(control),
      onMedia: (_id, message) => played.push({ ...message, payload: Buffer.from(message.payload) }),
    },
  );
  playerSession = player.server;
  player.client.start();
  await player.client.connect();
  const playId = await player.client.createStream();
  await player.client.play(playId, 'demo');
  assert.deepEqual(statuses.map(([id, info]) => [id, info.code]), [[1, 'NetStream.Play.Reset'], [1, 'NetStream.Play.Start']]);
  assert.deepEqual(controls, [{ event: 'stream-begin', streamId: 1 }]);
  played.length = 0;

  for (const message of media.map((e) => e.message)) {
    const outgoing = message.typeId === MessageType.DataAmf0 ? stripSetDataFrame(message) : message;
    const chunkStreamId = outgoing.typeId === MessageType.Video ? ChunkStreamId.Video : ChunkStreamId.Data;
    player.inject(serializeMessage({ ...outgoing, messageStreamId: playId }, { chunkSize: player.server.outChunkSize, chunkStreamId }));
  }
  player.server.sendStatus(playId, 'status', 'NetStream.Play.UnpublishNotify', 'demo is now unpublished.');
  await settle();
  assert.deepEqual(played.map((m) => [m.typeId, m.timestamp, m.messageStreamId]),
    [[18, 0, 1], ...sent.slice(1).map((m) => [9, m.timestamp, 1])]);
  assert.deepEqual(played[0].payload, Buffer.from(stripSetDataFrame(sent[0]).payload));
  assert.deepEqual(statuses.at(-1)?.[1].code, 'NetStream.Play.UnpublishNotify');

  publisher.client.fcUnpublish('demo');
  publisher.client.deleteStream(streamId);
  player.client.deleteStream(playId);
  await settle();
  assert.deepEqual(events.filter((e) => e.type === 'unpublish'), [{ type: 'unpublish', streamId: 1 }]);
  assert.deepEqual(playerEvents.filter((e) => e.type === 'stop-play'), [{ type: 'stop-play', streamId: 1 }]);
  assert.deepEqual([...publisher.errors, ...player.errors], []);
});

test('client promises reject with the server status: Connect.Rejected, Publish.BadName, Play.StreamNotFound', async () => {
  let server: ServerSession | undefined;
  const rejecting = new Loopback(recordingCallbacks([], { onConnect: () => server!.rejectConnect('go away') }), { tcUrl: 'rtmp://h/live' });
  server = rejecting.server;
  rejecting.client.start();
  await assert.rejects(rejecting.client.connect(), (error: unknown) => error instanceof RtmpStatusError && error.code === 'NetConnection.Connect.Rejected');

  let session: ServerSession | undefined;
  const loop = new Loopback(recordingCallbacks([], {
    onPublish: (r) => setImmediate(() => session!.rejectPublish(r.streamId, 'NetStream.Publish.BadName', 'taken')),
    onPlay: (r) => session!.rejectPlay(r.streamId, 'NetStream.Play.StreamNotFound', 'nothing'),
  }), { tcUrl: 'rtmp://h/live' });
  session = loop.server;
  loop.client.start();
  await loop.client.connect();
  const id = await loop.client.createStream();
  await assert.rejects(loop.client.publish(id, 'demo'), (error: unknown) => error instanceof RtmpStatusError && error.code === 'NetStream.Publish.BadName' && error.info.description === 'taken');
  await assert.rejects(loop.client.play(id, 'nothing'), (error: unknown) => error instanceof RtmpStatusError && error.code === 'NetStream.Play.StreamNotFound');
});

test('client honours the server window: acknowledgements flow back once the server sent enough', async () => {
  let session: ServerSession | undefined;
  const loop = new Loopback({ ...recordingCallbacks([], { onPlay: (r) => session!.acceptPlay(r.streamId) }), windowAckSize: 10_000 }, { tcUrl: 'rtmp://h/live' });
  session = loop.server;
  loop.client.start();
  await loop.client.connect();
  const id = await loop.client.createStream();
  await loop.client.play(id, 'x');
  for (let i = 0; i < 5; i++) loop.inject(serializeMessage({ ...video(i * 40, 4000), messageStreamId: id }, { chunkSize: 4096, chunkStreamId: ChunkStreamId.Video }));
  await settle();
  assert.ok(loop.server.peerAcknowledged >= 10_000, `client acknowledged ${loop.server.peerAcknowledged}`);
  assert.ok(loop.server.peerAcknowledged <= loop.client.bytesReceived);
});

test('client calls made before the handshake ends are queued; a failing server rejects pending calls', async () => {
  const sent: Buffer[] = [];
  const client = new ClientSession({ tcUrl: 'rtmp://h/live', send: (bytes) => sent.push(Buffer.from(bytes)) });
  client.start();
  const connecting = client.connect();
  assert.equal(sent.length, 1, 'only C0C1 went out');
  assert.throws(() => client.receive(Buffer.alloc(1537, 9)), (error: unknown) => error instanceof Error && (error as { code?: string }).code === 'handshake-failed');
  await assert.rejects(connecting, (error: unknown) => (error as { code?: string }).code === 'handshake-failed');
  assert.equal(client.state, 'closed');
});

test('a class instance serves as the session options: limits are read from it and every callback runs as its method', { timeout: 10_000 }, async () => {
  // How the media server passes one object per connection instead of a closure per callback.
  class Handler implements ServerSessionOptions {
    readonly outChunkSize = 256;
    readonly events: string[] = [];
    readonly session: ServerSession;
    client: ClientSession | null = null;

    constructor() {
      this.session = new ServerSession(this);
    }

    send(bytes: Buffer): void {
      const copy = Buffer.from(bytes);
      queueMicrotask(() => this.client?.receive(copy));
    }

    onConnect(info: ConnectInfo): void {
      this.events.push(`connect ${info.app}`);
    }

    onPublish(request: PublishRequest): void {
      this.events.push(`publish ${request.name}`);
      this.session.acceptPublish(request.streamId);
    }

    onPlay(request: PlayRequest): void {
      this.events.push(`play ${request.name}`);
      this.session.acceptPlay(request.streamId);
    }

    onMedia(streamId: number, message: RtmpMessage): void {
      this.events.push(`media ${streamId} ${message.timestamp}`);
    }

    onUnpublish(streamId: number): void {
      this.events.push(`unpublish ${streamId}`);
    }

    onStopPlay(streamId: number): void {
      this.events.push(`stop-play ${streamId}`);
    }

    onPause(streamId: number, paused: boolean): void {
      this.events.push(`pause ${streamId} ${paused}`);
    }

    onReceiveAudio(streamId: number, enabled: boolean): void {
      this.events.push(`receive-audio ${streamId} ${enabled}`);
    }

    onReceiveVideo(streamId: number, enabled: boolean): void {
      this.events.push(`receive-video ${streamId} ${enabled}`);
    }

    onPong(timestamp: number): void {
      this.events.push(`pong ${timestamp}`);
    }
  }
  const handler = new Handler();
  const client = new ClientSession({
    tcUrl: 'rtmp://127.0.0.1/live',
    send: (bytes) => {
      const copy = Buffer.from(bytes);
      queueMicrotask(() => handler.session.receive(copy));
    },
  });
  handler.client = client;
  client.start();
  await client.connect();
  assert.equal(client.inChunkSize, 256);
  const publishing = await client.createStream();
  await client.publish(publishing, 'demo');
  client.sendMedia(publishing, video(40, 100, true));
  const playing = await client.createStream();
  await client.play(playing, 'demo');
  client.pause(playing, true, 0);
  for (const [name, enabled] of [['receiveAudio', false], ['receiveVideo', true]] as const) {
    client.sendMedia(playing, commandMessage({ name, transactionId: 0, commandObject: null, args: [enabled] }));
  }
  handler.session.pingRequest(1234);
  await settle();
  client.deleteStream(publishing);
  await settle();
  assert.deepEqual(handler.events, [
    'connect live', 'publish demo', `media ${publishing} 40`, 'play demo', `pause ${playing} true`,
    `receive-audio ${playing} false`, `receive-video ${playing} true`, 'pong 1234', `unpublish ${publishing}`,
  ]);
});
