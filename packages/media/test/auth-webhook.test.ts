import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import { createWebhooks, type AccessRequest, type EndNotice, type HookBody } from '../src/auth/webhook.ts';
import { AuthConfigError } from '../src/auth/errors.ts';
import type { LogFields, MediaLog } from '../src/log.ts';

interface Received {
  path: string;
  method: string;
  contentType: string | undefined;
  body: HookBody;
}

/** A hook backend on loopback whose answer depends on the path: /200, /403, /500, /302, /slow. */
const received: Received[] = [];
const waiters: Array<(request: Received) => void> = [];
const hookServer = createServer((req: IncomingMessage, res: ServerResponse) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const request: Received = {
      path: (req.url ?? '').split('?')[0],
      method: req.method ?? '',
      contentType: req.headers['content-type'],
      body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as HookBody,
    };
    received.push(request);
    for (const wake of waiters.splice(0)) wake(request);
    if (request.path === '/slow') return; // never answers; the client's timeout must end it
    if (request.path === '/302') {
      res.writeHead(302, { location: `${base}/200` }).end();
      return;
    }
    res.writeHead(Number(request.path.slice(1))).end('{"code":0}');
  });
});
hookServer.listen(0, '127.0.0.1');
await once(hookServer, 'listening');
const base = `http://127.0.0.1:${(hookServer.address() as { port: number }).port}`;
after(() => {
  hookServer.closeAllConnections();
  hookServer.close();
});

const nextRequest = () => new Promise<Received>((resolve) => waiters.push(resolve));

const client = { app: 'live', stream: 'demo', query: 'expires=1&sign=ab&room=7', clientId: 'rtmp-4/1', ip: '127.0.0.1', protocol: 'rtmp' } as const;
const publish: AccessRequest = { ...client, action: 'publish' };
const play: AccessRequest = { ...client, action: 'play', protocol: 'flv' };
const stop: EndNotice = { ...client, action: 'stop', protocol: 'hls' };

function recordingLog() {
  const warnings: Array<{ message: string; fields?: LogFields }> = [];
  let wake: (() => void) | undefined;
  const log: MediaLog = {
    debug() {},
    info() {},
    warn(_tag, message, fields) {
      warnings.push({ message, fields });
      wake?.();
    },
    error() {},
  };
  const nextWarning = () => new Promise<void>((resolve) => (wake = resolve));
  return { log, warnings, nextWarning };
}

test('on_publish answering 2xx allows, and receives the documented JSON body', async () => {
  const hooks = createWebhooks({ urls: { onPublish: `${base}/200` }, serverId: 'edge-1' });
  const before = Date.now();
  const arrived = nextRequest();
  assert.deepEqual(await hooks.authorize(publish), { ok: true });
  const request = await arrived;
  assert.equal(request.method, 'POST');
  assert.equal(request.contentType, 'application/json');
  const { time, ...rest } = request.body;
  assert.deepEqual(rest, { action: 'on_publish', app: 'live', stream: 'demo', query: 'expires=1&sign=ab&room=7', clientId: 'rtmp-4/1', ip: '127.0.0.1', protocol: 'rtmp', serverId: 'edge-1' });
  assert.match(time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.ok(Date.parse(time) >= before && Date.parse(time) <= Date.now());
});

test('on_play goes to its own URL; an unconfigured hook allows without any request', async () => {
  const hooks = createWebhooks({ urls: { onPlay: `${base}/204` } });
  const count = received.length;
  assert.deepEqual(await hooks.authorize(publish), { ok: true });
  assert.equal(received.length, count, 'no on_publish URL, no request');
  assert.deepEqual(await hooks.authorize(play), { ok: true });
  assert.equal(received.length, count + 1);
  assert.equal(received.at(-1)?.body.action, 'on_play');
  assert.equal(received.at(-1)?.body.protocol, 'flv');
});

test('a 4xx answer refuses with the status, without a warning (a refusal is the hook working)', async () => {
  const { log, warnings } = recordingLog();
  const hooks = createWebhooks({ urls: { onPublish: `${base}/403` }, log });
  assert.deepEqual(await hooks.authorize(publish), { ok: false, reason: 'on_publish hook answered 403', status: 403 });
  assert.equal(warnings.length, 0);
});

test('a 5xx answer refuses (fail closed) and is logged as a hook failure', async () => {
  const { log, warnings } = recordingLog();
  const hooks = createWebhooks({ urls: { onPlay: `${base}/500` }, log });
  assert.deepEqual(await hooks.authorize(play), { ok: false, reason: 'on_play hook answered 500', status: 500 });
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0].fields?.status, 500);
});

