// Builders for hand-written wire bytes, so expected encodings come from the specs, not from our encoder.
import assert from 'node:assert/strict';
import { AmfDecodeError, AmfEncodeError, type AmfDecodeErrorCode, type AmfEncodeErrorCode } from '../src/index.ts';

type Part = string | number[] | Uint8Array;

/** Concatenates parts; a string part is hex (spaces ignored), arrays are raw bytes. */
export function bytes(...parts: Part[]): Uint8Array {
  const chunks = parts.map((part) => {
    if (typeof part !== 'string') return Uint8Array.from(part);
    const digits = part.replace(/\s+/g, '');
    assert.equal(digits.length % 2, 0, `odd hex "${part}"`);
    return Uint8Array.from(digits.match(/../g) ?? [], (pair) => parseInt(pair, 16));
  });
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** AMF0 UTF-8: u16 byte length + bytes (keys, strings, class names). */
export function u16String(text: string): Uint8Array {
  const body = utf8(text);
  return bytes([body.byteLength >> 8, body.byteLength & 0xff], body);
}

/** AMF3 inline UTF-8-vr for byte lengths below 64 (one-byte U29 header). */
export function vrString(text: string): Uint8Array {
  const body = utf8(text);
  assert.ok(body.byteLength < 64);
  return bytes([(body.byteLength << 1) | 1], body);
}

/** Big-endian IEEE-754 double. */
export function double(value: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setFloat64(0, value);
  return out;
}

export function toHex(data: Uint8Array): string {
  return Array.from(data, (byte) => byte.toString(16).padStart(2, '0')).join(' ');
}

export function assertBytes(actual: Uint8Array, expected: Uint8Array): void {
  assert.equal(toHex(actual), toHex(expected));
}

export function assertDecodeError(fn: () => unknown, code: AmfDecodeErrorCode): AmfDecodeError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof AmfDecodeError, `expected AmfDecodeError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected AmfDecodeError ${code}, nothing thrown`);
}

export function assertEncodeError(fn: () => unknown, code: AmfEncodeErrorCode): void {
  assert.throws(fn, (error: unknown) => error instanceof AmfEncodeError && error.code === code);
}
