// Builds blocks for one logger session (Node): compresses a segment's records, seals them with
// the session's block key, and wraps crash-buffer leftovers of a dead session as rescued blocks.
// One X25519 ECDH per session, not per block: every block still carries the ephemeral public
// key, so each decodes on its own.

import { diffieHellman, generateKeyPairSync, randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import { blockAad, NONCE_BYTES, TAG_BYTES, encodeBlockHeader, type BlockHeader, type Compression } from './block.ts';
import type { SessionKeys } from './decoder.ts';
import { crashKeystream, deriveSessionKeys, keyIdOfPublic, rawPublic, sealBatch, x25519PublicKey } from './keys.ts';
import type { SegmentHeader } from './segment.ts';

/** What the crash buffer needs to encrypt its frames for this session. */
export interface CrashCipher {
  keyId: Uint8Array;
  ephemeralPublicKey: Uint8Array;
  keystream(iv: Uint8Array, length: number): Uint8Array;
}

export interface BlockEncoderOptions {
  compression: Compression;
  /** Raw 32-byte X25519 public key of the reader; absent = no encryption. */
  recipientPublicKey?: Uint8Array;
  session: number;
  pid: number;
}

export class BlockEncoder {
  readonly crashCipher: CrashCipher | undefined;
  private readonly compression: Compression;
  private readonly session: number;
  private readonly pid: number;
  private readonly keys: SessionKeys | undefined;
  private readonly keyId: Uint8Array | undefined;
  private readonly ephemeralPublicKey: Uint8Array | undefined;
  private seq = 0;

  constructor(options: BlockEncoderOptions) {
    this.compression = options.compression;
    this.session = options.session;
    this.pid = options.pid;
    if (options.recipientPublicKey) {
      const recipient = x25519PublicKey(options.recipientPublicKey);
      const ephemeral = generateKeyPairSync('x25519');
      const ephemeralPublicKey = rawPublic(ephemeral.publicKey);
      const shared = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient });
      const keys = deriveSessionKeys(shared, ephemeralPublicKey, options.recipientPublicKey);
      this.keys = keys;
      this.keyId = keyIdOfPublic(options.recipientPublicKey);
      this.ephemeralPublicKey = ephemeralPublicKey;
      this.crashCipher = { keyId: this.keyId, ephemeralPublicKey, keystream: (iv, length) => crashKeystream(keys, iv, length) };
    }
  }

  /** One block holding `count` records whose bytes are `raw`. */
  encodeBatch(raw: Uint8Array, count: number, firstTime: number): Buffer {
    const compressed = compress(this.compression, raw);
    const header: BlockHeader = {
      kind: 'batch',
      compression: this.compression,
      session: this.session,
      pid: this.pid,
      seq: ++this.seq,
      aux: count,
      firstTime,
      payloadLength: compressed.length,
      rawLength: raw.length,
      payloadCrc: 0,
    };
    if (!this.keys || !this.keyId || !this.ephemeralPublicKey) {
      header.payloadCrc = zlib.crc32(compressed);
      return Buffer.concat([encodeBlockHeader(header), compressed]);
    }
    // Tag and payload CRC exist only after sealing, and the AAD leaves both out, so the header
    // is encoded once for the AAD and again with them filled in.
    header.encryption = { keyId: this.keyId, ephemeralPublicKey: this.ephemeralPublicKey, nonce: randomBytes(NONCE_BYTES), tag: new Uint8Array(TAG_BYTES) };
    const aad = blockAad(encodeBlockHeader(header));
    const { ciphertext, tag } = sealBatch(this.keys, header.encryption.nonce, aad, compressed);
    header.encryption.tag = tag;
    header.payloadCrc = zlib.crc32(ciphertext);
    return Buffer.concat([encodeBlockHeader(header), ciphertext]);
  }
}

/** A dead session's crash segment, copied verbatim: the new session cannot decrypt it, the reader can. */
export function encodeRescued(segment: SegmentHeader, region: Uint8Array): Buffer {
  const header: BlockHeader = {
    kind: 'rescued',
    compression: 'none',
    session: segment.session,
    pid: segment.pid,
    seq: segment.serial,
    aux: segment.generation,
    firstTime: segment.openedTime,
    payloadLength: region.length,
    rawLength: region.length,
    payloadCrc: zlib.crc32(region),
  };
  if (segment.encryption) {
    header.encryption = { keyId: segment.encryption.keyId, ephemeralPublicKey: segment.encryption.ephemeralPublicKey, nonce: segment.encryption.iv, tag: new Uint8Array(TAG_BYTES) };
  }
  return Buffer.concat([encodeBlockHeader(header), region]);
}

function compress(compression: Compression, raw: Uint8Array): Uint8Array {
  if (compression === 'zstd') return zlib.zstdCompressSync(raw);
  if (compression === 'deflate') return zlib.deflateRawSync(raw, { level: 6 });
  return raw;
}
