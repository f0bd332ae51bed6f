import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ServerHandshake, ClientHandshake, SERVER_HANDSHAKE_VERSION, CLIENT_HANDSHAKE_VERSION } from '../../src/handshake/index.ts';
import { RtmpError } from '../../src/errors.ts';
import {
  FP_FULL, FP_KEY, FMS_FULL, FMS_KEY, digestOver, makeComplexC1, referenceDigestOffset, sign, signatureValid,
} from './flash-reference.ts';

function c0(version = 3): Buffer {
  return Buffer.from([version]);
}

/** Runs C0C1 through a fresh server and returns S1, S2 and the server. */
function answer(c1: Buffer): { s1: Buffer; s2: Buffer; server: ServerHandshake } {
  const server = new ServerHandshake();
  const step = server.receive(Buffer.concat([c0(), c1]));
  assert.equal(step.done, false);
  assert.ok(step.output);
  assert.equal(step.output.length, 1 + 1536 * 2);
  assert.equal(step.output[0], 3);
  return { s1: step.output.subarray(1, 1537), s2: step.output.subarray(1537), server };
}

for (const schema of [0, 1] as const) {
  test(`server answers a schema-${schema} complex C1 with a valid S1 digest in the same schema and a signed S2`, () => {
    const { c1, digest } = makeComplexC1(schema);
    const { s1, s2, server } = answer(c1);
    assert.equal(server.info.mode, 'complex');
    assert.equal(server.info.schema, schema);
    assert.equal(s1.readUInt32BE(4), SERVER_HANDSHAKE_VERSION);
    assert.ok(s1[4] >= 3, 'first version byte >= 3 so ffmpeg verifies the digest');
    const offset = referenceDigestOffset(s1, schema);
    assert.deepEqual(s1.subarray(offset, offset + 32), digestOver(s1, offset, FMS_KEY));
    assert.ok(signatureValid(s2, digest, FMS_FULL), 'S2 signed with HMAC(FMS full key, C1 digest)');
  });
}

test('server classifies the C2 variants real clients send and accepts them all', () => {
  const variants: Array<[string, (s1: Buffer, c1Digest: Buffer) => Buffer]> = [
    // Flash: signed with the key derived from the S1 digest.
    ['digest', (s1) => {
      const schema = referenceDigestOffset(s1, 0);
      const s1Digest = s1.subarray(schema, schema + 32);
      return sign(randomBytes(1536), Buffer.from(s1Digest), FP_FULL);
    }],
    // ffmpeg/librtmp publishing: S1 echoed, possibly with their own time fields.
    ['echo', (s1) => {
      const c2 = Buffer.from(s1);
      c2.writeUInt32BE(12345, 4);
      return c2;
    }],
    // GStreamer rtmp2 and others: bytes of their own.
    ['other', () => randomBytes(1536)],
  ];
  for (const [kind, makeC2] of variants) {
    const { c1, digest } = makeComplexC1(0);
    const { s1, server } = answer(c1);
    const rest = Buffer.from([0x02, 0x00]);
    const step = server.receive(Buffer.concat([makeC2(s1, digest), rest]));
    assert.equal(step.done, true, kind);
    assert.equal(step.output, null);
    assert.deepEqual(step.rest, rest, 'bytes after C2 belong to the chunk stream');
    assert.equal(server.info.responseKind, kind);
  }
});

test('simple handshake: S1 version 0, S2 echoes C1, echoed C2 recognised', () => {
  const c1 = randomBytes(1536);
  c1.writeUInt32BE(0, 4);
  const { s1, s2, server } = answer(c1);
  assert.equal(server.info.mode, 'simple');
  assert.equal(s1.readUInt32BE(4), 0);
  assert.deepEqual(s2, c1);
  server.receive(Buffer.from(s1));
  assert.equal(server.done, true);
  assert.equal(server.info.responseKind, 'echo');
});

test('a non-zero C1 version without a valid digest falls back to the simple handshake', () => {
  const c1 = randomBytes(1536);
  c1.writeUInt32BE(0x09007c02, 4);
  const { s1, s2, server } = answer(c1);
  assert.equal(server.info.mode, 'simple');
  assert.equal(s1.readUInt32BE(4), 0);
  assert.deepEqual(s2, c1);
});

test('a C0 other than 3 fails the handshake, naming RTMPE', () => {
  for (const version of [0, 6, 8, 9, 0xff]) {
    const server = new ServerHandshake();
    assert.throws(() => server.receive(Buffer.concat([c0(version), randomBytes(1536)])), (error: unknown) => {
      assert.ok(error instanceof RtmpError);
      assert.equal(error.code, 'handshake-failed');
      if (version === 6) assert.match(error.message, /RTMPE/);
      return true;
    });
  }
});

