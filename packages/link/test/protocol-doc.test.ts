// The examples in docs/link-protocol.md are the test vectors: each is encoded and decoded here, so
// the document the gateway is built from cannot drift from the code.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import {
  createLinkClient,
  decodeHelloBody,
  decodeTaskErrorBody,
  HELLO_CMDID,
  IDENTIFY_SEQ,
  isNoop,
  isPush,
  LinkProtocolError,
  LinkTaskError,
  marsPacker,
  TASK_ERROR_CMDID,
} from '../src/index.ts';

const doc = readFileSync(new URL('../../../docs/link-protocol.md', import.meta.url), 'utf8');

function blocks(lang: string): string[] {
  return [...doc.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]);
}

interface FrameExample {
  name: string;
  fields: Map<string, string>;
  bytes: Uint8Array;
}

function frameExamples(): FrameExample[] {
  return blocks('link-frame').map((block) => {
    const [head, hex] = block.split(/^hex:\n/m);
    const fields = new Map<string, string>();
    for (const line of head.trim().split('\n')) {
      const at = line.indexOf(': ');
      fields.set(line.slice(0, at), line.slice(at + 2));
    }
    const digits = hex.replace(/\s+/g, '');
    const bytes = Uint8Array.from(digits.match(/../g)!, (h) => parseInt(h, 16));
    return { name: fields.get('example')!, fields, bytes };
  });
}

const examples = frameExamples();
const byName = (name: string) => examples.find((e) => e.name === name)!;
const packer = marsPacker({ clientVersion: 200 });
const utf8 = new TextEncoder();

test('the document carries the examples the protocol needs', () => {
  const names = examples.map((e) => e.name);
  for (const required of ['noop', 'hello', 'identify', 'identify-ok', 'request', 'response', 'push', 'task-error', 'header-options', 'short-header', 'oversize']) {
    assert.ok(names.includes(required), `missing example ${required}`);
  }
});

for (const example of examples) {
  test(`doc example "${example.name}" matches the codec byte for byte`, () => {
    const error = example.fields.get('error');
    if (error) {
      assert.throws(() => packer.createDecoder().push(example.bytes), (e) => e instanceof LinkProtocolError && e.code === error);
      return;
    }
    const frame = {
      cmdid: Number(example.fields.get('cmdid')),
      seq: Number(example.fields.get('seq')),
      clientVersion: Number(example.fields.get('client_version')),
      body: utf8.encode(JSON.parse(example.fields.get('body')!) as string),
    };
    const decoded = packer.createDecoder().push(example.bytes);
    assert.deepEqual(decoded, [frame]);
    if (example.fields.get('decode-only') !== 'true') assert.deepEqual(packer.encode(frame), example.bytes);
  });
}

test('doc examples mean what the document says they mean', () => {
  const [noop] = packer.createDecoder().push(byName('noop').bytes);
  assert.ok(isNoop(noop));
  const [hello] = packer.createDecoder().push(byName('hello').bytes);
  assert.equal(hello.cmdid, HELLO_CMDID);
  assert.equal(decodeHelloBody(hello.body), 'c3f1a9d07b2e4f58');
  const [identify] = packer.createDecoder().push(byName('identify').bytes);
  assert.equal(identify.seq, IDENTIFY_SEQ);
  const [push] = packer.createDecoder().push(byName('push').bytes);
  assert.ok(isPush(push));
  const [error] = packer.createDecoder().push(byName('task-error').bytes);
  assert.equal(error.cmdid, TASK_ERROR_CMDID);
  assert.deepEqual(decodeTaskErrorBody(error.body), { code: 404, message: 'no handler for cmdid 9' });
});

interface HttpExample {
  startLine: string;
  headers: Map<string, string>;
  body: string;
}

function httpExample(name: string): HttpExample {
  const block = blocks('http').find((b) => b.startsWith(`example: ${name}\n`));
  assert.ok(block, `missing http example ${name}`);
  const [head, body] = block.slice(block.indexOf('\n') + 1).split('\n\n');
  const [startLine, ...headerLines] = head.split('\n');
  const headers = new Map(headerLines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  return { startLine, headers, body: body.replace(/\n$/, '') };
}

test('a short-link request carries exactly the documented method, path, headers and body', async () => {
  const expected = httpExample('short-request');
  let seen: { method?: string; url?: string; headers: IncomingHttpHeaders; body: string } | undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen = { method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      res.end('world');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const client = createLinkClient({ shortLink: { baseUrl: `http://127.0.0.1:${port}` }, clientId: 'c3f1a9d07b2e4f58', clientVersion: 200 });
    const task = client.startTask({ cmdid: 3, cgi: '/link/sendmsg', body: utf8.encode('hello') });
    assert.equal(task.id, 1);
    assert.equal(new TextDecoder().decode(await task.promise), 'world');
    client.close();
    const [method, path] = expected.startLine.split(' ');
    assert.equal(seen!.method, method);
    assert.equal(seen!.url, path);
    for (const [name, value] of expected.headers) assert.equal(seen!.headers[name], value, `header ${name}`);
    assert.equal(seen!.body, expected.body);
  } finally {
    server.close();
  }
});

test('the documented short-link task error response becomes a server error with its code', async () => {
  const example = httpExample('short-task-error');
  const status = Number(example.startLine.split(' ')[1]);
  const fetchFn = async () => new Response(example.body, { status, headers: Object.fromEntries(example.headers) });
  const client = createLinkClient({ shortLink: { baseUrl: 'http://gateway.invalid', fetch: fetchFn } });
  const task = client.startTask({ cgi: '/link/x', body: new Uint8Array(0) });
  await assert.rejects(task.promise, (e) => e instanceof LinkTaskError && e.code === 'server' && e.errCode === 404 && e.errType === 8);
  client.close();
});
