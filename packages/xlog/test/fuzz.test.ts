// The decoder on hostile bytes: random input, and mutations of valid files (ours plain and
// encrypted, Mars's). It must return (reporting issues) or throw XlogError, nothing else, and
// never invent a record: whatever it returns from one of our files was really logged.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { createLogger, decodeBytes, generateKeyPair, XlogError } from '../src/index.ts';
import { manualClock, tempDir, xlogFiles } from './support.ts';

const keys = generateKeyPair();

async function sampleFile(dir: string, publicKey?: string): Promise<Buffer> {
  const logger = createLogger({ dir, prefix: publicKey ? 'enc' : 'plain', publicKey, clock: manualClock(Date.UTC(2026, 10, 21)), handleProcessEvents: false });
  for (let block = 0; block < 4; block++) {
    for (let i = 0; i < 30; i++) logger.info('fuzz', `block ${block} line ${i}`, i % 4 === 0 ? { i } : undefined);
    await logger.flush();
  }
  await logger.close();
  return fs.readFileSync(path.join(dir, xlogFiles(dir).find((n) => n.startsWith(publicKey ? 'enc' : 'plain'))!));
}

function marsSample(): Buffer {
  const block = (seq: number, text: string) => {
    const payload = zlib.deflateRawSync(Buffer.from(text), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    const header = Buffer.alloc(73);
    header[0] = 0x09;
    header.writeUInt16LE(seq, 1);
    header.writeUInt32LE(payload.length, 5);
    return Buffer.concat([header, payload, Buffer.of(0)]);
  };
  return Buffer.concat([block(1, '[I][t][1, 2*][a][f:1, g][one\n'), block(2, '[W][t][1, 2][b][f:2, g][two\n'), block(3, '[E][t][1, 2][c][f:3, g][three\n')]);
}

/** Decodes and checks the contract; returns the messages it produced. */
function decodeChecked(bytes: Uint8Array, privateKey?: string): string[] {
  try {
    const result = decodeBytes(bytes, { privateKey });
    for (const issue of result.issues) assert.ok(issue.offset >= 0 && issue.offset <= bytes.length && issue.length >= 0);
    return result.entries.map((e) => (e.type === 'record' ? e.record.message : e.line.message));
  } catch (error) {
    if (error instanceof XlogError) return [];
    throw error;
  }
}

const mutation = (size: number) =>
  fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(size - 1), bits: fc.integer({ min: 1, max: 255 }) }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat(size) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(size), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(size - 1), count: fc.integer({ min: 1, max: 64 }) }),
  );

type Mutation = { kind: 'flip'; at: number; bits: number } | { kind: 'cut'; at: number } | { kind: 'insert'; at: number; bytes: Uint8Array } | { kind: 'delete'; at: number; count: number };

function apply(bytes: Buffer, mutations: Mutation[]): Buffer {
  let out = Buffer.from(bytes);
  for (const m of mutations) {
    const at = Math.min(m.at, out.length);
    if (m.kind === 'flip' && at < out.length) out[at] ^= m.bits;
    if (m.kind === 'cut') out = out.subarray(0, at);
    if (m.kind === 'insert') out = Buffer.concat([out.subarray(0, at), m.bytes, out.subarray(at)]);
    if (m.kind === 'delete') out = Buffer.concat([out.subarray(0, at), out.subarray(at + m.count)]);
  }
  return out;
}

test('fuzz: random bytes decode to issues or typed errors', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 4096 }), fc.boolean(), (bytes, withKey) => {
      decodeChecked(bytes, withKey ? keys.privateKey : undefined);
    }),
    { numRuns: 300 },
  );
});

test('fuzz: random bytes that start with our magic or a Mars magic', () => {
  fc.assert(
    fc.property(fc.constantFrom(Uint8Array.of(0x89, 0x58, 0x4c, 0x47, 1), Uint8Array.of(0x07), Uint8Array.of(0x0c), Uint8Array.of(0x09)), fc.uint8Array({ maxLength: 512 }), (magic, rest) => {
      decodeChecked(Buffer.concat([magic, rest]), keys.privateKey);
    }),
    { numRuns: 300 },
  );
});

for (const encrypted of [false, true]) {
  test(`fuzz: mutated ${encrypted ? 'encrypted' : 'plain'} files never yield a record that was not logged`, async (t) => {
    const original = await sampleFile(tempDir(t), encrypted ? keys.publicKey : undefined);
    const privateKey = encrypted ? keys.privateKey : undefined;
    const logged = new Set(decodeChecked(original, privateKey));
    assert.equal(logged.size, 120);
    fc.assert(
      fc.property(fc.array(mutation(original.length), { minLength: 1, maxLength: 4 }), (mutations) => {
        for (const message of decodeChecked(apply(original, mutations as Mutation[]), privateKey)) assert.ok(logged.has(message), `invented record ${message}`);
      }),
      { numRuns: 250 },
    );
  });
}

test('fuzz: one flipped byte costs at most the block it hit', async (t) => {
  const original = await sampleFile(tempDir(t));
  fc.assert(
    fc.property(fc.nat(original.length - 1), fc.integer({ min: 1, max: 255 }), (at, bits) => {
      const bytes = Buffer.from(original);
      bytes[at] ^= bits;
      assert.ok(decodeChecked(bytes).length >= 90, 'three of four 30-record blocks survive');
    }),
    { numRuns: 300 },
  );
});

test('fuzz: mutated Mars files decode to lines or issues, never anything else', () => {
  const original = marsSample();
  assert.deepEqual(decodeChecked(original), ['one', 'two', 'three']);
  fc.assert(
    fc.property(fc.array(mutation(original.length), { minLength: 1, maxLength: 4 }), (mutations) => {
      decodeChecked(apply(original, mutations as Mutation[]), keys.privateKey);
    }),
    { numRuns: 300 },
  );
});

test('fuzz: a damaged crash buffer is rescued as far as its frames verify, never more', async (t) => {
  const dir = tempDir(t);
  const abandoned = createLogger({ dir, prefix: 'crash', publicKey: keys.publicKey, handleProcessEvents: false, flushIntervalMs: 60_000 });
  for (let i = 0; i < 200; i++) abandoned.info('fuzz', `pending ${i}`);
  const buffer = fs.readFileSync(path.join(dir, 'crash.xbuf'));
  const usedEnd = buffer.findLastIndex((b) => b !== 0) + 1;
  const logged = new Set(Array.from({ length: 200 }, (_, i) => `pending ${i}`));
  let run = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(mutation(usedEnd), { minLength: 1, maxLength: 3 }), async (mutations) => {
      const runDir = path.join(dir, `run${run++}`);
      fs.mkdirSync(runDir);
      const mutated = apply(buffer.subarray(0, usedEnd), mutations as Mutation[]);
      fs.writeFileSync(path.join(runDir, 'crash.xbuf'), Buffer.concat([mutated, buffer.subarray(Math.min(usedEnd, mutated.length))]));
      const logger = createLogger({ dir: runDir, prefix: 'crash', handleProcessEvents: false });
      await logger.close();
      for (const name of xlogFiles(runDir)) {
        for (const message of decodeChecked(fs.readFileSync(path.join(runDir, name)), keys.privateKey)) {
          assert.ok(logged.has(message) || message.startsWith('recovered '), `invented record ${message}`);
        }
      }
    }),
    { numRuns: 40 },
  );
  await abandoned.close();
});
