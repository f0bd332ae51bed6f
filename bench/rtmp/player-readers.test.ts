// The benchmark players' readers against the full parsers they replace: run with
//   npx node --test bench/rtmp/player-readers.test.ts
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FlvError, encodeFlvTag, flvFileHeader } from '@livelink/flv';
import {
  ChunkReader, ChunkWriter, ClientSession, HANDSHAKE_SIZE, ServerHandshake, aggregateMessage, commandMessage, setChunkSizeMessage, setPeerBandwidthMessage,
  userControlMessage, windowAckSizeMessage, type RtmpMessage,
} from '@livelink/rtmp';
import { HttpFlvReader, HttpResponseError } from './http-flv-reader.ts';
import { MediaProbe, fingerprint } from './media-probe.ts';
import { RtmpMediaTap } from './rtmp-media-tap.ts';

/** What a player sees of a message: the probe's view, or the same computed from the whole payload. */
const summary = (typeId: number, timestamp: number, head: Uint8Array, length: number, print: string | null) =>
  `${typeId}@${timestamp}:${length}:${Buffer.from(head).toString('hex')}:${print}`;
const probed = (probe: MediaProbe) => summary(probe.typeId, probe.timestamp, probe.head(), probe.length, probe.fingerprint());
const whole = (typeId: number, timestamp: number, payload: Uint8Array) => summary(typeId, timestamp, payload.subarray(0, 16), payload.length, fingerprint(payload));

/** Cuts `bytes` at the given points (taken modulo its length). */
function slices(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const point of [...points, bytes.length]) {
    out.push(bytes.subarray(from, point));
    from = point;
  }
  return out.filter((piece) => piece.length > 0);
}

const payloadArb = fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ minLength: 100, maxLength: 9000, size: 'max' })).map((a) => Buffer.from(a));
const cutsArb = fc.array(fc.nat(), { maxLength: 12 });

test('MediaProbe: head and fingerprint from pieces equal those of the whole payload, however it is cut', () => {
  fc.assert(fc.property(payloadArb, cutsArb, (payload, cuts) => {
    const probe = new MediaProbe();
    probe.start(9, 40, payload.length);
    let offset = 0;
    for (const piece of slices(payload, cuts)) {
      probe.take(piece, 0, piece.length, offset);
      offset += piece.length;
    }
    assert.equal(probed(probe), whole(9, 40, payload));
  }), { numRuns: 300 });
});

// ---- HTTP-FLV ---------------------------------------------------------------------------------

const tagArb = fc.record({
  type: fc.constantFrom(8, 9, 18),
  timestamp: fc.oneof(fc.nat({ max: 0xffffff }), fc.nat({ max: 0xffffffff })),
  body: payloadArb,
});

function flvBody(tags: Array<{ type: number; timestamp: number; body: Buffer }>): Buffer {
  return Buffer.concat([flvFileHeader({ audio: true, video: true }), ...tags.map((tag) => encodeFlvTag({ type: tag.type as 8 | 9 | 18, timestamp: tag.timestamp, body: tag.body }))]);
}

/** Chunked transfer coding at the given chunk lengths, with the size forms servers use. */
function chunked(body: Buffer, cuts: number[]): Buffer {
  const parts = slices(body, cuts).map((piece, i) => {
    const size = i % 2 === 0 ? piece.length.toString(16) : `${piece.length.toString(16).toUpperCase()};ext=1`;
    return Buffer.concat([Buffer.from(`${size}\r\n`), piece, Buffer.from('\r\n')]);
  });
  return Buffer.concat([...parts, Buffer.from('0\r\n\r\n')]);
}

function readResponse(response: Buffer, cuts: number[]): { statuses: number[]; media: string[] } {
  const statuses: number[] = [];
  const media: string[] = [];
  const reader = new HttpFlvReader({ onStatus: (status) => statuses.push(status), onMedia: (probe) => media.push(probed(probe)) });
  for (const piece of slices(response, cuts)) reader.push(piece);
  return { statuses, media };
}

test('HttpFlvReader: every tag of an identity or chunked response, however the reads fall', () => {
  fc.assert(fc.property(fc.array(tagArb, { maxLength: 6 }), cutsArb, cutsArb, fc.boolean(), (tags, chunkCuts, readCuts, isChunked) => {
    const body = flvBody(tags);
    const head = isChunked
      ? 'HTTP/1.1 200 OK\r\nContent-Type: video/x-flv\r\nTransfer-Encoding: chunked\r\n\r\n'
      : 'HTTP/1.1 200 OK\r\ncontent-type: video/x-flv\r\nconnection: close\r\n\r\n';
    const response = Buffer.concat([Buffer.from(head), isChunked ? chunked(body, chunkCuts) : body]);
    assert.deepEqual(readResponse(response, readCuts), { statuses: [200], media: tags.map((tag) => whole(tag.type, tag.timestamp, tag.body)) });
  }), { numRuns: 300 });
});

