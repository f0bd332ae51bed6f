// Hostile input: whatever the bytes, a decode returns values or throws AmfDecodeError — never another
// exception (RangeError from a DataView, a stack overflow, a TypeError) and never a hang.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AmfDecodeError, decodeAmf0, decodeAmf3, encodeAmf0, encodeAmf3, type AmfDecodeOptions } from '../src/index.ts';
import { amf0Message, amf3Value } from './arbitraries.ts';

type Decode = (bytes: Uint8Array, options?: AmfDecodeOptions) => unknown;

function decodesOrRejects(decode: Decode, bytes: Uint8Array): void {
  try {
    decode(bytes, { maxValues: 100_000 });
  } catch (error) {
    if (!(error instanceof AmfDecodeError)) throw error;
    assert.ok(error.offset >= 0 && error.offset <= bytes.byteLength, `offset ${error.offset} outside input`);
  }
}

/** Every proper prefix of `wire`, then `wire` with byte `index` replaced by `byte`. */
function damaged(wire: Uint8Array, index: number, byte: number): Uint8Array[] {
  const variants: Uint8Array[] = [];
  for (let end = 0; end < wire.byteLength; end++) variants.push(wire.subarray(0, end));
  if (wire.byteLength > 0) {
    const mutated = wire.slice();
    mutated[index % wire.byteLength] = byte;
    variants.push(mutated);
  }
  return variants;
}

const corpusDir = new URL('./corpus/', import.meta.url);
const corpus = readdirSync(corpusDir)
  .filter((name) => name.endsWith('.amf0'))
  .map((name) => new Uint8Array(readFileSync(new URL(name, corpusDir))));

describe('fuzz', () => {
  it('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        decodesOrRejects(decodeAmf0, bytes);
        decodesOrRejects(decodeAmf3, bytes);
      }),
      { numRuns: 3000 },
    );
  });

  it('random bytes behind every marker', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x12 }), fc.uint8Array({ maxLength: 64 }), (marker, tail) => {
        const bytes = Uint8Array.of(marker, ...tail);
        decodesOrRejects(decodeAmf0, bytes);
        decodesOrRejects(decodeAmf3, bytes);
      }),
      { numRuns: 3000 },
    );
  });

  it('truncations and single-byte mutations of valid AMF0 messages', () => {
    fc.assert(
      fc.property(amf0Message, fc.nat(), fc.integer({ min: 0, max: 255 }), (values, index, byte) => {
        for (const bytes of damaged(encodeAmf0(values), index, byte)) decodesOrRejects(decodeAmf0, bytes);
      }),
      { numRuns: 300 },
    );
  });

  it('truncations and single-byte mutations of valid AMF3 values', () => {
    fc.assert(
      fc.property(amf3Value, fc.nat(), fc.integer({ min: 0, max: 255 }), (value, index, byte) => {
        for (const bytes of damaged(encodeAmf3(value), index, byte)) decodesOrRejects(decodeAmf3, bytes);
      }),
      { numRuns: 300 },
    );
  });

  it('every single-byte mutation of the corpus messages', () => {
    assert.ok(corpus.length > 0);
    for (const wire of corpus) {
      for (let index = 0; index < wire.byteLength; index++) {
        for (const byte of [0x00, 0x01, 0x02, 0x03, 0x07, 0x08, 0x09, 0x0a, 0x0c, 0x11, 0x7f, 0x80, 0xff]) {
          const mutated = wire.slice();
          mutated[index] = byte;
          decodesOrRejects(decodeAmf0, mutated);
        }
      }
      for (let end = 0; end < wire.byteLength; end++) decodesOrRejects(decodeAmf0, wire.subarray(0, end));
    }
  });
});
