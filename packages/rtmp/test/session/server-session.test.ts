import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeAmf0 } from '@livelink/amf';
import {
  MessageType, PeerBandwidthLimit, RtmpError, aggregateMessage, windowAckSizeMessage, userControlMessage, dataMessage, setChunkSizeMessage,
} from '../../src/index.ts';
import type { DecodedMessage } from '../../src/index.ts';
import { RawClient, connectedRawClient, recordingCallbacks, settle } from './harness.ts';
import type { ServerEvent } from './harness.ts';

const rtmpError = (code: string) => (error: unknown) => error instanceof RtmpError && error.code === code;

function statusCodes(received: DecodedMessage[]): string[] {
  return received.flatMap((m) => (m.kind === 'command' && m.command.name === 'onStatus'
    ? [String((m.command.args[0] as Record<string, unknown>).code)] : []));
}

test('connect is answered with Window Ack Size, Set Peer Bandwidth, Set Chunk Size, _result and onBWDone', async () => {
  const events: ServerEvent[] = [];
  const raw = new RawClient(recordingCallbacks(events));
  raw.handshake();
  await settle();
  assert.equal(raw.session.state, 'connecting');
  assert.equal(raw.session.handshake?.mode, 'complex');
  assert.equal(raw.session.handshake?.responseKind, 'digest');
  const tid = raw.command('connect', { app: 'live?token=abc', tcUrl: 'rtmp://127.0.0.1:1935/live?token=abc', objectEncoding: 0 });
  assert.equal(raw.session.state, 'connected');
  assert.deepEqual(raw.received.slice(0, 3), [
    { kind: 'window-ack-size', windowSize: 2_500_000 },
    { kind: 'set-peer-bandwidth', windowSize: 2_500_000, limitType: PeerBandwidthLimit.Dynamic },
    { kind: 'set-chunk-size', chunkSize: 4096 },
  ]);
  assert.deepEqual(raw.commands(), [
    {
      name: '_result', transactionId: tid, commandObject: { fmsVer: 'FMS/3,0,1,123', capabilities: 31, mode: 1 },
      args: [{ level: 'status', code: 'NetConnection.Connect.Success', description: 'Connection succeeded.', objectEncoding: 0 }],
    },
    { name: 'onBWDone', transactionId: 0, commandObject: null, args: [] },
  ]);
  assert.equal(raw.session.outChunkSize, 4096);
  assert.equal(events.length, 1);
  const connect = events[0];
  assert.ok(connect.type === 'connect');
  assert.equal(connect.info.app, 'live');
  assert.equal(connect.info.query, 'token=abc');
  assert.equal(connect.info.tcUrl, 'rtmp://127.0.0.1:1935/live?token=abc');
});

test('connect options: outChunkSize and windowAckSize are what gets announced', async () => {
  const raw = new RawClient({ ...recordingCallbacks([]), outChunkSize: 60000, windowAckSize: 5_000_000 });
  raw.handshake();
  await settle();
  raw.command('connect', { app: 'live' });
  assert.deepEqual(raw.received.slice(0, 3).map((m) => (m.kind === 'set-chunk-size' ? m.chunkSize : m.kind === 'window-ack-size' || m.kind === 'set-peer-bandwidth' ? m.windowSize : null)), [5_000_000, 5_000_000, 60000]);
  assert.equal(raw.session.outChunkSize, 60000);
});

test('the app comes from tcUrl when connect has none; query from tcUrl when app has none', async () => {
  for (const [object, app, query] of [
    [{ tcUrl: 'rtmp://h:1935/live/sub?x=1' }, 'live/sub', 'x=1'],
    [{ app: 'live/', tcUrl: 'rtmp://h/live?key=2' }, 'live', 'key=2'],
    [{ app: 'live?a=1', tcUrl: 'rtmp://h/live?key=2' }, 'live', 'a=1'],
  ] as const) {
    const events: ServerEvent[] = [];
    const raw = new RawClient(recordingCallbacks(events));
    raw.handshake();
    await settle();
    raw.command('connect', { ...object });
    assert.ok(events[0].type === 'connect');
    assert.equal(events[0].info.app, app);
    assert.equal(events[0].info.query, query);
  }
});