test('a redirect is not followed, refuses, and is logged as a broken hook', async () => {
  const { log, warnings } = recordingLog();
  const hooks = createWebhooks({ urls: { onPublish: `${base}/302?key=s3cret` }, log });
  const count = received.length;
  assert.deepEqual(await hooks.authorize(publish), { ok: false, reason: 'on_publish hook answered 302', status: 302 });
  assert.equal(received.length, count + 1, 'only the hook itself was asked');
  assert.equal(warnings[0].fields?.status, 302);
  assert.equal(warnings[0].fields?.url, `${base}/302`, 'a key in the hook URL stays out of the logs');
});

test('a hook slower than the timeout refuses after the timeout, without a status', async () => {
  const { log, warnings } = recordingLog();
  const hooks = createWebhooks({ urls: { onPublish: `${base}/slow` }, timeoutMs: 150, log });
  const started = performance.now();
  assert.deepEqual(await hooks.authorize(publish), { ok: false, reason: 'on_publish hook timed out' });
  const elapsed = performance.now() - started;
  assert.ok(elapsed >= 140 && elapsed < 1500, `refused after ${elapsed.toFixed(0)} ms`);
  assert.equal(warnings[0].fields?.detail, 'no answer within 150 ms');
});

test('an unreachable hook refuses with the network error logged', async () => {
  const closed = createServer();
  closed.listen(0, '127.0.0.1');
  await once(closed, 'listening');
  const port = (closed.address() as { port: number }).port;
  closed.close();
  await once(closed, 'close');
  const { log, warnings } = recordingLog();
  const hooks = createWebhooks({ urls: { onPlay: `http://127.0.0.1:${port}/hook` }, log });
  assert.deepEqual(await hooks.authorize(play), { ok: false, reason: 'on_play hook unreachable' });
  assert.match(String(warnings[0].fields?.detail), /ECONNREFUSED/);
});

test('notify posts on_stop / on_unpublish without waiting, and drain waits for delivery', async () => {
  const hooks = createWebhooks({ urls: { onStop: `${base}/200`, onUnpublish: `${base}/200` } });
  const arrived = nextRequest();
  assert.equal(hooks.notify(stop), undefined);
  const request = await arrived;
  assert.equal(request.body.action, 'on_stop');
  assert.equal(request.body.protocol, 'hls');
  const count = received.length;
  hooks.notify({ ...stop, action: 'unpublish', protocol: 'rtmp' });
  await hooks.drain();
  assert.equal(received.length, count + 1);
  assert.equal(received.at(-1)?.body.action, 'on_unpublish');
});

test('failed notifications are logged, never thrown', async () => {
  const { log, warnings, nextWarning } = recordingLog();
  const hooks = createWebhooks({ urls: { onStop: `${base}/500`, onUnpublish: `${base}/slow` }, timeoutMs: 100, log });
  let warned = nextWarning();
  hooks.notify(stop);
  await warned;
  assert.equal(warnings[0].message, 'on_stop notification not delivered');
  assert.equal(warnings[0].fields?.detail, 'answered 500');
  warned = nextWarning();
  hooks.notify({ ...stop, action: 'unpublish' });
  await warned;
  assert.equal(warnings[1].fields?.detail, 'timed out: no answer within 100 ms');
  await hooks.drain();
});

test('a fetch given in the options is used instead of the global one', async () => {
  const calls: string[] = [];
  const fakeFetch: typeof fetch = async (input) => {
    calls.push(String(input));
    return new Response(null, { status: 401 });
  };
  const hooks = createWebhooks({ urls: { onPublish: 'https://auth.example/publish' }, fetch: fakeFetch });
  assert.deepEqual(await hooks.authorize(publish), { ok: false, reason: 'on_publish hook answered 401', status: 401 });
  assert.deepEqual(calls, ['https://auth.example/publish']);
});

test('bad hook URLs and timeouts are configuration errors', () => {
  const code = (c: string) => (e: unknown) => e instanceof AuthConfigError && e.code === c;
  for (const url of ['', 'not a url', '/relative', 'ftp://host/hook', 'file:///etc/passwd', 'https://ops:pw@auth.example/hook']) {
    assert.throws(() => createWebhooks({ urls: { onPlay: url } }), code('bad-hook-url'), url);
  }
  for (const timeoutMs of [0, -1, 1.5, Number.NaN, 60_001]) {
    assert.throws(() => createWebhooks({ urls: {}, timeoutMs }), code('bad-timeout'), String(timeoutMs));
  }
});
