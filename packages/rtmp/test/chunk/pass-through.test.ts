import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChunkWriter, serializeMessage } from '../../src/chunk/index.ts';
import { RtmpError } from '../../src/errors.ts';
import { bytes, filled, recordingReader } from './helpers.ts';

const AUDIO_VIDEO = [8, 9];

test('a pass-through video message comes as one piece per chunk, each as soon as it arrives', () => {
  const payload = filled(10_000);
  const writer = new ChunkWriter();
  writer.chunkSize = 4096;
  const wire = writer.write({ typeId: 9, timestamp: 40, messageStreamId: 1, payload }, 6);
  const { reader, messages, pieces } = recordingReader({}, AUDIO_VIDEO);
  reader.chunkSize = 4096;
  // The second chunk arrives split across two reads: its two halves come separately.
  const cut = 12 + 4096 + 1 + 1000;
  reader.push(wire.subarray(0, cut));
  assert.equal(messages.length, 0);
  assert.deepEqual(pieces.map((p) => [p.received, p.bytes.length]), [[0, 4096], [4096, 1000]]);
  assert.equal(reader.bufferedBytes, 0, 'nothing is held for a pass-through message');
  reader.push(wire.subarray(cut));
  assert.deepEqual(pieces.map((p) => [p.received, p.bytes.length, p.length, p.typeId, p.chunkStreamId]),
    [[0, 4096, 10_000, 9, 6], [4096, 1000, 10_000, 9, 6], [5096, 3096, 10_000, 9, 6], [8192, 1808, 10_000, 9, 6]]);
  assert.deepEqual(messages.map((m) => [m.typeId, m.timestamp, m.messageStreamId, m.chunkStreamId]), [[9, 40, 1, 6]]);
  assert.deepEqual(messages[0].payload, payload);
});

test('other types are still assembled, in stream order with the pass-through ones', () => {
  const writer = new ChunkWriter();
  writer.chunkSize = 128;
  const wire = Buffer.concat([
    writer.write({ typeId: 9, timestamp: 0, messageStreamId: 1, payload: filled(300, 1) }, 6),
    writer.write({ typeId: 20, timestamp: 0, messageStreamId: 1, payload: filled(200, 2) }, 3),
    writer.write({ typeId: 8, timestamp: 10, messageStreamId: 1, payload: filled(20, 3) }, 4),
  ]);
  const { reader, messages, pieces } = recordingReader({}, AUDIO_VIDEO);
  reader.chunkSize = 128;
  reader.push(wire);
  assert.deepEqual(messages.map((m) => [m.typeId, m.payload.length]), [[9, 300], [20, 200], [8, 20]]);
  assert.deepEqual(pieces.map((p) => p.typeId), [9, 9, 9, 8]);
});

test('interleaved chunk streams keep separate pass-through progress', () => {
  const { reader, messages, pieces } = recordingReader({}, AUDIO_VIDEO);
  reader.chunkSize = 2;
  reader.push(bytes('04 000001 000004 08 01000000 a1a2  06 000002 000003 09 01000000 b1b2  c4 a3a4  c6 b3'));
  assert.deepEqual(pieces.map((p) => [p.chunkStreamId, p.received, p.bytes.toString('hex')]),
    [[4, 0, 'a1a2'], [6, 0, 'b1b2'], [4, 2, 'a3a4'], [6, 2, 'b3']]);
  assert.deepEqual(messages.map((m) => [m.chunkStreamId, m.payload.toString('hex')]), [[4, 'a1a2a3a4'], [6, 'b1b2b3']]);
});

test('a zero-length pass-through message comes as one empty piece', () => {
  const { reader, messages, pieces } = recordingReader({}, AUDIO_VIDEO);
  reader.push(bytes('08 000010 000000 09 01000000  c8'));
  assert.deepEqual(pieces.map((p) => [p.received, p.length, p.bytes.length]), [[0, 0, 0], [0, 0, 0]]);
  assert.deepEqual(messages.map((m) => [m.timestamp, m.payload.length]), [[16, 0], [32, 0]]);
});

test('extended timestamps on type-3 continuations and new messages, with pass-through', () => {
  const cases = [
    // The extended timestamp repeated in every type-3 chunk (spec, SRS)...
    '04 ffffff 000002 08 01000000 02000000 aa  c4 02000000 aa  c4 02000000 bb  c4 02000000 bb',
    // ...or left out of them (librtmp): a type-0 header follows so the last chunk's peek has its 4 bytes.
    '04 ffffff 000002 08 01000000 02000000 aa  c4 aa  c4 bb  c4 bb  06 000000 000000 08 01000000',
  ];
  for (const hex of cases) {
    const { reader, messages } = recordingReader({}, AUDIO_VIDEO);
    reader.chunkSize = 1;
    reader.push(bytes(hex));
    assert.deepEqual(messages.slice(0, 2).map((m) => [m.timestamp, m.payload.toString('hex')]), [[0x02000000, 'aaaa'], [0x04000000, 'bbbb']], hex);
  }
});

test('Abort ends a partly passed-through message: the next type-3 chunk starts a new one', () => {
  const { reader, messages, pieces } = recordingReader({}, AUDIO_VIDEO);
  reader.push(bytes('04 000064 000100 08 01000000'));
  reader.push(filled(128));
  reader.abort(4);
  reader.push(Buffer.concat([bytes('c4'), filled(128, 2), bytes('c4'), filled(128, 3)]));
  assert.deepEqual(pieces.map((p) => p.received), [0, 0, 128]);
  assert.deepEqual(messages.map((m) => [m.timestamp, m.payload]), [[200, Buffer.concat([filled(128, 2), filled(128, 3)])]]);
});

test('header checks still apply to pass-through messages', () => {
  const { reader } = recordingReader({}, AUDIO_VIDEO);
  reader.chunkSize = 1;
  assert.throws(() => reader.push(bytes('04 000000 000004 08 01000000 aa 04 000000 000001 08 01000000')),
    (error) => error instanceof RtmpError && error.code === 'bad-chunk');
  const limited = recordingReader({ maxMessageBytes: 1024 }, AUDIO_VIDEO);
  assert.throws(() => limited.reader.push(bytes('04 000000 000401 09 01000000')),
    (error) => error instanceof RtmpError && error.code === 'message-too-large');
});

test('pass-through messages hold no bytes, so the buffer limits do not count them', () => {
  // The whole first chunk of a 200-byte message on each of 6 chunk streams: 6 open messages.
  const starts = [3, 4, 5, 6, 7, 8].map((id) =>
    serializeMessage({ typeId: 9, timestamp: 0, messageStreamId: 1, payload: Buffer.alloc(200) }, { chunkSize: 128, chunkStreamId: id }).subarray(0, 12 + 128));
  const { reader } = recordingReader({ maxAssemblingStreams: 4, maxBufferedBytes: 500 }, AUDIO_VIDEO);
  for (const start of starts) reader.push(start);
  assert.equal(reader.bufferedBytes, 0);
  const assembling = recordingReader({ maxAssemblingStreams: 4, maxBufferedBytes: 500 });
  assert.throws(() => { for (const start of starts) assembling.reader.push(start); }, (error) => error instanceof RtmpError);
});