test('rejectConnect from onConnect sends _error Connect.Rejected and ignores the rest', async () => {
  const events: ServerEvent[] = [];
  const raw = new RawClient(recordingCallbacks(events, { onConnect: () => raw.session.rejectConnect('no such app') }));
  raw.handshake();
  await settle();
  const tid = raw.command('connect', { app: 'nope' });
  assert.equal(raw.session.state, 'closed');
  assert.deepEqual(raw.commands(), [{ name: '_error', transactionId: tid, commandObject: null, args: [{ level: 'error', code: 'NetConnection.Connect.Rejected', description: 'no such app' }] }]);
  raw.command('createStream', null);
  assert.equal(raw.commands().length, 1);
});

test('type-17 connect gets type-17 replies', async () => {
  const raw = new RawClient(recordingCallbacks([]));
  raw.handshake();
  await settle();
  const sent: number[] = [];
  raw.command('connect', { app: 'live', objectEncoding: 3 }, [], { amf3: true });
  raw.command('createStream', null, [], { amf3: true });
  for (const m of raw.received) if (m.kind === 'command') sent.push(m.message.typeId);
  assert.deepEqual(sent, [17, 17, 17]);
  const result = raw.commands()[0];
  assert.equal((result.args[0] as Record<string, unknown>).objectEncoding, 3);
});

test('FMLE publish flow: releaseStream, FCPublish, createStream, publish, media, FCUnpublish, deleteStream', async () => {
  const events: ServerEvent[] = [];
  const raw = await connectedRawClient(recordingCallbacks(events, { onPublish: (request) => raw.session.acceptPublish(request.streamId) }));
  const release = raw.command('releaseStream', null, ['demo?key=1']);
  const fcPublish = raw.command('FCPublish', null, ['demo?key=1']);
  const create = raw.command('createStream', null);
  assert.deepEqual(raw.commands().map((c) => [c.name, c.transactionId, c.args]), [
    ['_result', release, []],
    ['onFCPublish', 0, [{ code: 'NetStream.Publish.Start', description: 'demo?key=1' }]],
    ['_result', fcPublish, []],
    ['_result', create, [1]],
  ]);
  raw.clear();
  raw.command('publish', null, ['demo?key=1', 'live'], { messageStreamId: 1, transactionId: 0 });
  assert.deepEqual(events.filter((e) => e.type === 'publish').map((e) => e.type === 'publish' && e.request), [{ streamId: 1, name: 'demo', query: 'key=1', type: 'live' }]);
  assert.deepEqual(statusCodes(raw.received), ['NetStream.Publish.Start']);
  const onStatus = raw.received[0];
  assert.ok(onStatus.kind === 'command');
  assert.equal(onStatus.message.messageStreamId, 1);

  const metadata = dataMessage(['@setDataFrame', 'onMetaData', { width: 320 }], { messageStreamId: 1 });
  raw.send(metadata, 5);
  raw.send({ typeId: 9, timestamp: 0x01000000, messageStreamId: 1, payload: Buffer.from('17000000000164001f', 'hex') }, 6);
  raw.send({ typeId: 8, timestamp: 0x01000017, messageStreamId: 1, payload: Buffer.from('af0012', 'hex') }, 4);
  assert.deepEqual(events.filter((e) => e.type === 'media').map((e) => e.type === 'media' && [e.streamId, e.message.typeId, e.message.timestamp]), [
    [1, 18, 0], [1, 9, 0x01000000], [1, 8, 0x01000017],
  ]);

  raw.clear();
  raw.command('FCUnpublish', null, ['demo?key=1']);
  raw.command('deleteStream', null, [1], { transactionId: 0 });
  assert.deepEqual(events.filter((e) => e.type === 'unpublish'), [{ type: 'unpublish', streamId: 1 }]);
  assert.deepEqual(statusCodes(raw.received), ['NetStream.Unpublish.Success']);
  assert.ok(raw.commands().some((c) => c.name === 'onFCUnpublish'));
});

