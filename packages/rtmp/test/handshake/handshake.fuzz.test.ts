import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ServerHandshake, ClientHandshake } from '../../src/handshake/index.ts';
import { RtmpError } from '../../src/errors.ts';
import { makeComplexC1 } from './flash-reference.ts';

/** Feeds `input` in the given slice sizes; returns the outcome or rethrows anything that is not an RtmpError. */
function feed(receive: (bytes: Buffer) => { done: boolean }, input: Buffer, sizes: number[]): 'done' | 'pending' | 'rtmp-error' {
  let offset = 0;
  let i = 0;
  try {
    while (offset < input.length) {
      const size = Math.max(1, sizes[i++ % sizes.length]);
      if (receive(input.subarray(offset, offset + size)).done) return 'done';
      offset += size;
    }
    return 'pending';
  } catch (error) {
    if (error instanceof RtmpError) return 'rtmp-error';
    throw error;
  }
}

const slices = fc.array(fc.integer({ min: 1, max: 4000 }), { minLength: 1, maxLength: 8 });

test('server handshake: random bytes either progress or fail with RtmpError', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 4000 }), slices, (bytes, sizes) => {
    const server = new ServerHandshake();
    const outcome = feed((b) => server.receive(b), Buffer.from(bytes), sizes);
    if (bytes.length >= 1537 && bytes[0] !== 3) assert.equal(outcome, 'rtmp-error');
    if (bytes.length >= 3073 && bytes[0] === 3) assert.equal(outcome, 'done');
  }), { numRuns: 300 });
});

test('server handshake: mutations and truncations of a valid complex C0C1C2 never throw anything else', () => {
  fc.assert(fc.property(
    fc.constantFrom(0 as const, 1 as const), fc.integer({ min: 0, max: 3073 }), fc.array(fc.tuple(fc.nat(3072), fc.integer({ min: 0, max: 255 })), { maxLength: 16 }), slices,
    (schema, cut, mutations, sizes) => {
      const { c1 } = makeComplexC1(schema);
      const valid = Buffer.concat([Buffer.from([3]), c1, Buffer.alloc(1536, 1)]);
      for (const [at, value] of mutations) valid[at] = value;
      const server = new ServerHandshake();
      feed((b) => server.receive(b), valid.subarray(0, cut), sizes);
    },
  ), { numRuns: 300 });
});

test('client handshake: random server bytes either progress or fail with RtmpError', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 4000 }), slices, fc.boolean(), (bytes, sizes, complex) => {
    const client = new ClientHandshake({ complex });
    client.start();
    feed((b) => client.receive(b), Buffer.from(bytes), sizes);
  }), { numRuns: 300 });
});
