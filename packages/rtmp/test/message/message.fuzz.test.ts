import { test } from 'node:test';
import fc from 'fast-check';
import { encodeAmf0 } from '@livelink/amf';
import { decodeMessage } from '../../src/message/index.ts';
import { RtmpError } from '../../src/errors.ts';

function decodeOrRtmpError(typeId: number, payload: Uint8Array): void {
  try {
    decodeMessage({ typeId, timestamp: 0, messageStreamId: 1, payload });
  } catch (error) {
    if (!(error instanceof RtmpError)) throw error;
  }
}

test('decodeMessage on random payloads of every type: a value or RtmpError', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 200 }), decodeOrRtmpError), { numRuns: 2000 });
});

test('decodeMessage on mutated commands and aggregates: a value or RtmpError', () => {
  const connect = encodeAmf0(['connect', 1, { app: 'live', tcUrl: 'rtmp://h/live', fpad: false, capabilities: 15, audioCodecs: 3191 }]);
  const aggregate = Buffer.from('0800000200000000000000aabb0000000d0900000300001001000007ccddee0000000e', 'hex');
  fc.assert(fc.property(
    fc.constantFrom([20, connect] as const, [17, connect] as const, [22, aggregate] as const),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.nat(),
    ([typeId, valid], mutations, cut) => {
      const bytes = Buffer.from(valid);
      for (const [at, value] of mutations) bytes[at % bytes.length] = value;
      decodeOrRtmpError(typeId, bytes.subarray(0, cut % (bytes.length + 1)));
    },
  ), { numRuns: 2000 });
});