test('publish answered later (async auth): media before acceptance is dropped; rejectPublish sends the code', async () => {
  const events: ServerEvent[] = [];
  const raw = await connectedRawClient(recordingCallbacks(events));
  raw.command('createStream', null);
  raw.command('publish', null, ['demo'], { messageStreamId: 1, transactionId: 0 });
  raw.send({ typeId: 9, timestamp: 0, messageStreamId: 1, payload: Buffer.from('17', 'hex') }, 6);
  assert.equal(events.filter((e) => e.type === 'media').length, 0);
  await settle();
  raw.session.rejectPublish(1, 'NetStream.Publish.BadName', 'demo is already published');
  raw.session.acceptPublish(1);
  assert.deepEqual(statusCodes(raw.received), ['NetStream.Publish.BadName']);
  const status = raw.commands().at(-1);
  assert.deepEqual(status?.args[0], { level: 'error', code: 'NetStream.Publish.BadName', description: 'demo is already published' });
  // The stream is idle again: a second publish may be tried.
  raw.command('publish', null, ['other'], { messageStreamId: 1, transactionId: 0 });
  assert.equal(events.filter((e) => e.type === 'publish').length, 2);
});

test('publish without a name or on a busy stream gets Publish.BadName without reaching the server', async () => {
  const events: ServerEvent[] = [];
  const raw = await connectedRawClient(recordingCallbacks(events, { onPublish: (r) => raw.session.acceptPublish(r.streamId) }));
  raw.command('createStream', null);
  raw.command('publish', null, [''], { messageStreamId: 1, transactionId: 0 });
  raw.command('publish', null, ['a'], { messageStreamId: 1, transactionId: 0 });
  raw.command('publish', null, ['b'], { messageStreamId: 1, transactionId: 0 });
  assert.deepEqual(statusCodes(raw.received), ['NetStream.Publish.BadName', 'NetStream.Publish.Start', 'NetStream.Publish.BadName']);
  assert.equal(events.filter((e) => e.type === 'publish').length, 1);
});

test('play: request fields, acceptPlay sends Stream Begin, Play.Reset, Play.Start, |RtmpSampleAccess and no other data message', async () => {
  const events: ServerEvent[] = [];
  const raw = await connectedRawClient(recordingCallbacks(events, { onPlay: (r) => raw.session.acceptPlay(r.streamId) }));
  raw.command('createStream', null);
  raw.clear();
  raw.command('play', null, ['demo?token=t', -1000, -1, false], { messageStreamId: 1, transactionId: 0 });
  assert.deepEqual(events.at(-1), { type: 'play', request: { streamId: 1, name: 'demo', query: 'token=t', start: -1000, duration: -1, reset: false } });
  assert.deepEqual(statusCodes(raw.received), ['NetStream.Play.Start'], 'no Play.Reset when reset is false');

  raw.command('createStream', null);
  raw.clear();
  raw.command('play', null, ['demo'], { messageStreamId: 2, transactionId: 0 });
  assert.deepEqual(events.at(-1), { type: 'play', request: { streamId: 2, name: 'demo', query: '', start: -2, duration: -1, reset: true } });
  const sequence = raw.received.map((m) => {
    if (m.kind === 'user-control') return m.control.event;
    if (m.kind === 'command') return (m.command.args[0] as Record<string, unknown>).code;
    if (m.kind === 'media') return String(m.messages[0].typeId);
    return m.kind;
  });
  assert.deepEqual(sequence, ['stream-begin', 'NetStream.Play.Reset', 'NetStream.Play.Start', '18']);
  const data = raw.received.filter((m) => m.kind === 'media').map((m) => m.kind === 'media' && Buffer.from(m.messages[0].payload));
  assert.deepEqual(data[0], Buffer.from(encodeAmf0(['|RtmpSampleAccess', true, true])));
  for (const m of raw.received) {
    if (m.kind === 'command') assert.equal(m.message.messageStreamId, 2);
    if (m.kind === 'user-control') assert.deepEqual(m.control, { event: 'stream-begin', streamId: 2 });
  }
});

