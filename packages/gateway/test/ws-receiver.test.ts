import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { WsReceiver, WsProtocolError, unmask, type WsReceiverEvents } from '../src/ws-receiver.ts';

type Event = ['message' | 'ping' | 'pong', number[]] | ['close', number, string];

/** Records events as plain values, so later in-place unmasking cannot change what was seen. */
const recorder: WsReceiverEvents<Event[]> = {
  message: (events, data) => void events.push(['message', [...data]]),
  ping: (events, payload) => void events.push(['ping', [...payload]]),
  pong: (events, payload) => void events.push(['pong', [...payload]]),
  close: (events, code, reason) => void events.push(['close', code, reason]),
};

const MAX = 1024;
/** Room for the fuzzed streams' messages, the largest being four 70 000-byte fragments. */
const LARGE_MAX = 1 << 20;

/** Events from pushing each chunk (copies: the receiver unmasks in place). */
function receive(chunks: readonly Uint8Array[], maxPayload = MAX): Event[] {
  const receiver = new WsReceiver(maxPayload);
  const events: Event[] = [];
  for (const chunk of chunks) receiver.push(chunk.slice(), recorder, events);
  return events;
}

function rejection(bytes: Uint8Array | readonly number[], maxPayload = MAX): { code: string; closeCode: number } {
  try {
    receive([Uint8Array.from(bytes)], maxPayload);
  } catch (error) {
    assert.ok(error instanceof WsProtocolError, String(error));
    return { code: error.code, closeCode: error.closeCode };
  }
  assert.fail('no error');
}

/** A client frame, built byte by byte from RFC 6455 §5.2 (independently of the receiver's parsing). */
function clientFrame(first: number, payload: readonly number[] | Uint8Array, key = [0x37, 0xfa, 0x21, 0x3d]): Uint8Array {
  const length = payload.length;
  const lengthBytes = length < 126 ? [0x80 | length] : length <= 0xffff ? [0x80 | 126, length >> 8, length & 0xff] : [0x80 | 127, 0, 0, 0, 0, length >>> 24, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff];
  return Uint8Array.from([first, ...lengthBytes, ...key, ...Array.from(payload, (b, i) => b ^ key[i % 4])]);
}

const HELLO = [0x48, 0x65, 0x6c, 0x6c, 0x6f];
// RFC 6455 §5.7's masked "Hello": key 37 fa 21 3d, payload 7f 9f 4d 51 58.
const MASKED_HELLO_TAIL = [0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58];

test('RFC 6455 §5.7: the masked "Hello" as a binary message, a ping and a pong', () => {
  assert.deepEqual(receive([Uint8Array.from([0x82, ...MASKED_HELLO_TAIL])]), [['message', HELLO]]);
  assert.deepEqual(receive([Uint8Array.from([0x89, ...MASKED_HELLO_TAIL])]), [['ping', HELLO]]);
  // "A single-frame masked Ping response": the RFC's own bytes, unchanged.
  assert.deepEqual(receive([Uint8Array.from([0x8a, ...MASKED_HELLO_TAIL])]), [['pong', HELLO]]);
  // The same frame built by this file's encoder: checks the encoder the other tests rely on.
  assert.deepEqual([...clientFrame(0x82, HELLO)], [0x82, ...MASKED_HELLO_TAIL]);
});

test('RFC 6455 §5.7: the single-frame text examples are refused (unmasked first, then as text)', () => {
  assert.deepEqual(rejection([0x81, 0x05, ...HELLO]), { code: 'unmasked-frame', closeCode: 1002 });
  assert.deepEqual(rejection([0x81, ...MASKED_HELLO_TAIL]), { code: 'text-message', closeCode: 1002 });
  assert.deepEqual(rejection([0x89, 0x05, ...HELLO]), { code: 'unmasked-frame', closeCode: 1002 }, 'the unmasked ping');
});

test('RFC 6455 §5.7: a fragmented message ("Hel" + "lo") with a ping between the fragments', () => {
  const events = receive([clientFrame(0x02, [0x48, 0x65, 0x6c]), clientFrame(0x89, [1, 2]), clientFrame(0x80, [0x6c, 0x6f])]);
  assert.deepEqual(events, [['ping', [1, 2]], ['message', HELLO]]);
});

