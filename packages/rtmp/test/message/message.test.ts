import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AmfEcmaArray, encodeAmf0 } from '@livelink/amf';
import {
  MessageType, PeerBandwidthLimit, setChunkSizeMessage, abortMessage, acknowledgementMessage, windowAckSizeMessage,
  setPeerBandwidthMessage, userControlMessage, decodeMessage, decodeCommand, commandMessage, decodeDataMessage,
  dataMessage, isSetDataFrame, stripSetDataFrame, splitAggregate, aggregateMessage,
} from '../../src/message/index.ts';
import type { UserControl } from '../../src/message/index.ts';
import { serializeMessage } from '../../src/chunk/index.ts';
import type { RtmpMessage } from '../../src/chunk/index.ts';
import { RtmpError } from '../../src/errors.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const rtmpError = (code: string) => (error: unknown) => error instanceof RtmpError && error.code === code;
const raw = (typeId: number, payload: Buffer, messageStreamId = 0, timestamp = 0): RtmpMessage => ({ typeId, timestamp, messageStreamId, payload });

test('protocol control messages: byte layouts from spec 5.4', () => {
  assert.deepEqual(serializeMessage(setChunkSizeMessage(4096), { chunkSize: 128, chunkStreamId: 2 }), hex('02 000000 000004 01 00000000 00001000'));
  assert.deepEqual(abortMessage(6).payload, hex('00000006'));
  assert.deepEqual(acknowledgementMessage(0x1_0000_0005).payload, hex('00000005'), 'sequence number wraps at 2^32');
  assert.deepEqual(windowAckSizeMessage(2_500_000).payload, hex('002625a0'));
  assert.deepEqual(setPeerBandwidthMessage(2_500_000, PeerBandwidthLimit.Dynamic).payload, hex('002625a0 02'));
  for (const m of [setChunkSizeMessage(1), abortMessage(3), acknowledgementMessage(1), windowAckSizeMessage(1), setPeerBandwidthMessage(1, 0)]) {
    assert.equal(m.messageStreamId, 0);
  }
  assert.throws(() => setChunkSizeMessage(0), RangeError);
});

test('protocol control messages decode, and short or invalid ones fail', () => {
  assert.deepEqual(decodeMessage(setChunkSizeMessage(60000)), { kind: 'set-chunk-size', chunkSize: 60000 });
  assert.deepEqual(decodeMessage(abortMessage(9)), { kind: 'abort', chunkStreamId: 9 });
  assert.deepEqual(decodeMessage(acknowledgementMessage(123)), { kind: 'acknowledgement', sequenceNumber: 123 });
  assert.deepEqual(decodeMessage(windowAckSizeMessage(5_000_000)), { kind: 'window-ack-size', windowSize: 5_000_000 });
  assert.deepEqual(decodeMessage(setPeerBandwidthMessage(1000, 1)), { kind: 'set-peer-bandwidth', windowSize: 1000, limitType: 1 });
  assert.throws(() => decodeMessage(raw(1, hex('00000000'))), rtmpError('bad-chunk-size'));
  assert.throws(() => decodeMessage(raw(1, hex('80000000'))), rtmpError('bad-chunk-size'));
  for (const type of [1, 2, 3, 5]) assert.throws(() => decodeMessage(raw(type, hex('000000'))), rtmpError('bad-message'));
  assert.throws(() => decodeMessage(raw(6, hex('00000001'))), rtmpError('bad-message'));
});