test('rejectPlay, a second play replacing the first, closeStream, deleteStream, endPlay', async () => {
  const events: ServerEvent[] = [];
  const raw = await connectedRawClient(recordingCallbacks(events));
  raw.command('createStream', null);
  raw.command('play', null, ['missing'], { messageStreamId: 1, transactionId: 0 });
  raw.session.rejectPlay(1, 'NetStream.Play.StreamNotFound', 'missing not found');
  assert.deepEqual(statusCodes(raw.received), ['NetStream.Play.StreamNotFound']);

  raw.command('play', null, ['a'], { messageStreamId: 1, transactionId: 0 });
  raw.session.acceptPlay(1);
  raw.command('play', null, ['b'], { messageStreamId: 1, transactionId: 0 });
  assert.deepEqual(events.filter((e) => e.type === 'stop-play'), [{ type: 'stop-play', streamId: 1 }]);
  raw.session.acceptPlay(1);
  raw.command('closeStream', null, [], { messageStreamId: 1, transactionId: 0 });
  assert.equal(events.filter((e) => e.type === 'stop-play').length, 2);
  raw.command('play', null, ['c'], { messageStreamId: 1, transactionId: 0 });
  raw.session.acceptPlay(1);
  raw.clear();
  raw.session.endPlay(1, 'c ended');
  assert.deepEqual(raw.received[0], { kind: 'user-control', control: { event: 'stream-eof', streamId: 1 } });
  assert.deepEqual(statusCodes(raw.received), ['NetStream.Play.Stop']);
  raw.command('play', null, ['d'], { messageStreamId: 1, transactionId: 0 });
  raw.command('deleteStream', null, [1], { transactionId: 0 });
  assert.equal(events.filter((e) => e.type === 'stop-play').length, 3, 'pending play cancelled by deleteStream');
  raw.session.acceptPlay(1);
  assert.ok(!statusCodes(raw.received).includes('NetStream.Play.Start'), 'accepting a deleted stream is a no-op');
});

test('pause, receiveAudio, receiveVideo reach the callbacks; pause is answered with Pause/Unpause.Notify', async () => {
  const events: ServerEvent[] = [];
  const raw = await connectedRawClient(recordingCallbacks(events, { onPlay: (r) => raw.session.acceptPlay(r.streamId) }));
  raw.command('createStream', null);
  raw.command('play', null, ['demo'], { messageStreamId: 1, transactionId: 0 });
  raw.clear();
  raw.command('pause', null, [true, 1234], { messageStreamId: 1, transactionId: 0 });
  raw.command('pause', null, [false, 1234], { messageStreamId: 1, transactionId: 0 });
  raw.command('receiveAudio', null, [false], { messageStreamId: 1, transactionId: 0 });
  raw.command('receiveVideo', null, [true], { messageStreamId: 1, transactionId: 0 });
  assert.deepEqual(events.slice(-4), [
    { type: 'pause', streamId: 1, paused: true, position: 1234 },
    { type: 'pause', streamId: 1, paused: false, position: 1234 },
    { type: 'receive-audio', streamId: 1, enabled: false },
    { type: 'receive-video', streamId: 1, enabled: true },
  ]);
  assert.deepEqual(statusCodes(raw.received), ['NetStream.Pause.Notify', 'NetStream.Unpause.Notify']);
});

test('unknown calls with a transaction id get a null _result; getStreamLength gets 0; notifications get nothing', async () => {
  const raw = await connectedRawClient(recordingCallbacks([]));
  const checkbw = raw.command('_checkbw', null);
  const length = raw.command('getStreamLength', null, ['demo']);
  raw.command('someNotification', null, [], { transactionId: 0 });
  raw.command('_result', null, [], { transactionId: 7 });
  assert.deepEqual(raw.commands(), [
    { name: '_result', transactionId: checkbw, commandObject: null, args: [] },
    { name: '_result', transactionId: length, commandObject: null, args: [0] },
  ]);
});

test('aggregates from a publisher reach onMedia split, with rebased timestamps', async () => {
  const events: ServerEvent[] = [];
  const raw = await connectedRawClient(recordingCallbacks(events, { onPublish: (r) => raw.session.acceptPublish(r.streamId) }));
  raw.command('createStream', null);
  raw.command('publish', null, ['demo'], { messageStreamId: 1, transactionId: 0 });
  const aggregate = aggregateMessage([
    { typeId: 8, timestamp: 0, messageStreamId: 0, payload: Buffer.from('af01', 'hex') },
    { typeId: 9, timestamp: 40, messageStreamId: 0, payload: Buffer.from('2701', 'hex') },
  ], 1);
  raw.send({ ...aggregate, timestamp: 5000 }, 6);
  assert.deepEqual(events.filter((e) => e.type === 'media').map((e) => e.type === 'media' && [e.streamId, e.message.typeId, e.message.timestamp]), [[1, 8, 5000], [1, 9, 5040]]);
});

