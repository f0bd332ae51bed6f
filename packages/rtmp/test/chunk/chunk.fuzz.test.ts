import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ChunkReader, ChunkWriter, serializeMessage } from '../../src/chunk/index.ts';
import type { RtmpMessage } from '../../src/chunk/index.ts';
import { RtmpError } from '../../src/errors.ts';
import { recordingReader } from './helpers.ts';
import type { Received } from './helpers.ts';

const chunkStreamIdArb = fc.oneof(fc.integer({ min: 3, max: 63 }), fc.integer({ min: 64, max: 319 }), fc.integer({ min: 320, max: 65599 }));
const timestampArb = fc.oneof(
  fc.integer({ min: 0, max: 0xfffffe }),
  fc.integer({ min: 0xfffff0, max: 0x1000010 }),
  fc.integer({ min: 0xffffff00, max: 0xffffffff }),
  fc.nat({ max: 0xffffffff }),
);
const messageArb: fc.Arbitrary<RtmpMessage & { chunkStreamId: number }> = fc.record({
  typeId: fc.constantFrom(8, 9, 18, 20),
  timestamp: timestampArb,
  messageStreamId: fc.constantFrom(0, 1, 2, 0x01020304),
  payload: fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ minLength: 4000, maxLength: 9000 })).map((a) => Buffer.from(a)),
  chunkStreamId: chunkStreamIdArb,
});
/** Consecutive messages that share a chunk stream, to exercise the writer's fmt 1/2/3 paths. */
const runArb = fc.tuple(messageArb, fc.array(fc.record({ step: fc.constantFrom(0, 20, 23, 40), payload: fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)), sameLength: fc.boolean() }), { maxLength: 6 }))
  .map(([first, rest]) => {
    const messages = [first];
    for (const { step, payload, sameLength } of rest) {
      const previous = messages[messages.length - 1];
      messages.push({ ...previous, timestamp: (previous.timestamp + step) >>> 0, payload: sameLength ? Buffer.from(previous.payload).reverse() : payload });
    }
    return messages;
  });
const slicesArb = fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 10 });

function pushInSlices(reader: ChunkReader, input: Buffer, sizes: number[]): void {
  for (let offset = 0, i = 0; offset < input.length; i++) {
    const size = sizes[i % sizes.length];
    reader.push(input.subarray(offset, offset + size));
    offset += size;
  }
}

function strip(messages: Array<RtmpMessage & { chunkStreamId: number }>) {
  return messages.map((m) => ({ ...m, payload: Buffer.from(m.payload), timestamp: m.timestamp >>> 0 }));
}

for (const chunkSize of [1, 128, 4096, 65536]) {
  test(`serializeMessage -> ChunkReader round trip at chunk size ${chunkSize}`, () => {
    fc.assert(fc.property(fc.array(messageArb, { maxLength: 5 }), slicesArb, (messages, sizes) => {
      const { reader, messages: out } = recordingReader();
      reader.chunkSize = chunkSize;
      pushInSlices(reader, Buffer.concat(messages.map((m) => serializeMessage(m, { chunkSize, chunkStreamId: m.chunkStreamId }))), sizes);
      assert.deepEqual(out, strip(messages));
      assert.equal(reader.bufferedBytes, 0);
    }), { numRuns: chunkSize === 1 ? 30 : 80 });
  });

  test(`ChunkWriter (header compression) -> ChunkReader round trip at chunk size ${chunkSize}`, () => {
    fc.assert(fc.property(fc.array(runArb, { maxLength: 3 }), slicesArb, (runs, sizes) => {
      const writer = new ChunkWriter();
      writer.chunkSize = chunkSize;
      const messages = runs.flat();
      const { reader, messages: out } = recordingReader();
      reader.chunkSize = chunkSize;
      pushInSlices(reader, Buffer.concat(messages.map((m) => writer.write(m, m.chunkStreamId))), sizes);
      assert.deepEqual(out, strip(messages));
    }), { numRuns: chunkSize === 1 ? 30 : 80 });
  });

  test(`ChunkWriter -> ChunkReader passing audio and video through: the same messages at chunk size ${chunkSize}`, () => {
    fc.assert(fc.property(fc.array(runArb, { maxLength: 3 }), slicesArb, (runs, sizes) => {
      const writer = new ChunkWriter();
      writer.chunkSize = chunkSize;
      const messages = runs.flat();
      const { reader, messages: out } = recordingReader({}, [8, 9]);
      reader.chunkSize = chunkSize;
      pushInSlices(reader, Buffer.concat(messages.map((m) => writer.write(m, m.chunkStreamId))), sizes);
      assert.deepEqual(out, strip(messages));
      assert.equal(reader.bufferedBytes, 0);
    }), { numRuns: chunkSize === 1 ? 30 : 80 });
  });
}

