// Keys and the crypto both ends share (Node). Text encoding of keys, as printed by `xlog keygen`
// and accepted by createLogger({ publicKey }) and `xlog decode --key`: lowercase or uppercase
// hex of the raw key bytes, 64 hex digits for an X25519 private or public key (RFC 7748 byte
// order); Mars keys (secp256k1) are 64 hex digits private, 128 hex digits public (x‖y).

import { createCipheriv, createDecipheriv, createECDH, createHash, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, type KeyObject } from 'node:crypto';
import zlib from 'node:zlib';
import { KEY_ID_BYTES } from './block.ts';
import type { DecoderPrimitives, SessionKeys } from './decoder.ts';
import { XlogError } from './errors.ts';

export const KEY_BYTES = 32;
const HKDF_INFO = Buffer.from('livelink-xlog/1 session keys');
// DER prefixes that wrap a raw X25519 key as PKCS#8 / SPKI (RFC 8410), so node:crypto can use it.
const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_X25519_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

export interface KeyPairText {
  privateKey: string;
  publicKey: string;
}

/** Raw bytes of a hex key; throws XlogError('bad-key') naming what was expected. */
export function parseKeyHex(text: string, byteLength: number, what: string): Uint8Array {
  const trimmed = text.trim();
  if (trimmed.length !== byteLength * 2 || !/^[0-9a-fA-F]+$/.test(trimmed)) {
    throw new XlogError('bad-key', `${what} must be ${byteLength * 2} hex digits, got ${trimmed.length} characters`);
  }
  return new Uint8Array(Buffer.from(trimmed, 'hex'));
}

export function generateKeyPair(): KeyPairText {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  return { privateKey: rawPrivate(privateKey).toString('hex'), publicKey: rawPublic(publicKey).toString('hex') };
}

/** A key pair for configuring a Mars client (its pub_key) whose logs `xlog decode` then reads. */
export function generateMarsKeyPair(): KeyPairText {
  const ecdh = createECDH('secp256k1');
  ecdh.generateKeys();
  return { privateKey: ecdh.getPrivateKey('hex').padStart(64, '0'), publicKey: ecdh.getPublicKey('hex', 'uncompressed').slice(2) };
}

export function x25519PrivateKey(raw: Uint8Array): KeyObject {
  try {
    return createPrivateKey({ key: Buffer.concat([PKCS8_X25519_PREFIX, raw]), format: 'der', type: 'pkcs8' });
  } catch {
    throw new XlogError('bad-key', 'not an X25519 private key');
  }
}

export function x25519PublicKey(raw: Uint8Array): KeyObject {
  try {
    return createPublicKey({ key: Buffer.concat([SPKI_X25519_PREFIX, raw]), format: 'der', type: 'spki' });
  } catch {
    throw new XlogError('bad-key', 'not an X25519 public key');
  }
}

export function rawPublic(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'spki' }).subarray(SPKI_X25519_PREFIX.length);
}

function rawPrivate(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_X25519_PREFIX.length);
}

/** First 4 bytes of SHA-256 of a recipient public key. */
export function keyIdOfPublic(publicKey: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(publicKey).digest().subarray(0, KEY_ID_BYTES));
}

/**
 * Block key (AES-256-GCM) and crash key (AES-256-CTR) of one session: HKDF-SHA256 over the
 * X25519 secret, salted with both public keys so each session's keys are bound to its pair.
 */
export function deriveSessionKeys(shared: Uint8Array, ephemeralPublicKey: Uint8Array, recipientPublicKey: Uint8Array): SessionKeys {
  const okm = Buffer.from(hkdfSync('sha256', shared, Buffer.concat([ephemeralPublicKey, recipientPublicKey]), HKDF_INFO, 64));
  return { blockKey: okm.subarray(0, 32), crashKey: okm.subarray(32, 64) };
}

export function sealBatch(keys: SessionKeys, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): { ciphertext: Buffer; tag: Buffer } {
  const cipher = createCipheriv('aes-256-gcm', keys.blockKey, nonce);
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { ciphertext, tag: cipher.getAuthTag() };
}

export function crashKeystream(keys: SessionKeys, iv: Uint8Array, length: number): Buffer {
  const counterBlock = Buffer.alloc(16);
  counterBlock.set(iv, 0);
  return createCipheriv('aes-256-ctr', keys.crashKey, counterBlock).update(Buffer.alloc(length));
}

/** Node's implementation of the decoder's crypto and decompression. */
export const nodePrimitives: DecoderPrimitives = {
  decompress(algorithm, data, maxOutput, finishStream) {
    if (algorithm === 'zstd') {
      const finishFlush = finishStream ? zlib.constants.ZSTD_e_end : zlib.constants.ZSTD_e_flush;
      return zlib.zstdDecompressSync(data, { maxOutputLength: maxOutput, finishFlush });
    }
    const finishFlush = finishStream ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH;
    return zlib.inflateRawSync(data, { maxOutputLength: maxOutput, finishFlush });
  },
  deriveSessionKeys(privateKey, ephemeralPublicKey) {
    const ownPrivate = x25519PrivateKey(privateKey);
    const shared = diffieHellman({ privateKey: ownPrivate, publicKey: x25519PublicKey(ephemeralPublicKey) });
    return deriveSessionKeys(shared, ephemeralPublicKey, rawPublic(createPublicKey(ownPrivate)));
  },
  keyIdOf(privateKey) {
    return keyIdOfPublic(rawPublic(createPublicKey(x25519PrivateKey(privateKey))));
  },
  openBatch(keys, nonce, tag, aad, ciphertext) {
    const decipher = createDecipheriv('aes-256-gcm', keys.blockKey, nonce);
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  },
  crashKeystream,
  marsSharedSecret(privateKey, clientPublicKey) {
    const ecdh = createECDH('secp256k1');
    ecdh.setPrivateKey(privateKey);
    return ecdh.computeSecret(Buffer.concat([Buffer.of(4), clientPublicKey]));
  },
};