test('acknowledgements: the server acks per the client window, and counts the client acks of its own window', async () => {
  const raw = await connectedRawClient({ ...recordingCallbacks([]), windowAckSize: 1000 });
  raw.send(windowAckSizeMessage(500), 2);
  raw.clear();
  const before = raw.session.bytesReceived;
  assert.ok(before > 3073, 'handshake bytes are counted');
  raw.command('someNotification', null, [Buffer.alloc(600, 97).toString()], { transactionId: 0 });
  const acks = raw.received.filter((m) => m.kind === 'acknowledgement');
  assert.deepEqual(acks, [{ kind: 'acknowledgement', sequenceNumber: raw.session.bytesReceived }]);
  raw.send({ typeId: MessageType.Acknowledgement, timestamp: 0, messageStreamId: 0, payload: Buffer.from('00000400', 'hex') }, 2);
  assert.equal(raw.session.peerAcknowledged, 1024);
});

test('ping: pingRequest reaches the client and its response reaches onPong; client pings are answered', async () => {
  const events: ServerEvent[] = [];
  const raw = await connectedRawClient(recordingCallbacks(events));
  raw.session.pingRequest(0xfffffffe);
  assert.deepEqual(raw.received.at(-1), { kind: 'user-control', control: { event: 'ping-request', timestamp: 0xfffffffe } });
  raw.send(userControlMessage({ event: 'ping-response', timestamp: 0xfffffffe }), 2);
  assert.deepEqual(events.at(-1), { type: 'pong', timestamp: 0xfffffffe });
  raw.send(userControlMessage({ event: 'ping-request', timestamp: 99 }), 2);
  assert.deepEqual(raw.received.at(-1), { kind: 'user-control', control: { event: 'ping-response', timestamp: 99 } });
});

test('Set Chunk Size from the client applies to its later chunks', async () => {
  const events: ServerEvent[] = [];
  const raw = await connectedRawClient(recordingCallbacks(events, { onPublish: (r) => raw.session.acceptPublish(r.streamId) }));
  raw.send(setChunkSizeMessage(1), 2);
  raw.writer.chunkSize = 1;
  raw.command('createStream', null);
  raw.command('publish', null, ['demo'], { messageStreamId: 1, transactionId: 0 });
  assert.equal(raw.session.inChunkSize, 1);
  assert.equal(events.filter((e) => e.type === 'publish').length, 1);
});

test('protocol violations close the session with typed errors', async () => {
  const raw = new RawClient(recordingCallbacks([]));
  raw.handshake();
  await settle();
  assert.throws(() => raw.command('createStream', null), rtmpError('protocol-violation'));
  assert.equal(raw.session.state, 'closed');

  const media = new RawClient(recordingCallbacks([]));
  media.handshake();
  await settle();
  assert.throws(() => media.send({ typeId: 9, timestamp: 0, messageStreamId: 1, payload: Buffer.from('17', 'hex') }, 6), rtmpError('protocol-violation'));

  const twice = await connectedRawClient(recordingCallbacks([]));
  assert.throws(() => twice.command('connect', { app: 'live' }), rtmpError('protocol-violation'));

  const streamZero = await connectedRawClient(recordingCallbacks([]));
  assert.throws(() => streamZero.command('publish', null, ['x'], { transactionId: 0 }), rtmpError('protocol-violation'));

  const badConnect = new RawClient(recordingCallbacks([]));
  badConnect.handshake();
  await settle();
  assert.throws(() => badConnect.command('connect', 'live'), rtmpError('bad-command'));

  const many = await connectedRawClient({ ...recordingCallbacks([]), maxStreams: 3 });
  for (let i = 0; i < 3; i++) many.command('createStream', null);
  assert.throws(() => many.command('createStream', null), rtmpError('too-many-streams'));
});
