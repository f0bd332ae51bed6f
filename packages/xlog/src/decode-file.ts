// Decoding entry points for Node: bytes or a file, with keys given as hex text or bytes.

import fs from 'node:fs';
import { decodeAll, type DecodeIssue, type DecodeSummary } from './decoder.ts';
import { type DecodedEntry } from './format.ts';
import { KEY_BYTES, nodePrimitives, parseKeyHex } from './keys.ts';

export interface DecodedFile {
  entries: DecodedEntry[];
  issues: DecodeIssue[];
  summary: DecodeSummary;
}

export interface DecodeKeyOptions {
  /** 64 hex digits (or 32 bytes): an X25519 key from `xlog keygen`, or a Mars secp256k1 key. */
  privateKey?: string | Uint8Array;
}

/** Throws XlogError 'key-required' / 'wrong-key' / 'bad-key'; damage is reported in `issues`. */
export function decodeBytes(bytes: Uint8Array, options: DecodeKeyOptions = {}): DecodedFile {
  const privateKey = typeof options.privateKey === 'string' ? parseKeyHex(options.privateKey, KEY_BYTES, 'private key') : options.privateKey;
  return decodeAll(bytes, nodePrimitives, { privateKey });
}

export function decodeFile(path: string, options: DecodeKeyOptions = {}): DecodedFile {
  return decodeBytes(fs.readFileSync(path), options);
}