test('user control events: byte layouts from spec 7.1.7 and back', () => {
  const cases: Array<[UserControl, string]> = [
    [{ event: 'stream-begin', streamId: 1 }, '0000 00000001'],
    [{ event: 'stream-eof', streamId: 2 }, '0001 00000002'],
    [{ event: 'stream-dry', streamId: 3 }, '0002 00000003'],
    [{ event: 'set-buffer-length', streamId: 1, bufferLength: 3000 }, '0003 00000001 00000bb8'],
    [{ event: 'stream-is-recorded', streamId: 4 }, '0004 00000004'],
    [{ event: 'ping-request', timestamp: 0xdeadbeef }, '0006 deadbeef'],
    [{ event: 'ping-response', timestamp: 7 }, '0007 00000007'],
  ];
  for (const [control, bytes] of cases) {
    const message = userControlMessage(control);
    assert.equal(message.typeId, MessageType.UserControl);
    assert.deepEqual(message.payload, hex(bytes));
    assert.deepEqual(decodeMessage(message), { kind: 'user-control', control });
  }
  const swfVerify = decodeMessage(raw(4, hex('001a 01')));
  assert.equal(swfVerify.kind === 'user-control' && swfVerify.control.event, 'unknown');
  assert.throws(() => decodeMessage(raw(4, hex('0006 0000'))), rtmpError('bad-message'));
  assert.throws(() => decodeMessage(raw(4, hex('00'))), rtmpError('bad-message'));
});

test('commands: AMF0 _result bytes as in spec 7.2.1.1, decoded back', () => {
  const message = commandMessage({ name: '_result', transactionId: 1, commandObject: null, args: [3] });
  assert.deepEqual(message.payload, hex('02 0007 5f726573756c74  00 3ff0000000000000  05  00 4008000000000000'));
  assert.deepEqual(decodeCommand(message), { name: '_result', transactionId: 1, commandObject: null, args: [3] });
});

test('type-17 (AMF3) commands: the 0x00 format byte is skipped; replies can be sent the same way', () => {
  const body = Buffer.from(encodeAmf0(['connect', 1, { app: 'live' }]));
  const withFormatByte = raw(MessageType.CommandAmf3, Buffer.concat([hex('00'), body]));
  const withoutFormatByte = raw(MessageType.CommandAmf3, body);
  for (const message of [withFormatByte, withoutFormatByte]) {
    assert.deepEqual(decodeCommand(message), { name: 'connect', transactionId: 1, commandObject: { app: 'live' }, args: [] });
  }
  const reply = commandMessage({ name: '_result', transactionId: 1, commandObject: null, args: [] }, { amf3: true, messageStreamId: 2 });
  assert.equal(reply.typeId, 17);
  assert.equal(reply.messageStreamId, 2);
  assert.equal(reply.payload[0], 0);
  assert.equal(decodeCommand(reply).name, '_result');
});

test('malformed commands: no name, bad transaction id, broken AMF, nesting bomb', () => {
  assert.throws(() => decodeCommand(raw(20, Buffer.from(encodeAmf0([1, 2])))), rtmpError('bad-command'));
  assert.throws(() => decodeCommand(raw(20, Buffer.alloc(0))), rtmpError('bad-command'));
  assert.throws(() => decodeCommand(raw(20, Buffer.from(encodeAmf0(['play', 'x'])))), rtmpError('bad-command'));
  assert.throws(() => decodeCommand(raw(20, hex('02 0010 61'))), rtmpError('amf'));
  // 100 000 nested strict arrays of one element: 5 bytes each, far beyond any sane depth.
  const bomb = Buffer.concat([Buffer.from(encodeAmf0(['connect', 1])), Buffer.alloc(500_000).fill(hex('0a00000001'))]);
  assert.throws(() => decodeCommand(raw(20, bomb)), rtmpError('amf'));
  // A flat flood of values is bounded too.
  const flood = Buffer.concat([Buffer.from(encodeAmf0(['connect', 1])), Buffer.alloc(200_000, 0x05)]);
  assert.throws(() => decodeCommand(raw(20, flood)), rtmpError('amf'));
});

