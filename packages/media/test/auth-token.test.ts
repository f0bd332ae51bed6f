import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { signStreamToken, verifyStreamToken, parseSecretList, tokenStringToSign, type StreamAction } from '../src/auth/token.ts';
import { AuthConfigError } from '../src/auth/errors.ts';

const SECRET = 'k3y-for-tests-0123456789';
const OLD_SECRET = 'previous-secret-abcdefgh';
const NOW = 1_735_689_600; // 2025-01-01T00:00:00Z
const grant = { app: 'live', stream: 'demo', action: 'publish' as StreamAction };
const token = (overrides: Partial<Parameters<typeof signStreamToken>[0]> = {}) =>
  signStreamToken({ secret: SECRET, ...grant, expiresAt: NOW + 60, ...overrides });
const verify = (query: string, overrides: Partial<Parameters<typeof verifyStreamToken>[0]> = {}) =>
  verifyStreamToken({ secret: SECRET, ...grant, query, now: NOW, ...overrides });

test('the signature is the documented HMAC-SHA256 of "action:app/stream:expires", in lowercase hex', () => {
  const expected = createHmac('sha256', SECRET).update('publish:live/demo:1735689660').digest('hex');
  assert.equal(token(), `expires=1735689660&sign=${expected}`);
});

test('the docs/auth.md example matches the value computed by `openssl dgst -sha256 -hmac`', () => {
  assert.equal(
    signStreamToken({ secret: '0123456789abcdef0123', app: 'live', stream: 'demo', action: 'publish', expiresAt: 1_735_693_200 }),
    'expires=1735693200&sign=93fefd78537585dd0a9c92176fd6bf2e7e1650dc356185065785ae0647217b32',
  );
});

test('names are percent-encoded (RFC 3986) in the string to sign, so a "/" or ":" cannot move a boundary', () => {
  assert.equal(tokenStringToSign('play', 'live/sub', 'a:b c', '7'), 'play:live%2Fsub/a%3Ab%20c:7');
  assert.equal(tokenStringToSign('play', "x!'()*~", 'é', '7'), "play:x%21%27%28%29%2A~/%C3%A9:7");
  const split = signStreamToken({ secret: SECRET, app: 'live/sub', stream: 'demo', action: 'play', expiresAt: NOW + 60 });
  assert.deepEqual(verify(split, { app: 'live', stream: 'sub/demo', action: 'play' }), { ok: false, reason: 'bad-signature' });
});

test('a valid token is accepted, with or without a leading "?" and among other parameters', () => {
  assert.deepEqual(verify(token()), { ok: true });
  assert.deepEqual(verify(`?${token()}`), { ok: true });
  assert.deepEqual(verify(`room=7&${token()}&quality=hd`), { ok: true });
  assert.deepEqual(verify('', { query: new URLSearchParams(token()) }), { ok: true });
});

test('a token is refused from its expiry second on', () => {
  assert.deepEqual(verify(token(), { now: NOW + 59.999 }), { ok: true });
  assert.deepEqual(verify(token(), { now: NOW + 60 }), { ok: false, reason: 'expired' });
  assert.deepEqual(verify(token({ expiresAt: 0 })), { ok: false, reason: 'expired' });
});

test('the default clock is the system clock', () => {
  const nowSeconds = Math.floor(Date.now() / 1000);
  assert.deepEqual(verifyStreamToken({ secret: SECRET, ...grant, query: token({ expiresAt: nowSeconds + 30 }) }), { ok: true });
  assert.deepEqual(verifyStreamToken({ secret: SECRET, ...grant, query: token({ expiresAt: nowSeconds - 1 }) }), { ok: false, reason: 'expired' });
});

test('a token is bound to its secret, app, stream and action', () => {
  const refused = { ok: false, reason: 'bad-signature' };
  assert.deepEqual(verify(token(), { secret: 'another-secret-0123456789' }), refused);
  assert.deepEqual(verify(token(), { app: 'live2' }), refused);
  assert.deepEqual(verify(token(), { stream: 'demo2' }), refused);
  assert.deepEqual(verify(token(), { action: 'play' }), refused, 'a publish token does not grant play');
  assert.deepEqual(verify(token({ action: 'play' })), refused, 'a play token does not grant publish');
});

test('a forged expiry is refused as a bad signature, even when it is already past', () => {
  const sign = new URLSearchParams(token()).get('sign');
  assert.deepEqual(verify(`expires=${NOW + 86_400}&sign=${sign}`), { ok: false, reason: 'bad-signature' });
  assert.deepEqual(verify(`expires=0${NOW + 60}&sign=${sign}`), { ok: false, reason: 'bad-signature' }, 'a leading zero is another number spelling');
  assert.deepEqual(verify(`expires=1&sign=${sign}`), { ok: false, reason: 'bad-signature' });
});