test('HttpFlvReader: a refusal is reported and its body not read as FLV', () => {
  assert.deepEqual(readResponse(Buffer.from('HTTP/1.1 404 Not Found\r\ncontent-type: text/plain\r\n\r\nno such stream\n'), [3, 30]), { statuses: [404], media: [] });
});

test('HttpFlvReader: bad heads, chunk framing and FLV framing are refused with typed errors', () => {
  const ok = 'HTTP/1.1 200 OK\r\n\r\n';
  const valid = flvBody([{ type: 9, timestamp: 0, body: Buffer.alloc(20, 1) }]);
  const badPrevious = Buffer.from(valid);
  badPrevious.writeUInt32BE(7, badPrevious.length - 4);
  const cases: Array<[Buffer, (error: unknown) => boolean]> = [
    [Buffer.from('ICY 200 OK\r\n\r\n'), httpError('bad-status-line')],
    [Buffer.from(`HTTP/1.1 200 OK\r\nx: ${'y'.repeat(20_000)}`), httpError('head-too-large')],
    [Buffer.from(`${ok.slice(0, -2)}Transfer-Encoding: chunked\r\n\r\nzz\r\n`), httpError('bad-chunk-size')],
    [Buffer.concat([Buffer.from(`${ok.slice(0, -2)}Transfer-Encoding: chunked\r\n\r\n3\r\n`), Buffer.from('FLVxx')]), httpError('bad-chunk-size')],
    [Buffer.from(`${ok}FLX\x01\x05\x00\x00\x00\x09\x00\x00\x00\x00`, 'latin1'), flvError('bad-signature')],
    [Buffer.concat([Buffer.from(ok), badPrevious, flvBody([]).subarray(0, 4)]), flvError('bad-previous-tag-size')],
  ];
  for (const [response, expected] of cases) {
    assert.throws(() => readResponse(response, []), expected);
  }
});

test('HttpFlvReader on random and mutated responses: media, or HttpResponseError / FlvError', () => {
  const arb = fc.tuple(fc.array(tagArb, { minLength: 1, maxLength: 4 }), fc.boolean(), cutsArb, fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { maxLength: 8 }), fc.uint8Array({ maxLength: 400 }));
  fc.assert(fc.property(arb, ([tags, isChunked, cuts, mutations, noise]) => {
    const head = Buffer.from(`HTTP/1.1 200 OK\r\n${isChunked ? 'Transfer-Encoding: chunked\r\n' : ''}\r\n`);
    const body = Buffer.concat([isChunked ? chunked(flvBody(tags), cuts) : flvBody(tags), noise]);
    for (const [at, value] of mutations) body[at % body.length] = value;
    try {
      readResponse(Buffer.concat([head, body]), cuts);
    } catch (error) {
      if (!(error instanceof HttpResponseError) && !(error instanceof FlvError)) throw error;
    }
  }), { numRuns: 300 });
});

function httpError(code: string) {
  return (error: unknown) => error instanceof HttpResponseError && error.code === code;
}

function flvError(code: string) {
  return (error: unknown) => error instanceof FlvError && error.code === code;
}

// ---- RTMP ---------------------------------------------------------------------------------------

/** Server bytes as a real server sends them: S0+S1+S2 answering `session`'s C0+C1, then the messages. */
function serverStream(session: ClientSession, c0c1: Buffer, messages: Array<RtmpMessage & { chunkStreamId: number }>): Buffer {
  const handshake = new ServerHandshake().receive(c0c1).output!;
  const writer = new ChunkWriter();
  const chunks = messages.map((message) => {
    const bytes = writer.write(message, message.chunkStreamId);
    if (message.typeId === 1) writer.chunkSize = Buffer.from(message.payload).readUInt32BE(0);
    return bytes;
  });
  return Buffer.concat([handshake, ...chunks]);
}

/** The messages in client chunk bytes. */
function sentMessages(bytes: Buffer): string[] {
  const out: string[] = [];
  new ChunkReader({ onMessage: (message) => out.push(`${message.typeId}:${Buffer.from(message.payload).toString('hex')}`) }).push(bytes);
  return out;
}

