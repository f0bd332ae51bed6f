import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChunkWriter, serializeMessage, ChunkStreamId } from '../../src/chunk/index.ts';
import { RtmpError } from '../../src/errors.ts';
import { bytes, filled, recordingReader } from './helpers.ts';

function rtmpError(code: string) {
  return (error: unknown) => error instanceof RtmpError && error.code === code;
}

test('spec example 1 (5.3.2.1): four audio messages compress to fmt 0, 2, 3, 3 and decode back', () => {
  const writer = new ChunkWriter();
  const payloads = [1, 2, 3, 4].map((seed) => filled(32, seed));
  const chunks = payloads.map((payload, i) =>
    writer.write({ typeId: 8, timestamp: 1000 + 20 * i, messageStreamId: 12345, payload }, 3));
  assert.deepEqual(chunks.map((c) => c.length), [44, 36, 33, 33]);
  assert.deepEqual(chunks[0].subarray(0, 12), bytes('03 0003e8 000020 08 39300000'));
  assert.deepEqual(chunks[1].subarray(0, 4), bytes('83 000014'));
  assert.deepEqual(chunks[2].subarray(0, 1), bytes('c3'));
  assert.deepEqual(chunks[3].subarray(0, 1), bytes('c3'));
  const { reader, messages } = recordingReader();
  reader.push(Buffer.concat(chunks));
  assert.deepEqual(messages.map((m) => [m.timestamp, m.typeId, m.messageStreamId, m.chunkStreamId]),
    [[1000, 8, 12345, 3], [1020, 8, 12345, 3], [1040, 8, 12345, 3], [1060, 8, 12345, 3]]);
  assert.deepEqual(messages.map((m) => m.payload), payloads);
});

test('spec example 2 (5.3.2.2): a 307-byte video message in 128-byte chunks is 140 + 129 + 52 bytes', () => {
  const payload = filled(307);
  const message = { typeId: 9, timestamp: 1000, messageStreamId: 12346, payload };
  const expected = Buffer.concat([
    bytes('04 0003e8 000133 09 3a300000'), payload.subarray(0, 128),
    bytes('c4'), payload.subarray(128, 256),
    bytes('c4'), payload.subarray(256),
  ]);
  assert.deepEqual(serializeMessage(message, { chunkSize: 128, chunkStreamId: 4 }), expected);
  assert.deepEqual(new ChunkWriter().write(message, 4), expected);
  const { reader, messages } = recordingReader();
  reader.push(expected);
  assert.equal(messages.length, 1);
  assert.deepEqual(messages[0], { ...message, chunkStreamId: 4 });
});

test('basic headers use the smallest form: 1 byte to 63, 2 bytes to 319, 3 bytes to 65599', () => {
  const cases: Array<[number, string]> = [
    [2, '02'], [63, '3f'], [64, '00 00'], [319, '00 ff'], [320, '01 00 01'], [365, '01 2d 01'], [65599, '01 ff ff'],
  ];
  for (const [id, header] of cases) {
    const out = serializeMessage({ typeId: 8, timestamp: 0, messageStreamId: 0, payload: Buffer.alloc(0) }, { chunkSize: 128, chunkStreamId: id });
    const basic = bytes(header);
    assert.deepEqual(out.subarray(0, basic.length), basic, `csid ${id}`);
    assert.equal(out.length, basic.length + 11);
    const { reader, messages } = recordingReader();
    reader.push(out);
    assert.equal(messages[0].chunkStreamId, id);
  }
});

test('the reader accepts the longer basic header forms for small ids', () => {
  const { reader, messages } = recordingReader();
  // csid 64 in the 3-byte form, then a type-3 continuation for it in the 2-byte form.
  reader.chunkSize = 2;
  reader.push(bytes('01 00 00  000000 000003 08 00000000  aabb  c0 00  cc'));
  assert.deepEqual(messages.map((m) => [m.chunkStreamId, m.payload.toString('hex')]), [[64, 'aabbcc']]);
});

test('extended timestamp: 0xFFFFFF marker, 4-byte value after the header and in every type-3 continuation', () => {
  const payload = bytes('010203040506');
  const out = serializeMessage({ typeId: 18, timestamp: 0x01000000, messageStreamId: 1, payload }, { chunkSize: 4, chunkStreamId: ChunkStreamId.Data });
  assert.deepEqual(out, bytes('05 ffffff 000006 12 01000000 01000000 01020304  c5 01000000 0506'));
  // 0xFFFFFF itself must already use the extended field.
  const edge = serializeMessage({ typeId: 8, timestamp: 0xffffff, messageStreamId: 1, payload: Buffer.alloc(0) }, { chunkSize: 128, chunkStreamId: 4 });
  assert.deepEqual(edge, bytes('04 ffffff 000000 08 01000000 00ffffff'));
});