test('RFC 6455 §5.7: 256-byte and 64 KiB binary messages use the 16- and 64-bit lengths', () => {
  const small = Uint8Array.from({ length: 256 }, (_, i) => i);
  const frame256 = clientFrame(0x82, small);
  assert.deepEqual([...frame256.subarray(0, 4)], [0x82, 0xfe, 0x01, 0x00]);
  assert.deepEqual(receive([frame256]), [['message', [...small]]]);
  const big = Uint8Array.from({ length: 65536 }, (_, i) => (i * 7) & 0xff);
  const frame64k = clientFrame(0x82, big);
  assert.deepEqual([...frame64k.subarray(0, 10)], [0x82, 0xff, 0, 0, 0, 0, 0, 1, 0, 0]);
  const [[kind, data]] = receive([frame64k], 65536) as [['message', number[]]];
  assert.equal(kind, 'message');
  assert.deepEqual(Uint8Array.from(data), big);
});

test('close frames: no code is 1005, a code and UTF-8 reason are read, and nothing after them is', () => {
  assert.deepEqual(receive([clientFrame(0x88, [])]), [['close', 1005, '']]);
  const reason = [...new TextEncoder().encode('bye ✓')];
  const events = receive([Uint8Array.from([...clientFrame(0x88, [0x03, 0xe8, ...reason]), ...clientFrame(0x82, [1])]), clientFrame(0x82, [2])]);
  assert.deepEqual(events, [['close', 1000, 'bye ✓']]);
  for (const code of [1000, 1001, 1003, 1007, 1011, 1014, 3000, 4999]) {
    assert.deepEqual(receive([clientFrame(0x88, [code >> 8, code & 0xff])]), [['close', code, '']]);
  }
});

test('every rule a client frame can break, with its close code', () => {
  const cases: [string, number, Uint8Array | number[]][] = [
    ['unmasked-frame', 1002, [0x82, 0x01, 0x00]],
    ['reserved-bits', 1002, clientFrame(0xc2, [1])], // RSV1: permessage-deflate was never agreed
    ['reserved-bits', 1002, clientFrame(0x92, [1])],
    ['unknown-opcode', 1002, clientFrame(0x83, [1])],
    ['unknown-opcode', 1002, clientFrame(0x87, [1])],
    ['unknown-opcode', 1002, clientFrame(0x8b, [])],
    ['unknown-opcode', 1002, clientFrame(0x8f, [])],
    ['bad-control-frame', 1002, clientFrame(0x09, [1])], // a fragmented ping
    ['bad-control-frame', 1002, clientFrame(0x89, new Uint8Array(126))],
    ['bad-control-frame', 1002, clientFrame(0x88, new Uint8Array(126))],
    ['unexpected-continuation', 1002, clientFrame(0x80, [1])],
    ['unfinished-message', 1002, [...clientFrame(0x02, [1]), ...clientFrame(0x82, [2])]],
    ['text-message', 1002, clientFrame(0x81, HELLO)],
    ['text-message', 1002, clientFrame(0x01, HELLO)],
    ['message-too-large', 1009, clientFrame(0x82, new Uint8Array(MAX + 1))],
    ['message-too-large', 1009, [...clientFrame(0x02, new Uint8Array(MAX)), ...clientFrame(0x80, [1])]],
    ['bad-length', 1002, [0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]],
    ['bad-close-frame', 1002, clientFrame(0x88, [0x03])],
    ['invalid-utf8', 1007, clientFrame(0x88, [0x03, 0xe8, 0xc3, 0x28])],
  ];
  for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535]) {
    cases.push(['bad-close-frame', 1002, clientFrame(0x88, [code >> 8, code & 0xff])]);
  }
  for (const [code, closeCode, bytes] of cases) {
    assert.deepEqual(rejection(bytes), { code, closeCode }, `${code}: ${[...bytes].slice(0, 4)}`);
  }
});

test('an oversize message is refused from its header alone, before any payload is buffered', () => {
  const receiver = new WsReceiver(MAX);
  // Headers only: 16- and 64-bit lengths past the limit, and a 2^32+ length with the top bit clear.
  for (const header of [[0x82, 0xfe, 0x04, 0x01], [0x82, 0xff, 0, 0, 0, 1, 0, 0, 0, 0], [0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]]) {
    assert.throws(() => new WsReceiver(MAX).push(Uint8Array.from(header), recorder, []), { code: 'message-too-large', closeCode: 1009 });
  }
  // A header split over two pushes is checked as soon as its length bytes are in.
  receiver.push(Uint8Array.of(0x82, 0xfe), recorder, []);
  assert.throws(() => receiver.push(Uint8Array.of(0x04, 0x01), recorder, []), { code: 'message-too-large' });
  assert.equal(receiver.finished, true);
  assert.equal(receiver.bufferedBytes, 0);
  assert.deepEqual(receive([clientFrame(0x82, new Uint8Array(MAX))]).length, 1, 'exactly maxPayload is accepted');
  // Lengths are read as 32 bits past the header check, so a larger limit is refused up front.
  assert.throws(() => new WsReceiver(2 ** 32), RangeError);
  assert.throws(() => new WsReceiver(-1), RangeError);
});

