import { test } from 'node:test';
import assert from 'node:assert/strict';
import { binaryFrameHeader, binaryFrame, closeFrame, pongFrame, WsCloseCode } from '../src/ws-frame.ts';
import { startGateway, wsClient, str } from './helpers.ts';
import { PUSH_SEQ } from '@livelink/link';

// RFC 6455 §5.7: "256 bytes binary message in a single unmasked frame: 0x82 0x7E 0x0100",
// "64KiB binary message in a single unmasked frame: 0x82 0x7F 0x0000000000010000".
test('frame headers match the RFC 6455 examples at each length encoding', () => {
  assert.deepEqual([...binaryFrameHeader(5)], [0x82, 0x05]);
  assert.deepEqual([...binaryFrameHeader(125)], [0x82, 125]);
  assert.deepEqual([...binaryFrameHeader(126)], [0x82, 0x7e, 0x00, 0x7e]);
  assert.deepEqual([...binaryFrameHeader(256)], [0x82, 0x7e, 0x01, 0x00]);
  assert.deepEqual([...binaryFrameHeader(65535)], [0x82, 0x7e, 0xff, 0xff]);
  assert.deepEqual([...binaryFrameHeader(65536)], [0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0]);
  assert.deepEqual([...binaryFrame(Uint8Array.of(7, 8))], [0x82, 2, 7, 8]);
  assert.throws(() => binaryFrameHeader(-1), RangeError);
  assert.throws(() => binaryFrameHeader(2 ** 32), RangeError);
});

// RFC 6455 §5.7: "Unmasked Ping request: 0x89 0x05 0x48 0x65 0x6c 0x6c 0x6f"; its pong differs only in the opcode.
test('control frames: a pong echoes the ping payload, a close carries a big-endian code and UTF-8 reason', () => {
  const hello = [0x48, 0x65, 0x6c, 0x6c, 0x6f];
  assert.deepEqual([...pongFrame(Uint8Array.from(hello))], [0x8a, 0x05, ...hello]);
  assert.deepEqual([...pongFrame(new Uint8Array(0))], [0x8a, 0x00]);
  assert.deepEqual([...closeFrame(WsCloseCode.normal, '')], [0x88, 0x02, 0x03, 0xe8]);
  assert.deepEqual([...closeFrame(WsCloseCode.policyViolation, 'né')], [0x88, 0x05, 0x03, 0xf0, 0x6e, 0xc3, 0xa9]);
  assert.deepEqual([...closeFrame(WsCloseCode.noStatus, 'ignored')], [0x88, 0x00], '1005 never goes on the wire');
  assert.equal(closeFrame(1000, 'x'.repeat(123)).length, 127);
  assert.throws(() => closeFrame(1000, 'x'.repeat(124)), RangeError);
  assert.throws(() => pongFrame(new Uint8Array(126)), RangeError);
});

test('a ws client reads gateway frames of every length encoding, answers and pushes alike', async (t) => {
  const g = await startGateway();
  t.after(() => g.stop());
  g.gateway.handle(3, (ctx) => new Uint8Array(Number(str(ctx.body))).fill(0x61));
  const c = await wsClient(g.httpPort);
  for (const [seq, size] of [[1, 10], [2, 200], [3, 70_000]] as const) {
    const answer = await c.request(3, seq, new TextEncoder().encode(String(size)));
    assert.equal(answer.body.byteLength, size);
  }
  const linkId = 1; // the only link on this gateway
  for (const size of [100, 1_000, 100_000]) {
    assert.equal(g.gateway.pushToConnection(linkId, 10001, new Uint8Array(size)), true);
    assert.equal((await c.next(PUSH_SEQ, 10001)).body.byteLength, size);
  }
  g.gateway.join(linkId, 'g');
  g.gateway.pushToGroup('g', 10002, new Uint8Array(300));
  assert.equal((await c.next(PUSH_SEQ, 10002)).body.byteLength, 300);
});
