import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { hmacSha256 } from '../../src/handshake/digest.ts';

// RFC 4231 §4 test cases: a short key, a key shorter than the data, and a key longer than the block (hashed first).
const vectors = [
  {
    name: 'test case 1',
    key: Buffer.alloc(20, 0x0b),
    data: Buffer.from('Hi There'),
    mac: 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
  },
  {
    name: 'test case 2',
    key: Buffer.from('Jefe'),
    data: Buffer.from('what do ya want for nothing?'),
    mac: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
  },
  {
    name: 'test case 6 (131-byte key)',
    key: Buffer.alloc(131, 0xaa),
    data: Buffer.from('Test Using Larger Than Block-Size Key - Hash Key First'),
    mac: '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
  },
];

for (const { name, key, data, mac } of vectors) {
  test(`hmacSha256 matches RFC 4231 ${name}`, () => {
    assert.equal(hmacSha256(key, data).toString('hex'), mac);
  });
}

test('hmacSha256 equals node:crypto HMAC for any key length and any split of the data', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 4 }), (key, parts) => {
      const expected = createHmac('sha256', key);
      for (const part of parts) expected.update(part);
      assert.deepEqual(hmacSha256(key, ...parts), expected.digest());
    }),
    { numRuns: 300 },
  );
});