test('@setDataFrame is recognised and stripped to an onMetaData data message sharing the bytes', () => {
  const metadata = new AmfEcmaArray({ width: 320, height: 240 });
  const message = dataMessage(['@setDataFrame', 'onMetaData', metadata], { messageStreamId: 1 });
  assert.ok(isSetDataFrame(message));
  const stripped = stripSetDataFrame(message);
  assert.equal(stripped.typeId, MessageType.DataAmf0);
  assert.deepEqual(Buffer.from(stripped.payload), Buffer.from(encodeAmf0(['onMetaData', metadata])));
  assert.equal(stripped.payload.buffer, message.payload.buffer, 'a view, not a copy');
  assert.deepEqual(decodeDataMessage(stripped), ['onMetaData', metadata]);
  assert.equal(stripSetDataFrame(stripped), stripped, 'onMetaData alone is left as is');

  const amf3 = raw(MessageType.DataAmf3, Buffer.concat([hex('00'), Buffer.from(message.payload)]), 1);
  assert.ok(isSetDataFrame(amf3));
  assert.equal(stripSetDataFrame(amf3).typeId, MessageType.DataAmf0);
  assert.deepEqual(Buffer.from(stripSetDataFrame(amf3).payload), Buffer.from(stripped.payload));
});

test('aggregate (spec 7.1.6): FLV-style sub-headers, timestamps rebased on the aggregate, stream id overridden', () => {
  // Two sub-messages: audio at 1000 (0x3e8) with 2 bytes, video at 0x01000010 (high byte in the 8th header byte).
  const body = hex(`
    08 000002 0003e8 00 000007  aabb  0000000d
    09 000003 000010 01 000007  ccddee  0000000e`);
  const messages = splitAggregate(raw(MessageType.Aggregate, body, 5, 1500));
  assert.deepEqual(messages.map((m) => [m.typeId, m.timestamp, m.messageStreamId, Buffer.from(m.payload).toString('hex')]), [
    [8, 1500, 5, 'aabb'],
    [9, 0x01000010 + 500, 5, 'ccddee'],
  ]);
  // Without the last back pointer, and through decodeMessage.
  const decoded = decodeMessage(raw(MessageType.Aggregate, body.subarray(0, body.length - 4), 5, 1000));
  assert.equal(decoded.kind, 'media');
  assert.deepEqual(decoded.kind === 'media' && decoded.messages.map((m) => m.timestamp), [1000, 0x01000010]);
  // Rebasing wraps modulo 2^32.
  const wrapped = splitAggregate(raw(MessageType.Aggregate, body, 5, 10));
  assert.deepEqual(wrapped.map((m) => m.timestamp), [10, (0x01000010 - 990) >>> 0]);
});

test('aggregate built by aggregateMessage splits back to its sub-messages', () => {
  const subs: RtmpMessage[] = [
    raw(MessageType.DataAmf0, hex('0102'), 1, 0xfffffff0),
    raw(MessageType.Audio, hex('03'), 1, 0xfffffffa),
    raw(MessageType.Video, Buffer.alloc(0), 1, 0x00000004),
  ];
  assert.deepEqual(splitAggregate(aggregateMessage(subs, 1)).map((m) => ({ ...m, payload: Buffer.from(m.payload) })), subs);
});

test('malformed aggregates fail with bad-message', () => {
  assert.throws(() => splitAggregate(raw(22, hex('08 000002 0003e8'))), rtmpError('bad-message'));
  assert.throws(() => splitAggregate(raw(22, hex('08 000009 0003e8 00 000000 aabb'))), rtmpError('bad-message'));
  assert.throws(() => splitAggregate(raw(22, hex('14 000001 000000 00 000000 05 0000000c'))), rtmpError('bad-message'), 'a command inside');
  assert.throws(() => splitAggregate(raw(22, hex('16 000000 000000 00 000000 0000000b'))), rtmpError('bad-message'), 'nested aggregate');
});

test('media and unknown types pass through raw', () => {
  const audio = raw(8, hex('af01'), 1, 40);
  assert.deepEqual(decodeMessage(audio), { kind: 'media', messages: [audio] });
  const sharedObject = raw(19, hex('00'));
  assert.deepEqual(decodeMessage(sharedObject), { kind: 'other', message: sharedObject });
});
