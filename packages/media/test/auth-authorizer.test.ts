import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAuthorizer } from '../src/auth/authorizer.ts';
import { signStreamToken } from '../src/auth/token.ts';
import { AuthConfigError } from '../src/auth/errors.ts';
import type { AccessRequest, EndNotice, HookDecision, Webhooks } from '../src/auth/webhook.ts';

const SECRET = 'authorizer-secret-0123456789';
const NOW = 1_800_000_000;
const now = () => NOW;
const request = (action: 'publish' | 'play', query: string): AccessRequest =>
  ({ action, app: 'live', stream: 'demo', query, clientId: 'c1', ip: '127.0.0.1', protocol: action === 'publish' ? 'rtmp' : 'flv' });
const tokenFor = (action: 'publish' | 'play', expiresAt = NOW + 60) =>
  signStreamToken({ secret: SECRET, app: 'live', stream: 'demo', action, expiresAt });

/** Webhooks that answer a fixed decision and record what they were asked. */
function scriptedHooks(decision: HookDecision) {
  const asked: AccessRequest[] = [];
  const told: EndNotice[] = [];
  let drained = 0;
  const hooks: Webhooks = {
    async authorize(req) {
      asked.push(req);
      return decision;
    },
    notify(notice) {
      told.push(notice);
    },
    async drain() {
      drained++;
    },
  };
  return { hooks, asked, told, drained: () => drained };
}

test('with nothing configured everyone may publish and play', async () => {
  const authorizer = createAuthorizer();
  assert.deepEqual(await authorizer.authorize(request('publish', '')), { ok: true });
  assert.deepEqual(await authorizer.authorize(request('play', '')), { ok: true });
  authorizer.notify({ ...request('play', ''), action: 'stop' });
  await authorizer.drain();
});

test('tokens are required per action as configured', async () => {
  const authorizer = createAuthorizer({ token: { secrets: [SECRET], requireForPublish: true, requireForPlay: false }, now });
  assert.deepEqual(await authorizer.authorize(request('publish', '')), { ok: false, reason: 'publish token missing', httpStatus: 401 });
  assert.deepEqual(await authorizer.authorize(request('publish', tokenFor('publish'))), { ok: true });
  assert.deepEqual(await authorizer.authorize(request('play', '')), { ok: true }, 'play is open');
});

test('token refusals are 403 with the reason; the injected clock decides expiry', async () => {
  const authorizer = createAuthorizer({ token: { secrets: [SECRET], requireForPublish: true, requireForPlay: true }, now });
  assert.deepEqual(await authorizer.authorize(request('play', tokenFor('play', NOW))), { ok: false, reason: 'play token expired', httpStatus: 403 });
  assert.deepEqual(await authorizer.authorize(request('play', tokenFor('play', NOW + 1))), { ok: true });
  assert.deepEqual(await authorizer.authorize(request('publish', tokenFor('play'))), { ok: false, reason: 'publish token signature invalid', httpStatus: 403 });
  assert.deepEqual(await authorizer.authorize(request('play', 'expires=x&sign=y')), { ok: false, reason: 'play token malformed', httpStatus: 403 });
});

test('the token is checked before the hook, which is never asked about a bad token', async () => {
  const scripted = scriptedHooks({ ok: true });
  const authorizer = createAuthorizer({ token: { secrets: [SECRET], requireForPublish: true, requireForPlay: false }, webhooks: scripted.hooks, now });
  assert.equal((await authorizer.authorize(request('publish', 'sign=forged'))).ok, false);
  assert.equal(scripted.asked.length, 0);
  const good = request('publish', tokenFor('publish'));
  assert.deepEqual(await authorizer.authorize(good), { ok: true });
  assert.deepEqual(scripted.asked, [good], 'the hook gets the whole request, token included');
});

test('hook refusals (4xx) map to 403, broken hooks (3xx, 5xx, no answer) to 503', async () => {
  const cases: Array<[HookDecision, 403 | 503]> = [
    [{ ok: false, reason: 'on_play hook answered 403', status: 403 }, 403],
    [{ ok: false, reason: 'on_play hook answered 404', status: 404 }, 403],
    [{ ok: false, reason: 'on_play hook answered 302', status: 302 }, 503],
    [{ ok: false, reason: 'on_play hook answered 502', status: 502 }, 503],
    [{ ok: false, reason: 'on_play hook timed out' }, 503],
  ];
  for (const [decision, httpStatus] of cases) {
    const authorizer = createAuthorizer({ webhooks: scriptedHooks(decision).hooks });
    assert.deepEqual(await authorizer.authorize(request('play', '')), { ok: false, reason: decision.ok ? '' : decision.reason, httpStatus });
  }
});

test('notify and drain reach the webhooks', async () => {
  const scripted = scriptedHooks({ ok: true });
  const authorizer = createAuthorizer({ webhooks: scripted.hooks });
  const notice: EndNotice = { ...request('publish', ''), action: 'unpublish' };
  authorizer.notify(notice);
  await authorizer.drain();
  assert.deepEqual(scripted.told, [notice]);
  assert.equal(scripted.drained(), 1);
});

test('a token policy without a usable secret is refused at construction', () => {
  const code = (c: string) => (e: unknown) => e instanceof AuthConfigError && e.code === c;
  assert.throws(() => createAuthorizer({ token: { secrets: [], requireForPublish: true, requireForPlay: false } }), code('no-secret'));
  assert.throws(() => createAuthorizer({ token: { secrets: ['changeme'], requireForPublish: true, requireForPlay: false } }), code('weak-secret'));
});
