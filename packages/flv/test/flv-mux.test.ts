import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { FlvDemuxer, FlvError, encodeFlvTag, flvFileHeader, flvTagParts, writeFlvTag, type FlvTag } from '../src/index.ts';
import { concat, fuzzParser, hex } from './helpers.ts';

const flvError = (code: string) => (e: unknown) => e instanceof FlvError && e.code === code;

test('file header: signature, version 1, A/V flags, DataOffset 9, PreviousTagSize0', () => {
  assert.deepEqual(flvFileHeader({ audio: true, video: true }), hex('464c56 01 05 00000009 00000000'));
  assert.deepEqual(flvFileHeader({ audio: false, video: true }), hex('464c56 01 01 00000009 00000000'));
  assert.deepEqual(flvFileHeader({ audio: true, video: false }), hex('464c56 01 04 00000009 00000000'));
});

test('tag encoding: 24-bit size, timestamp low 24 bits + extended high byte, StreamID 0, PreviousTagSize', () => {
  const body = hex('17 01 000000 aa bb');
  const tag = encodeFlvTag({ type: 9, timestamp: 0x12345678, body });
  assert.deepEqual(tag, concat(hex('09 000007 345678 12 000000'), body, hex('00000012')));
});

test('flvTagParts shares the body and equals the contiguous encoding', () => {
  const body = new Uint8Array(1000).map((_, i) => i);
  const parts = flvTagParts({ type: 8, timestamp: 40, body });
  assert.equal(parts[1], body, 'the body is the caller array itself, not a copy');
  assert.equal(parts[0].buffer, parts[2].buffer, 'header and trailer share one small allocation');
  assert.deepEqual(concat(...parts), encodeFlvTag({ type: 8, timestamp: 40, body }));
  const target = new Uint8Array(2000);
  assert.equal(writeFlvTag({ type: 8, timestamp: 40, body }, target, 7), 1015);
  assert.deepEqual(target.subarray(7, 7 + 1015), concat(...parts));
  assert.throws(() => writeFlvTag({ type: 8, timestamp: 40, body }, target, 1000), flvError('invalid-argument'));
});

test('tag encoding rejects what FLV cannot carry', () => {
  const body = new Uint8Array(1);
  assert.throws(() => encodeFlvTag({ type: 9, timestamp: -1, body }), flvError('invalid-argument'));
  assert.throws(() => encodeFlvTag({ type: 9, timestamp: 2 ** 32, body }), flvError('invalid-argument'));
  assert.throws(() => encodeFlvTag({ type: 9, timestamp: 1.5, body }), flvError('invalid-argument'));
  assert.throws(() => encodeFlvTag({ type: 7 as 9, timestamp: 0, body }), flvError('invalid-argument'));
  assert.throws(() => flvTagParts({ type: 9, timestamp: 0, body: new Uint8Array(0x1000000) }), flvError('tag-too-large'));
});

const tagArb: fc.Arbitrary<FlvTag> = fc.record({
  type: fc.constantFrom(8 as const, 9 as const, 18 as const),
  timestamp: fc.integer({ min: 0, max: 0xffffffff }),
  body: fc.uint8Array({ maxLength: 300 }),
});

function file(tags: FlvTag[]): Uint8Array {
  return concat(flvFileHeader({ audio: true, video: true }), ...tags.map(encodeFlvTag));
}

test('demuxer round-trips any tags under any chunking', () => {
  fc.assert(
    fc.property(fc.array(tagArb, { maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 10 }), (tags, cuts) => {
      const bytes = file(tags);
      const demuxer = new FlvDemuxer();
      const out: FlvTag[] = [];
      let offset = 0;
      for (let i = 0; offset < bytes.length; i++) {
        const n = cuts[i % cuts.length];
        out.push(...demuxer.push(bytes.subarray(offset, offset + n)));
        offset += n;
      }
      demuxer.end();
      assert.deepEqual(out.map((t) => ({ ...t, body: Array.from(t.body) })), tags.map((t) => ({ ...t, body: Array.from(t.body) })));
      assert.deepEqual(demuxer.header, { version: 1, audio: true, video: true });
      assert.equal(demuxer.bufferedBytes, 0);
    }),
    { numRuns: 300 },
  );
});

test('demuxer skips a longer header, and tolerates zero PreviousTagSize when not strict', () => {
  const tag = encodeFlvTag({ type: 18, timestamp: 0, body: hex('0200') });
  const longHeader = concat(hex('464c56 01 05 0000000c aabbcc 00000000'), tag);
  assert.equal(new FlvDemuxer().push(longHeader).length, 1);
  const zeroed = concat(flvFileHeader({ audio: true, video: true }), tag.subarray(0, tag.length - 4), hex('00000000'), tag);
  assert.throws(() => new FlvDemuxer().push(zeroed), flvError('bad-previous-tag-size'));
  assert.equal(new FlvDemuxer({ strictPreviousTagSize: false }).push(zeroed).length, 2);
});

test('demuxer errors are typed and raised as soon as the bad field arrives', () => {
  const header = flvFileHeader({ audio: true, video: true });
  assert.throws(() => new FlvDemuxer().push(hex('464c57 01 05 00000009')), flvError('bad-signature'));
  assert.throws(() => new FlvDemuxer().push(hex('464c56 02 05 00000009')), flvError('unsupported-version'));
  assert.throws(() => new FlvDemuxer().push(hex('464c56 01 05 00000008')), flvError('bad-header-size'));
  assert.throws(() => new FlvDemuxer().push(hex('464c56 01 05 00100000')), flvError('bad-header-size'));
  assert.throws(() => new FlvDemuxer().push(concat(header, hex('0a 000001 000000 00 000000'))), flvError('bad-tag-type'));
  assert.throws(() => new FlvDemuxer().push(concat(header, hex('29 000001 000000 00 000000'))), flvError('bad-tag-type'));
  // A 1 MB tag announced to a demuxer limited to 64 KB fails on its header, before any body is buffered.
  assert.throws(() => new FlvDemuxer({ maxTagSize: 65536 }).push(concat(header, hex('09 100000 000000 00 000000'))), flvError('tag-too-large'));
  const partial = new FlvDemuxer();
  partial.push(concat(header, hex('09 000010 000000 00 000000 1701')));
  assert.throws(() => partial.end(), flvError('truncated'));
  assert.throws(() => new FlvDemuxer().end(), flvError('truncated'));
});

test('fuzz: the demuxer returns tags or throws FlvError on random and mutated files', () => {
  const valid = file([
    { type: 18, timestamp: 0, body: hex('02000a6f6e4d65746144617461') },
    { type: 9, timestamp: 0, body: hex('1700000000 0164001fffe1') },
    { type: 8, timestamp: 23, body: hex('af00 1210') },
  ]);
  fuzzParser((bytes) => {
    const demuxer = new FlvDemuxer({ maxTagSize: 4096 });
    demuxer.push(bytes);
    demuxer.end();
  }, [valid]);
  fuzzParser((bytes) => new FlvDemuxer().push(concat(flvFileHeader({ audio: true, video: true }), bytes)), [valid.subarray(13)]);
});