test('type-3 continuations of an extended-timestamp message decode with or without the repeated field', () => {
  const withField = bytes('05 ffffff 000006 12 01000000 01000000 01020304  c5 01000000 0506');
  // librtmp (OBS before 2024) omits the field in continuations. The reader peeks 4 bytes to tell the forms
  // apart, so a message completes once 4 bytes follow its last chunk header (here: the next message).
  const withoutField = bytes('05 ffffff 000006 12 01000000 01000000 01020304  c5 0506  04 000000 000000 08 01000000');
  for (const input of [withField, withoutField]) {
    for (const split of [1, 3, input.length]) {
      const { reader, messages } = recordingReader();
      reader.chunkSize = 4;
      for (let i = 0; i < input.length; i += split) reader.push(input.subarray(i, i + split));
      assert.equal(messages.length, input === withField ? 1 : 2);
      assert.equal(messages[0].timestamp, 0x01000000);
      assert.deepEqual(messages[0].payload, bytes('010203040506'));
    }
  }
});

test('a type-3 chunk that starts a new message inherits length, type, stream and delta', () => {
  const { reader, messages } = recordingReader();
  reader.push(bytes(`
    04 000064 000002 08 01000000 aaaa
    c4 bbbb
    84 000014 cccc
    c4 dddd`));
  // After a type-0 header the inherited delta is its timestamp (spec 5.3.1.2.4).
  assert.deepEqual(messages.map((m) => [m.timestamp, m.payload.toString('hex'), m.messageStreamId, m.typeId]),
    [[100, 'aaaa', 1, 8], [200, 'bbbb', 1, 8], [220, 'cccc', 1, 8], [240, 'dddd', 1, 8]]);
});

test('a type-3 new message after an extended timestamp: field present or absent', () => {
  for (const next of ['c4 02000000 bbbb', 'c4 bbbb 06 000000 000000 08 01000000']) {
    const { reader, messages } = recordingReader();
    reader.push(bytes(`04 ffffff 000002 08 01000000 02000000 aaaa ${next}`));
    assert.deepEqual(messages.slice(0, 2).map((m) => [m.timestamp, m.payload.toString('hex')]), [[0x02000000, 'aaaa'], [0x04000000, 'bbbb']]);
  }
});

test('timestamps wrap at 2^32 on deltas and the writer starts a fresh type-0 header when time goes back', () => {
  const { reader, messages } = recordingReader();
  reader.push(bytes('04 ffffff 000001 08 01000000 fffffff0 aa  84 000020 bb'));
  assert.deepEqual(messages.map((m) => m.timestamp), [0xfffffff0, 0x10]);

  const writer = new ChunkWriter();
  const first = writer.write({ typeId: 8, timestamp: 0xfffffff0, messageStreamId: 1, payload: bytes('aa') }, 4);
  const second = writer.write({ typeId: 8, timestamp: 0x10, messageStreamId: 1, payload: bytes('bb') }, 4);
  assert.equal(first[0] >> 6, 0);
  assert.equal(second[0] >> 6, 0);
  const decoded = recordingReader();
  decoded.reader.push(Buffer.concat([first, second]));
  assert.deepEqual(decoded.messages.map((m) => m.timestamp), [0xfffffff0, 0x10]);
});

test('zero-length messages are delivered', () => {
  const { reader, messages } = recordingReader();
  reader.push(bytes('08 000010 000000 09 01000000  c8'));
  assert.deepEqual(messages.map((m) => [m.timestamp, m.payload.length]), [[16, 0], [32, 0]]);
});

test('a type-1 header on a fresh chunk stream is accepted with stream 0 (librtmp pings)', () => {
  const { reader, messages } = recordingReader();
  reader.push(bytes('42 000000 000006 04 0006 00001234'));
  assert.deepEqual(messages.map((m) => [m.chunkStreamId, m.typeId, m.messageStreamId, m.timestamp]), [[2, 4, 0, 0]]);
});

test('chunks of different chunk streams interleave', () => {
  const { reader, messages } = recordingReader();
  reader.chunkSize = 2;
  reader.push(bytes('04 000001 000004 08 01000000 a1a2  06 000002 000003 09 01000000 b1b2  c4 a3a4  c6 b3'));
  assert.deepEqual(messages.map((m) => [m.chunkStreamId, m.payload.toString('hex')]), [[4, 'a1a2a3a4'], [6, 'b1b2b3']]);
});