test('messages before a bad frame are reported; after the error the receiver ignores input', () => {
  const receiver = new WsReceiver(MAX);
  const events: Event[] = [];
  assert.throws(() => receiver.push(Uint8Array.from([...clientFrame(0x82, [7]), 0x82, 0x01, 0x00]), recorder, events), WsProtocolError);
  assert.deepEqual(events, [['message', [7]]]);
  receiver.push(clientFrame(0x82, [8]), recorder, events);
  assert.deepEqual(events, [['message', [7]]]);
});

test('buffers only what is incomplete, and nothing between messages', () => {
  const receiver = new WsReceiver(MAX);
  const events: Event[] = [];
  const frame = clientFrame(0x82, new Uint8Array(300).fill(9));
  receiver.push(frame.slice(0, 1), recorder, events);
  assert.equal(receiver.bufferedBytes, 1);
  receiver.push(frame.slice(1, 100), recorder, events);
  assert.equal(receiver.bufferedBytes, 100, 'the bytes received, not the 308 the header announced');
  receiver.push(frame.slice(100), recorder, events);
  assert.equal(receiver.bufferedBytes, 0);
  receiver.push(clientFrame(0x02, [1, 2, 3]), recorder, events);
  assert.equal(receiver.bufferedBytes, 3, 'an open fragmented message');
  receiver.push(clientFrame(0x80, [4]), recorder, events);
  assert.equal(receiver.bufferedBytes, 0);
  assert.equal(events.length, 2);
});

test('unmask matches a byte-by-byte XOR at every alignment and length', () => {
  const key = [0x9a, 0x01, 0xff, 0x5c];
  const backing = new Uint8Array(4 + 8 + 300);
  for (let shift = 0; shift < 4; shift++) {
    for (let length = 0; length <= 300; length += length < 70 ? 1 : 23) {
      const bytes = backing.subarray(shift, shift + 4 + length);
      bytes.set(key, 0);
      for (let i = 0; i < length; i++) bytes[4 + i] = (i * 31 + shift) & 0xff;
      unmask(bytes, 4, 4 + length, 0);
      for (let i = 0; i < length; i++) {
        if (bytes[4 + i] !== (((i * 31 + shift) & 0xff) ^ key[i % 4])) assert.fail(`shift ${shift} length ${length} byte ${i}`);
      }
      assert.deepEqual([...bytes.subarray(0, 4)], key, 'the key itself is left alone');
    }
  }
});

// --- fuzz ----------------------------------------------------------------------------------

// size 'max': fast-check's default keeps arrays to about ten items, too short for the word-wide unmask.
const smallPayloadArb = fc.uint8Array({ maxLength: 200, size: 'max' });
/** Now and then a payload long enough for the 64-bit length (filled cheaply rather than drawn byte by byte). */
const anyPayloadArb = fc.oneof(
  { arbitrary: smallPayloadArb, weight: 9 },
  { arbitrary: fc.integer({ min: 65536, max: 70000 }).map((n) => Uint8Array.from({ length: n }, (_, i) => (i * 13) >> 3)), weight: 1 },
);
const keyArb = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 });

