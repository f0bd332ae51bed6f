import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeAmf0, decodeAmf0Value, decodeAmf3, encodeAmf0, encodeAmf3 } from '../src/index.ts';
import { amf0Message, amf3Value } from './arbitraries.ts';

describe('round trips of arbitrary value trees', () => {
  it('AMF0 messages decode to what was encoded', () => {
    fc.assert(
      fc.property(amf0Message, (values) => {
        assert.deepStrictEqual(decodeAmf0(encodeAmf0(values)), values);
      }),
      { numRuns: 400 },
    );
  });

  it('AMF3 values decode to what was encoded', () => {
    fc.assert(
      fc.property(amf3Value, (value) => {
        assert.deepStrictEqual(decodeAmf3(encodeAmf3(value)), [value]);
      }),
      { numRuns: 400 },
    );
  });

  it('decodeAmf0Value walks separately encoded values one by one', () => {
    fc.assert(
      fc.property(amf0Message, (values) => {
        // each value has its own reference tables, as decodeAmf0Value gives each call fresh ones
        const parts = values.map((value) => encodeAmf0([value]));
        const wire = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
        let end = 0;
        for (const part of parts) {
          wire.set(part, end);
          end += part.byteLength;
        }
        let offset = 0;
        for (const expected of values) {
          const next = decodeAmf0Value(wire, offset);
          assert.deepStrictEqual(next.value, expected);
          offset = next.offset;
        }
        assert.equal(offset, wire.byteLength);
      }),
      { numRuns: 200 },
    );
  });

  it('encoding is deterministic', () => {
    fc.assert(
      fc.property(amf0Message, (values) => {
        assert.deepStrictEqual(encodeAmf0(values), encodeAmf0(values));
      }),
      { numRuns: 100 },
    );
  });
});
