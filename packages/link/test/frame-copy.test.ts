import { test } from 'node:test';
import assert from 'node:assert/strict';
import { marsPacker } from '../src/index.ts';

test('decoded bodies are copies even when the bytes come in a Node Buffer', () => {
  const packer = marsPacker();
  const wire = Buffer.from(packer.encode({ cmdid: 7, seq: 1, body: Uint8Array.of(1, 2, 3) }));
  const [frame] = packer.createDecoder().push(wire);
  wire.fill(0);
  assert.deepEqual([...frame.body], [1, 2, 3]);
  assert.notEqual(frame.body.buffer, wire.buffer);
});
