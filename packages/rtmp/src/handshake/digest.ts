// The "complex" (Flash) handshake hides an HMAC-SHA256 digest at a data-dependent offset inside C1/S1, and signs
// C2/S2 with a key derived from the peer's digest. Flash Player required it before it would play H.264/AAC, and
// ffmpeg as a player rejects a server whose S1 claims a version >= 3 without a valid digest.

import { createHash } from 'node:crypto';

export const HANDSHAKE_SIZE = 1536;
export const DIGEST_SIZE = 32;
/** Bytes of C2/S2 covered by its signature; the signature fills the last 32 bytes. */
export const SIGNED_SIZE = HANDSHAKE_SIZE - DIGEST_SIZE;

/** Appended to both text keys to form the full keys used to derive C2/S2 signing keys. */
const KEY_SUFFIX = Buffer.from([
  0xf0, 0xee, 0xc2, 0x4a, 0x80, 0x68, 0xbe, 0xe8, 0x2e, 0x00, 0xd0, 0xd1, 0x02, 0x9e, 0x7e, 0x57,
  0x6e, 0xec, 0x5d, 0x2d, 0x29, 0x80, 0x6f, 0xab, 0x93, 0xb8, 0xe6, 0x36, 0xcf, 0xeb, 0x31, 0xae,
]);
const PLAYER_TEXT = Buffer.from('Genuine Adobe Flash Player 001', 'latin1');
const SERVER_TEXT = Buffer.from('Genuine Adobe Flash Media Server 001', 'latin1');

/** Signs C1 (30 bytes). */
export const PLAYER_KEY = PLAYER_TEXT;
/** Signs S1 (36 bytes). */
export const SERVER_KEY = SERVER_TEXT;
/** Derives the key that signs C2 (62 bytes). */
export const PLAYER_FULL_KEY = Buffer.concat([PLAYER_TEXT, KEY_SUFFIX]);
/** Derives the key that signs S2 (68 bytes). */
export const SERVER_FULL_KEY = Buffer.concat([SERVER_TEXT, KEY_SUFFIX]);

/**
 * Where the digest block sits. Schema 0: time, version, key block, digest block (digest block at 772).
 * Schema 1: time, version, digest block, key block (digest block at 8). Flash servers answer in the client's schema.
 */
export type DigestSchema = 0 | 1;

const DIGEST_BLOCK_START: Record<DigestSchema, number> = { 0: 772, 1: 8 };
/** The digest must fit in its 764-byte block after the 4 offset bytes: (764 - 4 - 32) = 728 possible offsets. */
const DIGEST_OFFSET_MODULUS = 728;

/** Absolute position of the 32 digest bytes in a C1/S1 laid out with `schema`. */
export function digestPosition(packet: Uint8Array, schema: DigestSchema): number {
  const start = DIGEST_BLOCK_START[schema];
  const sum = packet[start] + packet[start + 1] + packet[start + 2] + packet[start + 3];
  return start + 4 + (sum % DIGEST_OFFSET_MODULUS);
}

const SHA256_BLOCK_SIZE = 64;
const INNER_PAD = 0x36;
const OUTER_PAD = 0x5c;

/**
 * HMAC-SHA256 (RFC 2104) over node:crypto's SHA-256. Not createHmac: Node 24 prepares a secret key for every
 * createHmac call and builds an Error with a stack trace on the way (seen in perf), ~13 µs a call against ~4 µs
 * here. A server that handshakes 1000 players at once runs six of these per player, and that garbage also
 * fragmented the malloc heap that players leave behind.
 */
export function hmacSha256(key: Uint8Array, ...parts: Uint8Array[]): Buffer {
  const pad = Buffer.alloc(SHA256_BLOCK_SIZE);
  pad.set(key.length > SHA256_BLOCK_SIZE ? createHash('sha256').update(key).digest() : key);
  for (let i = 0; i < SHA256_BLOCK_SIZE; i++) pad[i] ^= INNER_PAD;
  const inner = createHash('sha256').update(pad);
  for (const part of parts) inner.update(part);
  const innerDigest = inner.digest();
  for (let i = 0; i < SHA256_BLOCK_SIZE; i++) pad[i] ^= INNER_PAD ^ OUTER_PAD;
  return createHash('sha256').update(pad).update(innerDigest).digest();
}

/** The digest a C1/S1 should carry at `position`: HMAC of every byte except the digest itself. */
function packetDigest(packet: Uint8Array, position: number, key: Uint8Array): Buffer {
  return hmacSha256(key, packet.subarray(0, position), packet.subarray(position + DIGEST_SIZE, HANDSHAKE_SIZE));
}

/** Writes a valid digest into a 1536-byte C1/S1 (whose other bytes are already final). Returns the digest. */
export function imprintDigest(packet: Buffer, schema: DigestSchema, key: Uint8Array): Buffer {
  const position = digestPosition(packet, schema);
  const digest = packetDigest(packet, position, key);
  digest.copy(packet, position);
  return digest;
}

/** Finds a valid digest in C1/S1, trying schema 0 first (what Flash Player sends), then schema 1 (ffmpeg, FMLE). */
export function findDigest(packet: Uint8Array, key: Uint8Array): { schema: DigestSchema; digest: Buffer } | null {
  for (const schema of [0, 1] as const) {
    const position = digestPosition(packet, schema);
    const expected = packetDigest(packet, position, key);
    if (expected.equals(packet.subarray(position, position + DIGEST_SIZE))) return { schema, digest: expected };
  }
  return null;
}

/** Signs C2/S2: its last 32 bytes are an HMAC, keyed by HMAC(fullKey, peer's C1/S1 digest), of the first 1504. */
export function signResponse(response: Buffer, peerDigest: Uint8Array, fullKey: Uint8Array): void {
  signature(response, peerDigest, fullKey).copy(response, SIGNED_SIZE);
}

export function verifyResponse(response: Uint8Array, peerDigest: Uint8Array, fullKey: Uint8Array): boolean {
  return signature(response, peerDigest, fullKey).equals(response.subarray(SIGNED_SIZE, HANDSHAKE_SIZE));
}

function signature(response: Uint8Array, peerDigest: Uint8Array, fullKey: Uint8Array): Buffer {
  return hmacSha256(hmacSha256(fullKey, peerDigest), response.subarray(0, SIGNED_SIZE));
}
