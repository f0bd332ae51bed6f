import { test } from 'node:test';
import assert from 'node:assert/strict';
import { acceptKey, handshakeResponse, refusalResponse, WsHandshakeError, type UpgradeRequest } from '../src/ws-handshake.ts';

// RFC 6455 §1.3 and §4.2.2: this key's accept value is the spec's worked example.
const RFC_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const RFC_ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';

function request(headers: Record<string, string>, overrides: Partial<UpgradeRequest> = {}): UpgradeRequest {
  return {
    method: 'GET',
    httpVersionMajor: 1,
    httpVersionMinor: 1,
    headers: { host: 'server.example.com', upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-key': RFC_KEY, 'sec-websocket-version': '13', ...headers },
    ...overrides,
  };
}

function refusal(req: UpgradeRequest): WsHandshakeError {
  try {
    handshakeResponse(req);
  } catch (error) {
    assert.ok(error instanceof WsHandshakeError, String(error));
    return error;
  }
  assert.fail('accepted');
}

test('RFC 6455 §1.3: the sample key gives the sample accept value', () => {
  assert.equal(acceptKey(RFC_KEY), RFC_ACCEPT);
});

test('the RFC 6455 §1.3 client handshake gets a 101 with only the headers the RFC requires', () => {
  // The spec's sample request offers a subprotocol; the link protocol has none, so none is chosen.
  const answer = handshakeResponse(request({ origin: 'http://example.com', 'sec-websocket-protocol': 'chat, superchat', 'sec-websocket-extensions': 'permessage-deflate' }));
  assert.equal(answer, `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${RFC_ACCEPT}\r\n\r\n`);
});

test('header tokens are matched case-insensitively inside comma-separated lists', () => {
  const variants: Record<string, string>[] = [{ upgrade: 'WebSocket' }, { connection: 'keep-alive, Upgrade' }, { upgrade: 'foo/1, websocket' }, { connection: 'UPGRADE' }];
  for (const headers of variants) {
    assert.match(handshakeResponse(request(headers)), /^HTTP\/1\.1 101 /, JSON.stringify(headers));
  }
});

test('refusals name the broken rule; only a wrong version is 426', () => {
  const cases: [UpgradeRequest, string, number][] = [
    [request({}, { method: 'POST' }), 'bad-method', 400],
    [request({}, { httpVersionMinor: 0 }), 'bad-http-version', 400],
    [request({ upgrade: 'h2c' }), 'not-websocket', 400],
    [request({ upgrade: 'websockets' }), 'not-websocket', 400],
    [request({ connection: 'keep-alive' }), 'no-connection-upgrade', 400],
    [request({ 'sec-websocket-version': '8' }), 'bad-version', 426],
    [request({ 'sec-websocket-version': '13, 8' }), 'bad-version', 426],
    [request({ 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ' }), 'bad-key', 400], // padding missing
    [request({ 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZXg=' }), 'bad-key', 400], // 17 bytes
    [request({ 'sec-websocket-key': `${RFC_KEY}, ${RFC_KEY}` }), 'bad-key', 400], // sent twice
    [request({ 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZ!==' }), 'bad-key', 400],
  ];
  const { upgrade: _u, ...noUpgrade } = request({}).headers;
  const { 'sec-websocket-key': _k, ...noKey } = request({}).headers;
  const { 'sec-websocket-version': _v, ...noVersion } = request({}).headers;
  cases.push([{ ...request({}), headers: noUpgrade }, 'not-websocket', 400]);
  cases.push([{ ...request({}), headers: noKey }, 'bad-key', 400]);
  cases.push([{ ...request({}), headers: noVersion }, 'bad-version', 426]);
  for (const [req, code, status] of cases) {
    const error = refusal(req);
    assert.deepEqual([error.code, error.status], [code, status], error.message);
  }
});

test('a refusal is a complete HTTP response; 426 tells the client which version to use', () => {
  const upgradeRequired = refusalResponse(refusal(request({ 'sec-websocket-version': '8' })));
  assert.match(upgradeRequired, /^HTTP\/1\.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\nConnection: close\r\n/);
  const bad = refusalResponse(refusal(request({ 'sec-websocket-key': 'x' })));
  const [head, body] = bad.split('\r\n\r\n');
  assert.match(head, /^HTTP\/1\.1 400 Bad Request\r\n/);
  assert.equal(Number(/Content-Length: (\d+)/.exec(head)?.[1]), Buffer.byteLength(body));
  assert.match(body, /Sec-WebSocket-Key "x"/);
});