test('Set Chunk Size applies from the next chunk, even within the same read', () => {
  const writer = new ChunkWriter();
  const setChunkSize = writer.write({ typeId: 1, timestamp: 0, messageStreamId: 0, payload: bytes('00001000') }, 2);
  writer.chunkSize = 4096;
  const big = filled(3000);
  const video = writer.write({ typeId: 9, timestamp: 40, messageStreamId: 1, payload: big }, 6);
  assert.equal(video.length, 12 + 3000, 'one chunk at 4096');
  const { reader, messages } = recordingReader();
  reader.push(Buffer.concat([setChunkSize, video]));
  assert.equal(reader.chunkSize, 4096);
  assert.deepEqual(messages[1].payload, big);
});

test('Abort drops the partly received message and frees its bytes', () => {
  const { reader, messages } = recordingReader();
  reader.push(bytes('04 000000 000100 08 01000000'));
  reader.push(filled(128));
  assert.equal(reader.bufferedBytes, 256);
  reader.abort(4);
  assert.equal(reader.bufferedBytes, 0);
  // The chunk stream keeps its header state: a type-3 chunk now starts a new 256-byte message.
  reader.push(Buffer.concat([bytes('c4'), filled(128), bytes('c4'), filled(128, 2)]));
  assert.equal(messages.length, 1);
  assert.equal(messages[0].payload.length, 256);
});

test('Set Chunk Size outside 1..2^31-1 is refused', () => {
  const { reader } = recordingReader();
  for (const size of [0, 0x80000000, 0xffffffff]) {
    assert.throws(() => { reader.chunkSize = size; }, rtmpError('bad-chunk-size'));
  }
  reader.chunkSize = 1;
  reader.chunkSize = 0x7fffffff;
  const { reader: r2 } = recordingReader();
  assert.throws(() => r2.push(bytes('02 000000 000004 01 00000000 00000000')), rtmpError('bad-chunk-size'));
});

test('a header declaring more than maxMessageBytes fails before any payload arrives', () => {
  const { reader } = recordingReader({ maxMessageBytes: 1024 * 1024 });
  assert.throws(() => reader.push(bytes('04 000000 ffffff 09 01000000')), rtmpError('message-too-large'));
});

test('a 16 MiB declared message holds only what arrived (64 KiB start) until its bytes come', () => {
  const { reader, messages } = recordingReader();
  reader.chunkSize = 0x7fffffff;
  reader.push(bytes('04 000000 ffffff 09 01000000'));
  reader.push(Buffer.alloc(10));
  assert.equal(reader.bufferedBytes, 64 * 1024);
  reader.push(Buffer.alloc(0xffffff - 10, 7));
  assert.equal(messages.length, 1);
  assert.equal(messages[0].payload.length, 0xffffff);
  assert.equal(reader.bufferedBytes, 0);
});

test('bad chunk sequences are refused with bad-chunk', () => {
  const cases = [
    'c4 00',                                          // type 3 on a stream that never had a header
    '84 000010 00',                                   // type 2 likewise
    '04 000000 000004 08 01000000 aa 04 000000 000001 08 01000000', // type 0 while a message is incomplete
    '04 000000 000004 08 01000000 aa 44 000000 000001 08',          // type 1 likewise
  ];
  for (const hex of cases) {
    const { reader } = recordingReader({});
    reader.chunkSize = 1;
    assert.throws(() => reader.push(bytes(hex)), rtmpError('bad-chunk'), hex);
  }
});

test('limits on chunk streams: assembling at once, distinct ids, buffered bytes', () => {
  // The whole first chunk of a 200-byte message: the message stays open on that chunk stream.
  const start = (id: number) => serializeMessage({ typeId: 8, timestamp: 0, messageStreamId: 1, payload: Buffer.alloc(200) }, { chunkSize: 128, chunkStreamId: id }).subarray(0, (id < 64 ? 12 : 13) + 128);

  const assembling = recordingReader({ maxAssemblingStreams: 4 });
  for (let id = 3; id < 7; id++) assembling.reader.push(start(id));
  assert.throws(() => assembling.reader.push(start(7)), rtmpError('too-many-chunk-streams'));

  const distinct = recordingReader({ maxChunkStreams: 10 });
  for (let id = 3; id < 13; id++) distinct.reader.push(serializeMessage({ typeId: 8, timestamp: 0, messageStreamId: 1, payload: Buffer.alloc(1) }, { chunkSize: 128, chunkStreamId: id }));
  assert.throws(() => distinct.reader.push(start(100)), rtmpError('too-many-chunk-streams'));

  const buffered = recordingReader({ maxBufferedBytes: 500 });
  buffered.reader.push(start(3));
  buffered.reader.push(start(4));
  assert.throws(() => buffered.reader.push(start(5)), rtmpError('buffer-limit'));
});