test('absent tokens are "missing"; partial, repeated or ill-formed ones are "malformed"', () => {
  const sign = new URLSearchParams(token()).get('sign') as string;
  assert.deepEqual(verify(''), { ok: false, reason: 'missing' });
  assert.deepEqual(verify('room=7'), { ok: false, reason: 'missing' });
  for (const query of [
    `expires=${NOW + 60}`,
    `sign=${sign}`,
    `${token()}&sign=${sign}`,
    `${token()}&expires=${NOW + 60}`,
    `expires=&sign=${sign}`,
    `expires=-5&sign=${sign}`,
    `expires=1e9&sign=${sign}`,
    `expires=1735689660.0&sign=${sign}`,
    `expires=+1735689660&sign=${sign}`,
    `expires=1234567890123&sign=${sign}`,
    `expires=${NOW + 60}&sign=${sign.toUpperCase()}`,
    `expires=${NOW + 60}&sign=${sign.slice(1)}`,
    `expires=${NOW + 60}&sign=${sign}0`,
    `expires=${NOW + 60}&sign=${Buffer.from(sign, 'hex').toString('base64url')}`,
  ]) {
    assert.deepEqual(verify(query), { ok: false, reason: 'malformed' }, query);
  }
});

test('during a rotation tokens signed with any listed secret are accepted, and none other', () => {
  const rotation = [SECRET, OLD_SECRET];
  assert.deepEqual(verify(token({ secret: OLD_SECRET }), { secret: rotation }), { ok: true });
  assert.deepEqual(verify(token({ secret: SECRET }), { secret: rotation }), { ok: true });
  assert.deepEqual(verify(token({ secret: OLD_SECRET }), { secret: [SECRET] }), { ok: false, reason: 'bad-signature' });
});

test('secrets and expiries that would make tokens weak or ambiguous are refused as configuration errors', () => {
  const code = (c: string) => (e: unknown) => e instanceof AuthConfigError && e.code === c;
  assert.throws(() => token({ secret: 'short' }), code('weak-secret'));
  assert.throws(() => verify(token(), { secret: [] }), code('no-secret'));
  assert.throws(() => verify(token(), { secret: [SECRET, 'short'] }), code('weak-secret'));
  for (const expiresAt of [-1, 1.5, Number.NaN, Infinity, 1e12]) {
    assert.throws(() => token({ expiresAt }), code('bad-token-request'), String(expiresAt));
  }
});

test('a secret list is read from comma-separated text, first entry first', () => {
  assert.deepEqual(parseSecretList(' new-secret , old-secret,,'), ['new-secret', 'old-secret']);
  assert.deepEqual(parseSecretList(''), []);
});

const anyChar = fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code));
const replaceAt = (text: string, at: number, char: string) => `${text.slice(0, at)}${char}${text.slice(at + 1)}`;

test('property: any app/stream/action round-trips, and any one-character change of the signature is refused', () => {
  const name = fc.string({ unit: 'binary', minLength: 1, maxLength: 40 });
  fc.assert(
    fc.property(name, name, fc.constantFrom<StreamAction>('publish', 'play'), fc.nat(63), anyChar, (app, stream, action, at, char) => {
      const query = signStreamToken({ secret: SECRET, app, stream, action, expiresAt: NOW + 1 });
      const check = (q: string) => verifyStreamToken({ secret: SECRET, app, stream, action, query: q, now: NOW });
      assert.deepEqual(check(query), { ok: true });
      const sign = new URLSearchParams(query).get('sign') as string;
      fc.pre(sign[at] !== char);
      const changed = new URLSearchParams({ expires: String(NOW + 1), sign: replaceAt(sign, at, char) }).toString();
      const reason = /[0-9a-f]/.test(char) ? 'bad-signature' : 'malformed';
      assert.deepEqual(check(changed), { ok: false, reason });
    }),
    { numRuns: 500 },
  );
});

test('property: any one-character change anywhere in a token query string is refused', () => {
  const query = token();
  fc.assert(
    fc.property(fc.nat(query.length - 1), anyChar, (at, char) => {
      fc.pre(query[at] !== char);
      assert.equal(verify(replaceAt(query, at, char)).ok, false);
    }),
    { numRuns: 2000 },
  );
});

test('property: arbitrary query strings never throw and never pass', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (query) => {
      assert.equal(verify(query).ok, false);
    }),
    { numRuns: 1000 },
  );
});