/** A valid client stream and the events it must produce. */
const streamArb = (payloadArb: fc.Arbitrary<Uint8Array>, maxItems: number) =>
  fc.tuple(
    fc.array(
      fc.oneof(
        fc.tuple(fc.constant('message' as const), payloadArb, keyArb),
        fc.tuple(fc.constant('fragmented' as const), fc.array(payloadArb, { minLength: 2, maxLength: 4 }), keyArb),
        fc.tuple(fc.constant('ping' as const), fc.uint8Array({ maxLength: 125 }), keyArb),
        fc.tuple(fc.constant('pong' as const), fc.uint8Array({ maxLength: 125 }), keyArb),
      ),
      { minLength: 1, maxLength: maxItems },
    ),
    fc.boolean(),
  )
  .map(([items, closes]) => {
    const frames: Uint8Array[] = [];
    const expected: Event[] = [];
    for (const item of items) {
      if (item[0] === 'fragmented') {
        const [, parts, key] = item;
        // A ping inside every fragmented message: control frames may interleave (RFC 6455 §5.4).
        parts.forEach((part, i) => {
          frames.push(clientFrame((i === parts.length - 1 ? 0x80 : 0) | (i === 0 ? 2 : 0), part, key));
          if (i === 0) frames.push(clientFrame(0x89, [0], key));
        });
        expected.push(['ping', [0]], ['message', parts.flatMap((p) => [...p])]);
      } else {
        const [kind, payload, key] = item;
        frames.push(clientFrame({ message: 0x82, ping: 0x89, pong: 0x8a }[kind], payload, key));
        expected.push([kind, [...payload]]);
      }
    }
    if (closes) {
      frames.push(clientFrame(0x88, [0x0f, 0xa0, 0x6f, 0x6b])); // 4000 "ok"
      expected.push(['close', 4000, 'ok']);
    }
    const bytes = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
    const starts: number[] = [];
    frames.reduce((at, f) => (starts.push(at), bytes.set(f, at), at + f.length), 0);
    return { bytes, expected, starts };
  });

function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const to of [...points, bytes.length]) {
    chunks.push(bytes.subarray(from, to));
    from = to;
  }
  return chunks;
}

test('fuzz: a valid stream gives the same events whole, in random splits, and cut at every offset', () => {
  fc.assert(
    fc.property(streamArb(anyPayloadArb, 6), fc.array(fc.nat(), { maxLength: 12 }), ({ bytes, expected, starts }, cuts) => {
      // Every header cut into pieces too (after the first byte, inside the extended length,
      // before the key's last byte): the parser's states between chunks are all there.
      const headerCuts = starts.flatMap((at) => [at + 1, at + 3, at + 9, at + 13]).filter((at) => at < bytes.length);
      assert.deepEqual(receive(split(bytes, headerCuts), LARGE_MAX), expected);
      assert.deepEqual(receive([bytes], LARGE_MAX), expected);
      assert.deepEqual(receive(split(bytes, cuts), LARGE_MAX), expected);
    }),
    { numRuns: 200 },
  );
  fc.assert(
    fc.property(streamArb(smallPayloadArb, 4), ({ bytes, expected }) => {
      for (let at = 0; at <= bytes.length; at++) {
        const receiver = new WsReceiver(LARGE_MAX);
        const events: Event[] = [];
        receiver.push(bytes.slice(0, at), recorder, events);
        // What a truncated stream reports is a prefix of the whole; the rest completes it.
        assert.deepEqual(events, expected.slice(0, events.length));
        receiver.push(bytes.slice(at), recorder, events);
        assert.deepEqual(events, expected);
        assert.equal(receiver.bufferedBytes, 0);
      }
    }),
    { numRuns: 40 },
  );
});

/**
 * Pushes chunks; anything but a WsProtocolError fails. Buffered bytes never pass one message
 * plus a control frame (header and 125 bytes) pending in the middle of it.
 */
function survives(chunks: readonly Uint8Array[], maxPayload: number): void {
  const receiver = new WsReceiver(maxPayload);
  try {
    for (const chunk of chunks) {
      receiver.push(chunk.slice(), { message() {}, ping() {}, pong() {}, close() {} }, null);
      assert.ok(receiver.bufferedBytes <= maxPayload + 131, `buffered ${receiver.bufferedBytes}`);
    }
  } catch (error) {
    if (!(error instanceof WsProtocolError)) throw error;
    assert.equal(receiver.finished, true);
    assert.equal(receiver.bufferedBytes, 0);
  }
}

test('fuzz: random bytes decode or throw WsProtocolError, within the memory bound', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { minLength: 1, maxLength: 8 }), fc.integer({ min: 0, max: 512 }), (chunks, maxPayload) =>
      survives(chunks, maxPayload),
    ),
    { numRuns: 1000 },
  );
});

test('fuzz: mutated valid streams decode or throw WsProtocolError, within the memory bound', () => {
  fc.assert(
    fc.property(
      streamArb(smallPayloadArb, 6),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
      fc.array(fc.nat(), { maxLength: 6 }),
      ({ bytes }, flips, cuts) => {
        const mutated = bytes.slice();
        for (const [at, value] of flips) mutated[at % mutated.length] = value;
        survives(split(mutated, cuts), 256);
      },
    ),
    { numRuns: 500 },
  );
});