test('server handshake accepts bytes one at a time', () => {
  const { c1 } = makeComplexC1(1);
  const server = new ServerHandshake();
  const input = Buffer.concat([c0(), c1]);
  let output: Buffer | null = null;
  for (let i = 0; i < input.length; i++) {
    const step = server.receive(input.subarray(i, i + 1));
    if (i < input.length - 1) assert.equal(step.output, null);
    else output = step.output;
  }
  assert.ok(output);
  const s1 = output.subarray(1, 1537);
  for (let i = 0; i < 1536; i++) {
    const step = server.receive(s1.subarray(i, i + 1));
    assert.equal(step.done, i === 1535);
  }
  assert.equal(server.info.responseKind, 'echo');
});

test('client C1 carries a valid digest (schema 1 by default, 0 on request) and C2 is signed from the S1 digest', () => {
  for (const schema of [1, 0] as const) {
    const client = new ClientHandshake({ schema });
    const c0c1 = client.start();
    assert.equal(c0c1[0], 3);
    const c1 = c0c1.subarray(1);
    assert.equal(c1.readUInt32BE(4), CLIENT_HANDSHAKE_VERSION);
    const offset = referenceDigestOffset(c1, schema);
    const c1Digest = Buffer.from(c1.subarray(offset, offset + 32));
    assert.deepEqual(c1Digest, digestOver(c1, offset, FP_KEY));

    // A reference complex server reply built here, not by ServerHandshake.
    const s1 = randomBytes(1536);
    s1.writeUInt32BE(0x01000504, 4);
    const s1Offset = referenceDigestOffset(s1, schema);
    digestOver(s1, s1Offset, FMS_KEY).copy(s1, s1Offset);
    const s2 = sign(randomBytes(1536), c1Digest, FMS_FULL);
    const step = client.receive(Buffer.concat([c0(), s1, s2]));
    assert.equal(step.done, true);
    assert.ok(step.output);
    assert.ok(signatureValid(step.output, s1.subarray(s1Offset, s1Offset + 32), FP_FULL));
    assert.deepEqual(client.info, { mode: 'complex', schema, responseKind: 'digest' });
  }
});

test('client rejects a complex S1 whose digest does not verify', () => {
  const client = new ClientHandshake();
  client.start();
  const s1 = randomBytes(1536);
  s1.writeUInt32BE(0x04050001, 4);
  assert.throws(() => client.receive(Buffer.concat([c0(), s1])), (error: unknown) =>
    error instanceof RtmpError && error.code === 'handshake-failed');
});

test('complex client against a simple server (S1 version 0) echoes S1', () => {
  const client = new ClientHandshake();
  const c1 = client.start().subarray(1);
  const s1 = randomBytes(1536);
  s1.writeUInt32BE(0, 4);
  const step = client.receive(Buffer.concat([c0(), s1, c1]));
  assert.deepEqual(step.output, s1);
  assert.equal(client.info.mode, 'simple');
  assert.equal(client.info.responseKind, 'echo');
});

test('client sends C2 as soon as S1 is complete, before S2', () => {
  const client = new ClientHandshake({ complex: false });
  client.start();
  const s1 = randomBytes(1536);
  s1.writeUInt32BE(0, 4);
  const first = client.receive(Buffer.concat([c0(), s1]));
  assert.equal(first.done, false);
  assert.deepEqual(first.output, s1);
  const second = client.receive(Buffer.concat([randomBytes(1536), Buffer.from([7])]));
  assert.equal(second.done, true);
  assert.equal(second.output, null);
  assert.deepEqual(second.rest, Buffer.from([7]));
});

for (const complex of [true, false]) {
  test(`ClientHandshake and ServerHandshake complete each other (${complex ? 'complex' : 'simple'})`, () => {
    const client = new ClientHandshake({ complex });
    const server = new ServerHandshake();
    const s0s1s2 = server.receive(client.start()).output;
    assert.ok(s0s1s2);
    const c2 = client.receive(s0s1s2);
    assert.equal(c2.done, true);
    assert.ok(c2.output);
    assert.equal(server.receive(c2.output).done, true);
    assert.equal(server.info.mode, complex ? 'complex' : 'simple');
    assert.equal(client.info.mode, complex ? 'complex' : 'simple');
    assert.equal(server.info.responseKind, complex ? 'digest' : 'echo');
    assert.equal(client.info.responseKind, complex ? 'digest' : 'echo');
  });
}
