// Reading Tencent Mars's own .xlog files (mars/xlog, see docs/xlog-format.md): 73-byte block
// headers {magic, u16 seq, begin hour, end hour, u32 length, 64-byte client public key}, then
// the payload and a 0x00 end byte; little-endian as written on ARM/x86. Encrypted payloads are
// TEA (16 rounds) in ECB over 8-byte groups, with a key from secp256k1 ECDH. Pure.

export const MARS_HEADER_BYTES = 73;
export const MARS_MAGIC_END = 0x00;

export type MarsCompression = 'zlib' | 'zstd';

export interface MarsMagic {
  compression: MarsCompression;
  /** Sync-mode blocks hold plain text whatever their name says (Mars's sync path skips both steps). */
  sync: boolean;
  encrypted: boolean;
}

const MAGICS: Record<number, MarsMagic> = {
  0x06: { compression: 'zlib', sync: true, encrypted: true },
  0x07: { compression: 'zlib', sync: false, encrypted: true },
  0x08: { compression: 'zlib', sync: true, encrypted: false },
  0x09: { compression: 'zlib', sync: false, encrypted: false },
  0x0a: { compression: 'zstd', sync: true, encrypted: true },
  0x0b: { compression: 'zstd', sync: true, encrypted: false },
  0x0c: { compression: 'zstd', sync: false, encrypted: true },
  0x0d: { compression: 'zstd', sync: false, encrypted: false },
};

export interface MarsBlockHeader {
  magic: number;
  mode: MarsMagic;
  seq: number;
  beginHour: number;
  endHour: number;
  length: number;
  /** x‖y of the client's ephemeral secp256k1 key (zeros in unencrypted blocks). */
  clientPublicKey: Uint8Array;
}

/**
 * The Mars block at `offset` if one plausibly starts there: known magic, payload within the
 * bytes, 0x00 after it. The check is weak (one magic byte), so the decoder also asks that the
 * next block look valid when it is hunting for the start, as Mars's own decoder does.
 */
export function parseMarsHeader(bytes: Uint8Array, offset: number): MarsBlockHeader | null {
  const mode = MAGICS[bytes[offset]];
  if (mode === undefined || offset + MARS_HEADER_BYTES + 1 > bytes.length) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, MARS_HEADER_BYTES);
  const length = view.getUint32(5, true);
  const end = offset + MARS_HEADER_BYTES + length;
  if (length > bytes.length - offset - MARS_HEADER_BYTES - 1 || bytes[end] !== MARS_MAGIC_END) return null;
  return {
    magic: bytes[offset],
    mode,
    seq: view.getUint16(1, true),
    beginHour: bytes[offset + 3],
    endHour: bytes[offset + 4],
    length,
    clientPublicKey: bytes.subarray(offset + 9, offset + MARS_HEADER_BYTES),
  };
}

export function marsBlockLength(header: MarsBlockHeader): number {
  return MARS_HEADER_BYTES + header.length + 1;
}

const TEA_DELTA = 0x9e3779b9;
const TEA_ROUNDS = 16;

/** Mars's TEA key: the first 16 bytes of the ECDH x-coordinate as four little-endian words. */
export function teaKeyFromSecret(secret: Uint8Array): Uint32Array {
  const view = new DataView(secret.buffer, secret.byteOffset, 16);
  return Uint32Array.of(view.getUint32(0, true), view.getUint32(4, true), view.getUint32(8, true), view.getUint32(12, true));
}

/**
 * Deciphers every whole 8-byte group of `data` in place; a tail shorter than 8 bytes was left
 * in clear by the writer and stays as it is.
 */
export function teaDecryptInPlace(data: Uint8Array, key: Uint32Array): void {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const [k0, k1, k2, k3] = key;
  for (let at = 0; at + 8 <= data.length; at += 8) {
    let v0 = view.getUint32(at, true);
    let v1 = view.getUint32(at + 4, true);
    let sum = Math.imul(TEA_DELTA, TEA_ROUNDS) >>> 0;
    for (let round = 0; round < TEA_ROUNDS; round++) {
      v1 = (v1 - ((((v0 << 4) + k2) ^ (v0 + sum) ^ ((v0 >>> 5) + k3)) >>> 0)) >>> 0;
      v0 = (v0 - ((((v1 << 4) + k0) ^ (v1 + sum) ^ ((v1 >>> 5) + k1)) >>> 0)) >>> 0;
      sum = (sum - TEA_DELTA) >>> 0;
    }
    view.setUint32(at, v0, true);
    view.setUint32(at + 4, v1, true);
  }
}

/** One line as Mars's formatter writes it: `[L][date time][pid, tid*][tag][file:line, func][body`. */
export interface MarsLine {
  level?: string;
  time?: string;
  pid?: number;
  tid?: number;
  mainThread?: boolean;
  tag?: string;
  location?: string;
  message: string;
  /** The line as found, without its newline. */
  text: string;
}

const LETTER_LEVELS: Record<string, string> = { V: 'verbose', D: 'debug', I: 'info', W: 'warn', E: 'error', F: 'fatal' };
const LINE_PATTERN = /^\[([VDIWEF])\]\[([^\]]*)\]\[(\d+), (\d+)(\*?)\]\[([^\]]*)\]\[([^\]]*)\]\[(.*)$/s;

/** Splits a Mars line into its fields; lines in another shape keep only `text` and `message`. */
export function parseMarsLine(text: string): MarsLine {
  const m = LINE_PATTERN.exec(text);
  if (m === null) return { message: text, text };
  return {
    level: LETTER_LEVELS[m[1]],
    time: m[2],
    pid: Number(m[3]),
    tid: Number(m[4]),
    mainThread: m[5] === '*',
    tag: m[6],
    location: m[7],
    message: m[8],
    text,
  };
}