/**
 * Feeds bytes; anything thrown must be an RtmpError, and held bytes must stay within the configured bound. Returns
 * the messages read (pass-through ones rebuilt from their pieces) and whether the reader refused the input.
 */
function feedHostile(input: Uint8Array, sizes: number[], chunkSize: number, passThroughTypes: number[] = []): { messages: Received[]; refused: boolean } {
  const maxBufferedBytes = 1024 * 1024;
  const { reader, messages } = recordingReader({ maxMessageBytes: 256 * 1024, maxBufferedBytes }, passThroughTypes);
  reader.chunkSize = chunkSize;
  let refused = false;
  try {
    pushInSlices(reader, Buffer.from(input), sizes);
  } catch (error) {
    if (!(error instanceof RtmpError)) throw error;
    refused = true;
  }
  assert.ok(reader.bufferedBytes <= maxBufferedBytes + 32);
  return { messages, refused };
}

/** Passing types through changes what the reader holds, never what it reads: input it accepts assembling, it accepts the same. */
function feedBothWays(input: Uint8Array, sizes: number[], chunkSize: number): void {
  const assembled = feedHostile(input, sizes, chunkSize);
  const passed = feedHostile(input, sizes, chunkSize, [8, 9, 18]);
  if (!assembled.refused) assert.deepEqual(passed, assembled);
}

test('ChunkReader on random bytes: messages or RtmpError, bounded memory, with or without pass-through', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 3000, size: 'max' }), slicesArb, fc.constantFrom(1, 128, 4096, 0x7fffffff), feedBothWays), { numRuns: 400 });
});

test('ChunkReader on mutated and truncated valid streams: messages or RtmpError, with or without pass-through', () => {
  fc.assert(fc.property(
    fc.array(runArb, { minLength: 1, maxLength: 3 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 10 }), fc.nat(), slicesArb,
    (runs, mutations, cut, sizes) => {
      const writer = new ChunkWriter();
      const valid = Buffer.concat(runs.flat().map((m) => writer.write(m, m.chunkStreamId)));
      for (const [at, value] of mutations) valid[at % valid.length] = value;
      feedBothWays(valid.subarray(0, cut % (valid.length + 1)), sizes, 128);
    },
  ), { numRuns: 300 });
});

test('ChunkReader under hostile headers: 16 MiB lengths on many chunk streams never exceed the buffer bound', () => {
  fc.assert(fc.property(fc.array(fc.integer({ min: 3, max: 65599 }), { minLength: 1, maxLength: 200 }), (ids) => {
    const reader = new ChunkReader({ maxBufferedBytes: 4 * 1024 * 1024, onMessage() {} });
    reader.chunkSize = 65536;
    let failure: unknown = null;
    try {
      for (const id of ids) {
        const header = serializeMessage({ typeId: 9, timestamp: 0, messageStreamId: 1, payload: Buffer.alloc(0) }, { chunkSize: 128, chunkStreamId: id });
        header.writeUIntBE(0xffffff, header.length - 8, 3);
        // One full first chunk: the 16 MiB message stays open on this chunk stream.
        reader.push(header);
        reader.push(Buffer.alloc(65536));
        assert.ok(reader.bufferedBytes <= 4 * 1024 * 1024);
      }
    } catch (error) {
      if (!(error instanceof RtmpError)) throw error;
      failure = error;
    }
    // 4 MiB hold 64 open first chunks: the 65th distinct open stream cannot fit.
    if (new Set(ids).size > 64) assert.ok(failure instanceof RtmpError);
  }), { numRuns: 20 });
});
