// The long-link decoder faces bytes from the network: whatever arrives, it must return frames or
// throw LinkProtocolError — never another error, never hang, never buffer past the frame limit.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeHelloBody, decodeTaskErrorBody, HEADER_LENGTH, LinkProtocolError, marsPacker, type LinkFrame } from '../src/index.ts';

const MAX = 4096;
const packer = marsPacker({ maxFrameBytes: MAX });

const frameArb = fc.record({
  cmdid: fc.integer({ min: 0, max: 0xffffffff }),
  seq: fc.integer({ min: 0, max: 0xffffffff }),
  clientVersion: fc.integer({ min: 0, max: 0xffffffff }),
  body: fc.uint8Array({ maxLength: 300 }),
});

/** Feeds `bytes` in the given chunk sizes; returns frames, or the protocol error code. */
function decodeChunked(bytes: Uint8Array, cuts: number[]): LinkFrame[] | string {
  const decoder = packer.createDecoder();
  const frames: LinkFrame[] = [];
  let offset = 0;
  try {
    for (const cut of [...cuts, bytes.length]) {
      const end = Math.min(bytes.length, offset + cut);
      frames.push(...decoder.push(bytes.subarray(offset, end)));
      offset = end;
      assert.ok(decoder.bufferedBytes <= MAX, `buffered ${decoder.bufferedBytes} bytes`);
    }
  } catch (error) {
    if (error instanceof LinkProtocolError) return error.code;
    throw error;
  }
  return frames;
}

test('valid frames survive any chunking', () => {
  fc.assert(
    fc.property(fc.array(frameArb, { maxLength: 6 }), fc.array(fc.integer({ min: 0, max: 64 }), { maxLength: 40 }), (frames, cuts) => {
      const wire = concat(frames.map((f) => packer.encode(f)));
      assert.deepEqual(decodeChunked(wire, cuts), frames.map((f) => ({ ...f })));
    }),
    { numRuns: 300 },
  );
});

test('random bytes decode or raise LinkProtocolError only', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2000 }), fc.array(fc.integer({ min: 1, max: 300 }), { maxLength: 10 }), (bytes, cuts) => {
      decodeChunked(bytes, cuts);
    }),
    { numRuns: 500 },
  );
});

test('mutated and truncated valid encodings decode or raise LinkProtocolError only', () => {
  fc.assert(
    fc.property(
      fc.array(frameArb, { minLength: 1, maxLength: 4 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
      fc.nat(),
      (frames, mutations, truncateAt) => {
        const wire = concat(frames.map((f) => packer.encode(f)));
        for (const [at, value] of mutations) wire[at % wire.length] = value;
        const result = decodeChunked(wire.subarray(0, truncateAt % (wire.length + 1)), [7, 13]);
        if (typeof result !== 'string') for (const f of result) assert.ok(HEADER_LENGTH + f.body.byteLength <= MAX);
      },
    ),
    { numRuns: 500 },
  );
});

test('an oversize header is refused before its body is buffered', () => {
  const header = new Uint8Array(HEADER_LENGTH);
  const view = new DataView(header.buffer);
  view.setUint32(0, HEADER_LENGTH);
  view.setUint32(16, 0xffffffff);
  assert.throws(() => packer.createDecoder().push(header), (e) => e instanceof LinkProtocolError && e.code === 'frame-too-large');
  assert.throws(() => packer.encode({ cmdid: 1, seq: 1, body: new Uint8Array(MAX) }), (e) => e instanceof LinkProtocolError && e.code === 'frame-too-large');
});

test('a client version the packer does not accept is a protocol error', () => {
  const strict = marsPacker({ acceptClientVersion: (v) => v === 200 });
  const wire = marsPacker({ clientVersion: 201 }).encode({ cmdid: 3, seq: 1, body: new Uint8Array(0) });
  assert.throws(() => strict.createDecoder().push(wire), (e) => e instanceof LinkProtocolError && e.code === 'client-version-rejected');
});

test('partialFrame reports a frame in progress once its header is in', () => {
  const decoder = packer.createDecoder();
  const wire = packer.encode({ cmdid: 9, seq: 42, body: new Uint8Array(100) });
  decoder.push(wire.subarray(0, 10));
  assert.equal(decoder.partialFrame, undefined);
  decoder.push(wire.subarray(10, 50));
  assert.deepEqual(decoder.partialFrame, { cmdid: 9, seq: 42, receivedBytes: 50, totalBytes: 120 });
  assert.equal(decoder.push(wire.subarray(50)).length, 1);
  assert.equal(decoder.partialFrame, undefined);
});

test('control bodies from the wire are parsed without throwing anything but LinkProtocolError', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
      const taskError = decodeTaskErrorBody(bytes);
      assert.ok(Number.isInteger(taskError.code));
      try {
        decodeHelloBody(bytes);
      } catch (error) {
        assert.ok(error instanceof LinkProtocolError && error.code === 'bad-hello');
      }
    }),
    { numRuns: 300 },
  );
});

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
}
