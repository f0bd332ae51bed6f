import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CodecConfigError, FlvError } from '../src/index.ts';

export function hex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  assert.equal(clean.length % 2, 0, 'hex string of odd length');
  return Uint8Array.from(clean.match(/../g) ?? [], (h) => parseInt(h, 16));
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Runs `parse` and accepts either a result or one of this package's typed errors. */
export function resultOrTypedError(parse: () => unknown): void {
  try {
    parse();
  } catch (error) {
    if (error instanceof FlvError || error instanceof CodecConfigError) return;
    throw error;
  }
}

/**
 * The fuzz battery every parser gets: random bytes, every truncation of each valid vector, and
 * random byte mutations of the valid vectors.
 */
export function fuzzParser(parse: (bytes: Uint8Array) => unknown, valid: Uint8Array[], numRuns = 1500): void {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 96 }), (bytes) => resultOrTypedError(() => parse(bytes))), { numRuns });
  for (const vector of valid) {
    for (let end = 0; end < vector.length; end++) resultOrTypedError(() => parse(vector.subarray(0, end)));
  }
  const mutation = fc.record({
    which: fc.nat(valid.length - 1),
    edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
  });
  fc.assert(
    fc.property(mutation, ({ which, edits }) => {
      const bytes = valid[which].slice();
      for (const [at, value] of edits) bytes[at % bytes.length] = value;
      resultOrTypedError(() => parse(bytes));
    }),
    { numRuns },
  );
}
