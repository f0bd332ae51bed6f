// Our block format, the unit a log file is made of (docs/xlog-format.md has the byte table).
// Every block stands alone: its header is checksummed, its payload is checksummed (and, when
// encrypted, authenticated), and it carries what a reader needs to decrypt it. A reader that
// lands in damaged bytes scans forward for the next magic whose header checksum holds.
// Pure: no Node APIs, so a browser decoder can share it.

import { crc32 } from './crc32.ts';

/** 0x89 keeps the magic out of 7-bit text; then "XLG". */
export const BLOCK_MAGIC = Uint8Array.of(0x89, 0x58, 0x4c, 0x47);
export const BLOCK_VERSION = 1;

export type BlockKind = 'batch' | 'rescued';
export type Compression = 'none' | 'deflate' | 'zstd';

const KIND_IDS: Record<BlockKind, number> = { batch: 1, rescued: 2 };
const COMPRESSION_IDS: Record<Compression, number> = { none: 0, deflate: 1, zstd: 2 };
const FLAG_ENCRYPTED = 0x01;

export const PLAIN_HEADER_BYTES = 48;
export const ENCRYPTED_HEADER_BYTES = 112;
export const KEY_ID_BYTES = 4;
export const PUBLIC_KEY_BYTES = 32;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
/** Payload CRC field: the one header field the AAD leaves out (it is computed over the ciphertext). */
const PAYLOAD_CRC_OFFSET = 40;
const TAG_OFFSET = 92;

/** Far above what the writer produces (one 128 KiB segment per block); guards the reader's allocations. */
export const MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;
export const MAX_RAW_BYTES = 16 * 1024 * 1024;

export interface BlockEncryption {
  /** First 4 bytes of SHA-256 of the recipient's public key: tells a wrong key from a damaged block. */
  keyId: Uint8Array;
  /** The writer session's ephemeral X25519 public key. */
  ephemeralPublicKey: Uint8Array;
  /** Batch: the AES-256-GCM nonce. Rescued: the AES-256-CTR IV's first 12 bytes (counter starts at 0). */
  nonce: Uint8Array;
  /** Batch: the GCM tag. Rescued: zeros (frames are CRC-checked only, see the format doc). */
  tag: Uint8Array;
}

export interface BlockHeader {
  kind: BlockKind;
  compression: Compression;
  /** Random per logger instance; with seq it lets the reader spot missing blocks. */
  session: number;
  pid: number;
  /** Batch: 1, 2, 3… per session. Rescued: the crash segment's serial. */
  seq: number;
  /** Batch: number of records. Rescued: the segment generation, which seeds every frame CRC. */
  aux: number;
  /** Wall-clock ms of the block's first record, for time-window scans without decoding. */
  firstTime: number;
  payloadLength: number;
  /** Payload length after decryption and decompression. */
  rawLength: number;
  payloadCrc: number;
  encryption?: BlockEncryption;
}

/**
 * GCM additional data of an encrypted block: every header byte before the tag except the
 * payload CRC, which only exists once the ciphertext does. `header` starts at the magic.
 */
export function blockAad(header: Uint8Array): Uint8Array {
  const aad = new Uint8Array(TAG_OFFSET - 4);
  aad.set(header.subarray(0, PAYLOAD_CRC_OFFSET), 0);
  aad.set(header.subarray(PAYLOAD_CRC_OFFSET + 4, TAG_OFFSET), PAYLOAD_CRC_OFFSET);
  return aad;
}

export function blockHeaderLength(encrypted: boolean): number {
  return encrypted ? ENCRYPTED_HEADER_BYTES : PLAIN_HEADER_BYTES;
}

export function encodeBlockHeader(h: BlockHeader): Uint8Array {
  const length = blockHeaderLength(h.encryption !== undefined);
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);
  out.set(BLOCK_MAGIC, 0);
  out[4] = BLOCK_VERSION;
  out[5] = KIND_IDS[h.kind];
  out[6] = COMPRESSION_IDS[h.compression];
  out[7] = h.encryption ? FLAG_ENCRYPTED : 0;
  view.setUint32(8, h.session, true);
  view.setUint32(12, h.pid, true);
  view.setUint32(16, h.seq, true);
  view.setUint32(20, h.aux, true);
  view.setFloat64(24, h.firstTime, true);
  view.setUint32(32, h.payloadLength, true);
  view.setUint32(36, h.rawLength, true);
  view.setUint32(PAYLOAD_CRC_OFFSET, h.payloadCrc, true);
  if (h.encryption) {
    out.set(h.encryption.keyId, 44);
    out.set(h.encryption.ephemeralPublicKey, 48);
    out.set(h.encryption.nonce, 80);
    out.set(h.encryption.tag, TAG_OFFSET);
  }
  view.setUint32(length - 4, crc32(out.subarray(0, length - 4)), true);
  return out;
}

/** True when the four magic bytes start at `offset`. */
export function hasBlockMagic(bytes: Uint8Array, offset: number): boolean {
  return (
    offset + 4 <= bytes.length &&
    bytes[offset] === BLOCK_MAGIC[0] &&
    bytes[offset + 1] === BLOCK_MAGIC[1] &&
    bytes[offset + 2] === BLOCK_MAGIC[2] &&
    bytes[offset + 3] === BLOCK_MAGIC[3]
  );
}

/**
 * The header at `offset`, or null when there is none: wrong magic or version, unknown kind or
 * compression, too few bytes, or a header checksum that does not hold. Length limits are not
 * checked here: the caller reports oversized blocks as issues.
 */
export function parseBlockHeader(bytes: Uint8Array, offset: number): BlockHeader | null {
  if (!hasBlockMagic(bytes, offset) || offset + PLAIN_HEADER_BYTES > bytes.length) return null;
  if (bytes[offset + 4] !== BLOCK_VERSION) return null;
  const kind = kindOf(bytes[offset + 5]);
  const compression = compressionOf(bytes[offset + 6]);
  const flags = bytes[offset + 7];
  if (kind === null || compression === null || (flags & ~FLAG_ENCRYPTED) !== 0) return null;
  const encrypted = (flags & FLAG_ENCRYPTED) !== 0;
  const length = blockHeaderLength(encrypted);
  if (offset + length > bytes.length) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, length);
  if (view.getUint32(length - 4, true) !== crc32(bytes.subarray(offset, offset + length - 4))) return null;
  const header: BlockHeader = {
    kind,
    compression,
    session: view.getUint32(8, true),
    pid: view.getUint32(12, true),
    seq: view.getUint32(16, true),
    aux: view.getUint32(20, true),
    firstTime: view.getFloat64(24, true),
    payloadLength: view.getUint32(32, true),
    rawLength: view.getUint32(36, true),
    payloadCrc: view.getUint32(PAYLOAD_CRC_OFFSET, true),
  };
  if (encrypted) {
    const at = (start: number, n: number) => bytes.slice(offset + start, offset + start + n);
    header.encryption = {
      keyId: at(44, KEY_ID_BYTES),
      ephemeralPublicKey: at(48, PUBLIC_KEY_BYTES),
      nonce: at(80, NONCE_BYTES),
      tag: at(TAG_OFFSET, TAG_BYTES),
    };
  }
  return header;
}

function kindOf(id: number): BlockKind | null {
  return id === 1 ? 'batch' : id === 2 ? 'rescued' : null;
}

function compressionOf(id: number): Compression | null {
  return id === 0 ? 'none' : id === 1 ? 'deflate' : id === 2 ? 'zstd' : null;
}
