import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verifyStreamToken } from '@livelink/media';
import { runToken, tokenHelp, type TokenIo } from '../src/token.ts';

const SECRET = 'cli-test-secret-0123456789';
const NOW = 1_735_689_600.7;

async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const io: TokenIo = { env, stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), now: () => NOW };
  const code = await runToken(argv, io);
  return { code, stdout, stderr, lines: stdout.split('\n').filter((line) => line !== '') };
}

const verify = (query: string, overrides: { app?: string; stream?: string; action?: 'publish' | 'play'; now?: number; secret?: string | string[] } = {}) =>
  verifyStreamToken({ secret: SECRET, app: 'live', stream: 'demo', action: 'publish', query, now: NOW, ...overrides });

test('prints a query string that the server accepts for that app, stream and action only', async () => {
  const { code, lines, stderr } = await run(['--secret', SECRET, '--app', 'live', '--stream', 'demo', '--action', 'publish', '--expires-in', '3600']);
  assert.equal(code, 0, stderr);
  assert.equal(lines.length, 1);
  assert.match(lines[0], /^expires=1735693200&sign=[0-9a-f]{64}$/, 'expiry counted from the whole current second');
  assert.deepEqual(verify(lines[0]), { ok: true });
  assert.deepEqual(verify(lines[0], { action: 'play' }), { ok: false, reason: 'bad-signature' });
  assert.deepEqual(verify(lines[0], { stream: 'other' }), { ok: false, reason: 'bad-signature' });
  assert.deepEqual(verify(lines[0], { now: NOW + 3600 }), { ok: false, reason: 'expired' });
});

test('the secret comes from LIVELINK_AUTH_SECRET (first of a rotation list) unless --secret is given', async () => {
  const old = 'old-secret-abcdefghijkl';
  const fromEnv = await run(['--stream', 'demo', '--action', 'play'], { LIVELINK_AUTH_SECRET: ` ${SECRET} ,${old}` });
  assert.equal(fromEnv.code, 0, fromEnv.stderr);
  assert.deepEqual(verify(fromEnv.lines[0], { action: 'play', secret: SECRET }), { ok: true }, 'app defaults to live');
  const fromFlag = await run(['--secret', old, '--stream', 'demo', '--action', 'play'], { LIVELINK_AUTH_SECRET: SECRET });
  assert.deepEqual(verify(fromFlag.lines[0], { action: 'play', secret: old }), { ok: true });
});

test('--url-base adds a full URL: RTMP as is, HTTP and WebSocket as .flv, names percent-encoded', async () => {
  const base = ['--secret', SECRET, '--action', 'play'];
  const rtmp = await run([...base, '--stream', 'demo', '--url-base', 'rtmp://127.0.0.1:1935']);
  assert.equal(rtmp.lines[1], `rtmp://127.0.0.1:1935/live/demo?${rtmp.lines[0]}`);
  const http = await run([...base, '--app', 'live/sub', '--stream', 'my show', '--url-base', 'http://127.0.0.1:8000/']);
  assert.equal(http.lines[1], `http://127.0.0.1:8000/live/sub/my%20show.flv?${http.lines[0]}`);
  assert.deepEqual(verify(http.lines[0], { app: 'live/sub', stream: 'my show', action: 'play' }), { ok: true });
  const ws = await run([...base, '--stream', 'demo', '--url-base', 'wss://example.test']);
  assert.equal(ws.lines[1], `wss://example.test/live/demo.flv?${ws.lines[0]}`);
});

test('usage errors exit 2 with a message and print no token', async () => {
  const cases: Array<[string[], NodeJS.ProcessEnv, RegExp]> = [
    [['--stream', 'demo', '--action', 'publish'], {}, /no secret/],
    [['--stream', 'demo', '--action', 'publish'], { LIVELINK_AUTH_SECRET: ' , ' }, /no secret/],
    [['--secret', SECRET, '--action', 'publish'], {}, /--stream is required/],
    [['--secret', SECRET, '--stream', 'demo'], {}, /--action must be publish or play$/m],
    [['--secret', SECRET, '--stream', 'demo', '--action', 'admin'], {}, /got "admin"/],
    [['--secret', SECRET, '--stream', 'demo', '--action', 'play', '--expires-in', '0'], {}, /--expires-in/],
    [['--secret', SECRET, '--stream', 'demo', '--action', 'play', '--expires-in', '1.5'], {}, /--expires-in/],
    [['--secret', SECRET, '--stream', 'demo', '--action', 'play', '--expires-in', '99999999999999'], {}, /expiresAt/],
    [['--secret', 'short', '--stream', 'demo', '--action', 'play'], {}, /at least 16/],
    [['--secret', SECRET, '--stream', 'demo', '--action', 'play', '--url-base', 'ftp://x'], {}, /--url-base/],
    [['--secret', SECRET, '--stream', 'demo', '--action', 'play', '--bogus'], {}, /bogus/],
    [['--secret', SECRET, '--stream', 'demo', '--action', 'play', 'extra'], {}, /extra/],
  ];
  for (const [argv, env, message] of cases) {
    const result = await run(argv, env);
    assert.equal(result.code, 2, argv.join(' '));
    assert.match(result.stderr, message, argv.join(' '));
    assert.equal(result.stdout, '', argv.join(' '));
  }
});

test('--help describes every option', async () => {
  const { code, stdout } = await run(['--help']);
  assert.equal(code, 0);
  assert.equal(stdout, tokenHelp);
  for (const flag of ['--secret', 'LIVELINK_AUTH_SECRET', '--app', '--stream', '--action', '--expires-in', '--url-base']) assert.ok(stdout.includes(flag), flag);
});
