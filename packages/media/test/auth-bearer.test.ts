import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkBearer } from '../src/auth/bearer.ts';

const TOKEN = 'admin-token-Zx9_-.~+/=';

test('the configured token in a Bearer header is accepted, whatever the scheme case', () => {
  assert.equal(checkBearer(`Bearer ${TOKEN}`, TOKEN), true);
  assert.equal(checkBearer(`bearer ${TOKEN}`, TOKEN), true);
  assert.equal(checkBearer(`BEARER  ${TOKEN} `, TOKEN), true);
});

test('anything but exactly the configured token is refused', () => {
  for (const header of [
    undefined,
    '',
    'Bearer',
    'Bearer ',
    TOKEN,
    `Basic ${TOKEN}`,
    `Bearer ${TOKEN.slice(0, -1)}`,
    `Bearer ${TOKEN}x`,
    `Bearer ${TOKEN} extra`,
    `Bearer ${TOKEN.toUpperCase()}`,
    `XBearer ${TOKEN}`,
  ]) {
    assert.equal(checkBearer(header, TOKEN), false, String(header));
  }
});

test('an empty configured token matches nothing, not even an empty credential', () => {
  assert.equal(checkBearer('Bearer ', ''), false);
  assert.equal(checkBearer('Bearer x', ''), false);
});

test('property: a header matches only its own token', () => {
  const token = fc.stringMatching(/^[A-Za-z0-9\-._~+/]{1,40}=*$/);
  fc.assert(
    fc.property(token, fc.boolean(), token, (configured, same, other) => {
      const presented = same ? configured : other;
      assert.equal(checkBearer(`Bearer ${presented}`, configured), presented === configured);
    }),
    { numRuns: 500 },
  );
});
