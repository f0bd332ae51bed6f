// Mars-format test vectors built here from the documented format (shared/reference/mars.md
// §5.4-5.5): 73-byte header {magic, u16 seq, begin hour, end hour, u32 length, 64-byte client
// public key}, payload, 0x00; async payloads raw-deflated (sync-flushed, never finished) or
// zstd, then TEA-16 over 8-byte groups with the key from secp256k1 ECDH.
import assert from 'node:assert/strict';
import { createECDH } from 'node:crypto';
import { test } from 'node:test';
import zlib from 'node:zlib';
import { decodeBytes, formatEntry, runXlogCommand, XlogError } from '../src/index.ts';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from './support.ts';

const LINES = [
  '[I][2026-11-21 +8.0 10:00:00.123][1234, 5678*][net][longlink.cc:120, Connect][connected to 10.0.0.1:8080\n',
  '[W][2026-11-21 +8.0 10:00:01.500][1234, 5679][stn][task_manager.cc:88, OnTaskEnd][task 42 timeout, retry 1\n',
  '[E][2026-11-21 +8.0 10:00:02.001][1234, 5678*][app][main.cc:7, main][中文 message with ] bracket\n',
];

/** TEA encipher, 16 rounds, little-endian words: the writer side, which the package does not ship. */
function teaEncrypt(data: Uint8Array, secret: Uint8Array): Uint8Array {
  const out = Buffer.from(data);
  const key = Buffer.from(secret);
  const k = [0, 4, 8, 12].map((i) => key.readUInt32LE(i));
  for (let at = 0; at + 8 <= out.length; at += 8) {
    let v0 = out.readUInt32LE(at);
    let v1 = out.readUInt32LE(at + 4);
    let sum = 0;
    for (let i = 0; i < 16; i++) {
      sum = (sum + 0x9e3779b9) >>> 0;
      v0 = (v0 + ((((v1 << 4) + k[0]) ^ (v1 + sum) ^ ((v1 >>> 5) + k[1])) >>> 0)) >>> 0;
      v1 = (v1 + ((((v0 << 4) + k[2]) ^ (v0 + sum) ^ ((v0 >>> 5) + k[3])) >>> 0)) >>> 0;
    }
    out.writeUInt32LE(v0, at);
    out.writeUInt32LE(v1, at + 4);
  }
  return out;
}

function marsBlock(magic: number, seq: number, payload: Uint8Array, clientPublicKey = new Uint8Array(64)): Buffer {
  const header = Buffer.alloc(73);
  header[0] = magic;
  header.writeUInt16LE(seq, 1);
  header[3] = 10; // begin hour
  header[4] = 10; // end hour
  header.writeUInt32LE(payload.length, 5);
  header.set(clientPublicKey, 9);
  return Buffer.concat([header, payload, Buffer.of(0)]);
}

/** As Mars's zlib buffer does: each line deflated with Z_SYNC_FLUSH into one raw stream, never finished. */
function marsDeflate(lines: string[]): Buffer {
  return zlib.deflateRawSync(Buffer.from(lines.join('')), { level: 9, finishFlush: zlib.constants.Z_SYNC_FLUSH });
}

function marsZstd(lines: string[]): Buffer {
  return zlib.zstdCompressSync(Buffer.from(lines.join('')));
}

function serverKeys() {
  const server = createECDH('secp256k1');
  server.generateKeys();
  return { server, privateHex: server.getPrivateKey('hex').padStart(64, '0') };
}

function encryptForServer(compressed: Uint8Array, server: ReturnType<typeof createECDH>) {
  const client = createECDH('secp256k1');
  client.generateKeys();
  const secret = client.computeSecret(server.getPublicKey());
  return { payload: teaEncrypt(compressed, secret.subarray(0, 16)), clientPublicKey: client.getPublicKey().subarray(1) };
}