test('RtmpMediaTap: the media a ClientSession delivers, and the same acknowledgements, pongs and window answers', () => {
  const mediaArb = fc.record({ typeId: fc.constantFrom(8, 9), timestamp: fc.nat({ max: 0x1000100 }), payload: payloadArb, chunkStreamId: fc.constantFrom(4, 6, 70) });
  // `other` picks between two values where repeating one matters (Set Peer Bandwidth is answered only on a change).
  const extraArb = fc.record({ kind: fc.constantFrom('ping', 'window', 'bandwidth', 'chunk-size', 'command', 'aggregate'), other: fc.boolean() });
  fc.assert(fc.property(fc.array(fc.oneof(mediaArb, extraArb), { maxLength: 14 }), cutsArb, fc.nat({ max: 6 }), (items, cuts, handOverAt) => {
    const messages: Array<RtmpMessage & { chunkStreamId: number }> = [];
    for (const item of items) {
      if (!('kind' in item)) messages.push({ ...item, messageStreamId: 1 });
      else if (item.kind === 'ping') messages.push({ ...userControlMessage({ event: 'ping-request', timestamp: messages.length }), chunkStreamId: 2 });
      else if (item.kind === 'window') messages.push({ ...windowAckSizeMessage(item.other ? 1000 : 4000), chunkStreamId: 2 });
      else if (item.kind === 'bandwidth') messages.push({ ...setPeerBandwidthMessage(item.other ? 5000 : 6000, 2), chunkStreamId: 2 });
      else if (item.kind === 'chunk-size') messages.push({ ...setChunkSizeMessage(64 + messages.length * 500), chunkStreamId: 2 });
      else if (item.kind === 'command') messages.push({ ...commandMessage({ name: 'onStatus', transactionId: 0, commandObject: null, args: [{ level: 'status', code: 'NetStream.Play.Reset' }] }, { messageStreamId: 1 }), chunkStreamId: 3 });
      else messages.push({ ...aggregateMessage([{ typeId: 9, timestamp: 100, messageStreamId: 1, payload: Buffer.alloc(30, 7) }, { typeId: 8, timestamp: 120, messageStreamId: 1, payload: Buffer.alloc(5, 8) }], 1), chunkStreamId: 6 });
    }
    const sessionOut: Buffer[] = [];
    const sessionMedia: string[] = [];
    const session = new ClientSession({ send: (bytes) => sessionOut.push(bytes), tcUrl: 'rtmp://127.0.0.1/live', onMedia: (_id, m) => m.typeId !== 18 && sessionMedia.push(whole(m.typeId, m.timestamp, m.payload)) });
    session.start();
    const stream = serverStream(session, sessionOut[0], messages);
    const tapOut: Buffer[] = [];
    const tapMedia: string[] = [];
    const tap = new RtmpMediaTap({ send: (bytes) => tapOut.push(bytes), onMedia: (probe) => tapMedia.push(probed(probe)) });
    // After C0+C1 and C2 the session sends only protocol replies (nothing here calls it).
    const sessionReplies = () => sentMessages(Buffer.concat(sessionOut).subarray(2 * HANDSHAKE_SIZE + 1));
    let repliesBeforeHandOver = 0;
    for (const [i, read] of slices(stream, cuts).entries()) {
      // Until the hand-over the session answers (as in load.ts); the tap only keeps count.
      if (i === handOverAt) {
        repliesBeforeHandOver = sessionReplies().length;
        tap.answer();
      }
      session.receive(read);
      tap.push(read);
    }
    assert.deepEqual(tapMedia, sessionMedia);
    assert.deepEqual(sentMessages(Buffer.concat(tapOut)), tap.answering ? sessionReplies().slice(repliesBeforeHandOver) : []);
  }), { numRuns: 200 });
});

test('RtmpMediaTap: after the hand-over it answers what the session would have, and nothing the session already did', () => {
  const sessionOut: Buffer[] = [];
  const session = new ClientSession({ send: (bytes) => sessionOut.push(bytes), tcUrl: 'rtmp://127.0.0.1/live' });
  session.start();
  const control = (message: RtmpMessage) => ({ ...message, chunkStreamId: 2 });
  const video = (timestamp: number) => ({ typeId: 9, timestamp, messageStreamId: 1, payload: Buffer.alloc(3000, timestamp), chunkStreamId: 6 });
  const before = [control(windowAckSizeMessage(2000)), control(setPeerBandwidthMessage(5000, 2)), video(0), control(userControlMessage({ event: 'ping-request', timestamp: 7 }))];
  const after = [control(setPeerBandwidthMessage(5000, 2)), control(userControlMessage({ event: 'ping-request', timestamp: 8 })), video(40), control(setPeerBandwidthMessage(6000, 2))];
  const whole = serverStream(session, sessionOut[0], [...before, ...after]);
  const handOverAt = serverStream(session, sessionOut[0], before).length;
  const tapOut: Buffer[] = [];
  const tap = new RtmpMediaTap({ send: (bytes) => tapOut.push(bytes), onMedia: () => {} });
  session.receive(whole.subarray(0, handOverAt));
  tap.push(whole.subarray(0, handOverAt));
  assert.deepEqual(tapOut, [], 'the session answers until the hand-over');
  tap.answer();
  tap.push(whole.subarray(handOverAt));
  const window = (size: number) => `5:${size.toString(16).padStart(8, '0')}`;
  const pong = (timestamp: number) => `4:0007${timestamp.toString(16).padStart(8, '0')}`;
  const ack = (bytes: number) => `3:${bytes.toString(16).padStart(8, '0')}`;
  assert.deepEqual(sentMessages(Buffer.concat(sessionOut).subarray(2 * HANDSHAKE_SIZE + 1)), [window(5000), pong(7), ack(handOverAt)]);
  assert.deepEqual(sentMessages(Buffer.concat(tapOut)), [pong(8), window(6000), ack(whole.length)]);
});