const texts = (bytes: Uint8Array, privateKey?: string) => {
  const result = decodeBytes(bytes, { privateKey });
  return { lines: result.entries.map((e) => formatEntry(e)), issues: result.issues };
};
const expected = LINES.map((l) => l.slice(0, -1));

test('Mars plain blocks: async zlib (0x09), async zstd (0x0D), sync (0x08)', () => {
  const file = Buffer.concat([
    marsBlock(0x09, 1, marsDeflate(LINES.slice(0, 2))),
    marsBlock(0x0d, 2, marsZstd(LINES.slice(2))),
    marsBlock(0x08, 0, Buffer.from(LINES[0])),
  ]);
  const { lines, issues } = texts(file);
  assert.deepEqual(issues, []);
  assert.deepEqual(lines, [...expected, expected[0]]);
});

test('Mars encrypted blocks: ECDH secp256k1 + TEA-16, zlib (0x07) and zstd (0x0C)', () => {
  const { server, privateHex } = serverKeys();
  const a = encryptForServer(marsDeflate(LINES), server);
  const b = encryptForServer(marsZstd(LINES.slice(1)), server);
  assert.notEqual(a.payload.length % 8, 0, 'the vector exercises the clear tail');
  const file = Buffer.concat([marsBlock(0x07, 5, a.payload, a.clientPublicKey), marsBlock(0x0c, 6, b.payload, b.clientPublicKey)]);
  const { lines, issues } = texts(file, privateHex);
  assert.deepEqual(issues, []);
  assert.deepEqual(lines, [...expected, ...expected.slice(1)]);

  assert.throws(() => decodeBytes(file), (e) => e instanceof XlogError && e.code === 'key-required');
  assert.throws(() => decodeBytes(file, { privateKey: serverKeys().privateHex }), (e) => e instanceof XlogError && e.code === 'wrong-key');
});

test('Mars lines parse into fields for JSON output', () => {
  const [entry] = decodeBytes(marsBlock(0x09, 1, marsDeflate(LINES.slice(0, 1)))).entries;
  assert.deepEqual(JSON.parse(formatEntry(entry, { json: true })), {
    format: 'mars',
    level: 'info',
    time: '2026-11-21 +8.0 10:00:00.123',
    pid: 1234,
    tid: 5678,
    mainThread: true,
    tag: 'net',
    location: 'longlink.cc:120, Connect',
    message: 'connected to 10.0.0.1:8080',
  });
});

test('Mars files: leading junk, a damaged block and a seq gap are reported; intact blocks decode', () => {
  const good1 = marsBlock(0x09, 1, marsDeflate(LINES.slice(0, 1)));
  const bad = marsBlock(0x09, 2, Buffer.from('this is not deflate data at all, no sir'));
  const good3 = marsBlock(0x09, 5, marsDeflate(LINES.slice(1, 2)));
  const file = Buffer.concat([Buffer.from('junk!'), good1, bad, good3]);
  const { lines, issues } = texts(file);
  assert.deepEqual(lines, expected.slice(0, 2));
  assert.deepEqual(issues.map((i) => [i.code, i.offset]), [
    ['garbage', 0],
    ['decompress-failed', 5 + good1.length],
    ['missing-blocks', 5 + good1.length + bad.length],
  ]);
  assert.match(issues[2].message, /seq 3-4 is missing/);
});

test('the CLI decodes a Mars file with --key', async (t) => {
  const { server, privateHex } = serverKeys();
  const enc = encryptForServer(marsDeflate(LINES), server);
  const file = path.join(tempDir(t), 'mars_20261121.xlog');
  fs.writeFileSync(file, marsBlock(0x07, 1, enc.payload, enc.clientPublicKey));
  let out = '';
  const io = { stdout: { write: (s: string) => (out += s) }, stderr: { write: () => true } };
  assert.equal(await runXlogCommand(['decode', file, '--key', privateHex], io), 0);
  assert.equal(out, LINES.join(''));
});
