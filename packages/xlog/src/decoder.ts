// Turns the bytes of a log file (ours or Mars's) back into records. The scan never trusts a
// length it has not checked: it walks byte by byte until a header verifies, decodes that block,
// and on any damage reports an issue and resumes the scan right after the damaged header, so a
// damaged region costs at most the blocks it touches. Pure: crypto and decompression come in
// through DecoderPrimitives (node-primitives.ts for Node; a browser port would supply WebCrypto
// X25519/AES-GCM/AES-CTR, DecompressionStream('deflate-raw') and a zstd/secp256k1 library).

import {
  blockAad,
  MAX_PAYLOAD_BYTES,
  MAX_RAW_BYTES,
  blockHeaderLength,
  parseBlockHeader,
  type BlockHeader,
  type Compression,
} from './block.ts';
import { crc32 } from './crc32.ts';
import { XlogError, type XlogErrorCode } from './errors.ts';
import {
  MARS_HEADER_BYTES,
  marsBlockLength,
  parseMarsHeader,
  parseMarsLine,
  teaDecryptInPlace,
  teaKeyFromSecret,
  type MarsBlockHeader,
  type MarsLine,
} from './mars.ts';
import { decodeRecord, decodeRecords, type LogRecord } from './record.ts';
import { walkFrames } from './segment.ts';

/** Symmetric keys of one writer session, derived from the ECDH secret. Opaque to the core. */
export interface SessionKeys {
  blockKey: Uint8Array;
  crashKey: Uint8Array;
}

export interface DecoderPrimitives {
  /** `finishStream` false tolerates a stream without its end (Mars never finishes its deflate stream). */
  decompress(algorithm: Exclude<Compression, 'none'> | 'zlib', data: Uint8Array, maxOutput: number, finishStream: boolean): Uint8Array;
  /** Our session keys for a block written to the holder of `privateKey`. */
  deriveSessionKeys(privateKey: Uint8Array, ephemeralPublicKey: Uint8Array): SessionKeys;
  keyIdOf(privateKey: Uint8Array): Uint8Array;
  /** AES-256-GCM open; throws when the tag does not verify. */
  openBatch(keys: SessionKeys, nonce: Uint8Array, tag: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array;
  /** AES-256-CTR keystream from counter 0. */
  crashKeystream(keys: SessionKeys, iv: Uint8Array, length: number): Uint8Array;
  /** secp256k1 ECDH x-coordinate; throws when the public key is not on the curve. */
  marsSharedSecret(privateKey: Uint8Array, clientPublicKey: Uint8Array): Uint8Array;
}

export interface DecodeOptions {
  /** 32-byte private key: X25519 for our blocks, secp256k1 for Mars's. */
  privateKey?: Uint8Array;
  /** Cap on one block's decompressed size (default 16 MiB). */
  maxRawBytes?: number;
}

/** Where a record came from, for JSON output and gap reports. */
export interface BlockOrigin {
  offset: number;
  session: number;
  pid: number;
  /** Recovered from a crash buffer after the writer died. */
  rescued: boolean;
}

export interface DecodeIssue {
  code: XlogErrorCode;
  /** Byte offset in the file where the problem starts, and how many bytes it spans. */
  offset: number;
  length: number;
  message: string;
}

export type DecodeEvent =
  | { type: 'record'; record: LogRecord; origin: BlockOrigin }
  | { type: 'mars-line'; line: MarsLine; offset: number }
  | { type: 'issue'; issue: DecodeIssue };

interface ScanState {
  bytes: Uint8Array;
  options: DecodeOptions;
  primitives: DecoderPrimitives;
  keyId?: Uint8Array;
  sessionKeys: Map<string, SessionKeys>;
  lastSeq: Map<number, number>;
  lastMarsSeq: number;
  /** Bytes before this offset are already accounted for by a damaged-block issue. */
  coveredUntil: number;
  summary: DecodeSummary;
}

export interface DecodeSummary {
  blocks: number;
  encryptedBlocks: number;
  /** Encrypted blocks whose payload decrypted and decompressed. */
  encryptedOpened: number;
  /**
   * Encrypted blocks that failed in a way a wrong key explains: ours with no key or another key
   * id; Mars's whose TEA output did not decompress to text (Mars blocks carry no key id).
   */
  keyFailures: number;
}

/** Decodes a whole file lazily, block by block. Never throws for bad bytes: those become issues. */
export function* decodeEvents(
  bytes: Uint8Array,
  primitives: DecoderPrimitives,
  options: DecodeOptions = {},
): Generator<DecodeEvent, DecodeSummary> {
  const state: ScanState = {
    bytes,
    options,
    primitives,
    keyId: options.privateKey ? primitives.keyIdOf(options.privateKey) : undefined,
    sessionKeys: new Map(),
    lastSeq: new Map(),
    lastMarsSeq: 0,
    coveredUntil: 0,
    summary: { blocks: 0, encryptedBlocks: 0, encryptedOpened: 0, keyFailures: 0 },
  };
  let offset = 0;
  let junkStart = -1;
  let inSync = false;
  while (offset < bytes.length) {
    const ours = parseBlockHeader(bytes, offset);
    const mars = ours === null ? parseMarsHeader(bytes, offset) : null;
    const accepted = ours !== null || (mars !== null && (inSync || marsFollowedByBlock(bytes, offset, mars)));
    if (!accepted) {
      if (junkStart < 0) junkStart = offset;
      offset++;
      inSync = false;
      continue;
    }
    if (junkStart >= 0) yield* reportJunk(state, junkStart, offset);
    junkStart = -1;
    state.summary.blocks++;
    const result = ours !== null ? yield* decodeOurBlock(state, offset, ours) : yield* decodeMarsBlock(state, offset, mars!);
    inSync = result.intact;
    offset = result.next;
  }
  if (junkStart >= 0) yield* reportJunk(state, junkStart, bytes.length);
  return state.summary;
}

function* reportJunk(state: ScanState, start: number, end: number): Generator<DecodeEvent> {
  const from = Math.max(start, state.coveredUntil);
  if (from < end) yield issue('garbage', from, end - from, `${end - from} bytes belong to no block`);
}

/** What a block decode leaves behind: where to scan next, and whether the block was whole. */
interface BlockResult {
  next: number;
  intact: boolean;
}

function* decodeOurBlock(state: ScanState, offset: number, header: BlockHeader): Generator<DecodeEvent, BlockResult> {
  const payloadStart = offset + blockHeaderLength(header.encryption !== undefined);
  const end = payloadStart + header.payloadLength;
  const damage = checkExtent(state, header, offset, payloadStart, end);
  if (damage) {
    // The header verified, so the damage is inside this block: resume scanning after its header,
    // where the next block may start if this one was cut short by a crash and then appended to.
    state.coveredUntil = Math.min(end, state.bytes.length);
    yield { type: 'issue', issue: damage };
    return { next: payloadStart, intact: false };
  }
  if (header.encryption) state.summary.encryptedBlocks++;
  const origin: BlockOrigin = { offset, session: header.session, pid: header.pid, rescued: header.kind === 'rescued' };
  let records: LogRecord[];
  try {
    const payload = state.bytes.subarray(payloadStart, end);
    records = header.kind === 'batch' ? openBatch(state, offset, header, payload) : openRescued(state, header, payload);
  } catch (error) {
    if (!(error instanceof XlogError)) throw error;
    if (error.code === 'wrong-key' || error.code === 'key-required') state.summary.keyFailures++;
    yield issue(error.code, offset, end - offset, `block seq ${header.seq}: ${error.message}`);
    return { next: end, intact: true };
  }
  if (header.encryption) state.summary.encryptedOpened++;
  if (header.kind === 'batch') {
    const last = state.lastSeq.get(header.session);
    if (last !== undefined && header.seq > last + 1) {
      yield issue('missing-blocks', offset, 0, `session ${hex(header.session)}: blocks ${last + 1}-${header.seq - 1} are missing`);
    }
    state.lastSeq.set(header.session, header.seq);
  }
  for (const record of records) yield { type: 'record', record, origin };
  return { next: end, intact: true };
}

function checkExtent(state: ScanState, header: BlockHeader, offset: number, payloadStart: number, end: number): DecodeIssue | null {
  const limit = state.options.maxRawBytes ?? MAX_RAW_BYTES;
  if (header.payloadLength > MAX_PAYLOAD_BYTES || header.rawLength > limit) {
    return { code: 'too-large', offset, length: payloadStart - offset, message: `block seq ${header.seq} claims ${header.payloadLength} stored / ${header.rawLength} raw bytes` };
  }
  if (end > state.bytes.length) {
    const have = state.bytes.length - payloadStart;
    return { code: 'truncated-block', offset, length: state.bytes.length - offset, message: `block seq ${header.seq} needs ${header.payloadLength} payload bytes, the file has ${have}` };
  }
  if (crc32(state.bytes.subarray(payloadStart, end)) !== header.payloadCrc) {
    return { code: 'corrupt-block', offset, length: end - offset, message: `block seq ${header.seq} payload checksum mismatch` };
  }
  return null;
}

function openBatch(state: ScanState, offset: number, header: BlockHeader, payload: Uint8Array): LogRecord[] {
  let compressed = payload;
  if (header.encryption) {
    const keys = keysFor(state, header.encryption.keyId, header.encryption.ephemeralPublicKey);
    const aad = blockAad(state.bytes.subarray(offset));
    try {
      compressed = state.primitives.openBatch(keys, header.encryption.nonce, header.encryption.tag, aad, payload);
    } catch {
      throw new XlogError('auth-failed', 'authentication tag does not verify');
    }
  }
  const raw = header.compression === 'none' ? compressed : decompress(state, header.compression, compressed, header.rawLength, true);
  if (raw.length !== header.rawLength) {
    throw new XlogError('decompress-failed', `decompressed to ${raw.length} bytes, header says ${header.rawLength}`);
  }
  return decodeRecords(raw);
}

/** A rescued block is a crash-buffer segment's frame region copied verbatim by the next run. */
function openRescued(state: ScanState, header: BlockHeader, region: Uint8Array): LogRecord[] {
  if (header.compression !== 'none') throw new XlogError('unsupported', `rescued block with compression ${header.compression}`);
  const { frames, end } = walkFrames(region, header.aux);
  if (end !== region.length) throw new XlogError('bad-record', `frames stop verifying at region offset ${end}`);
  let keystream: Uint8Array | undefined;
  if (header.encryption) {
    const keys = keysFor(state, header.encryption.keyId, header.encryption.ephemeralPublicKey);
    keystream = state.primitives.crashKeystream(keys, header.encryption.nonce, region.length);
  }
  const records: LogRecord[] = [];
  for (const frame of frames) {
    let body = region.subarray(frame.bodyOffset, frame.bodyOffset + frame.bodyLength);
    if (keystream) {
      const clear = new Uint8Array(body.length);
      for (let i = 0; i < body.length; i++) clear[i] = body[i] ^ keystream[frame.bodyOffset + i];
      body = clear;
    }
    const [record, next] = decodeRecord(body, 0, body.length);
    if (next !== body.length) throw new XlogError('bad-record', `frame at region offset ${frame.bodyOffset} holds extra bytes`);
    records.push(record);
  }
  return records;
}

function keysFor(state: ScanState, keyId: Uint8Array, ephemeralPublicKey: Uint8Array): SessionKeys {
  if (!state.options.privateKey || !state.keyId) throw new XlogError('key-required', 'block is encrypted and no private key was given');
  if (!bytesEqual(keyId, state.keyId)) {
    throw new XlogError('wrong-key', `block is encrypted for key id ${hexBytes(keyId)}, the private key given has key id ${hexBytes(state.keyId)}`);
  }
  const cacheKey = hexBytes(ephemeralPublicKey);
  let keys = state.sessionKeys.get(cacheKey);
  if (keys === undefined) {
    try {
      keys = state.primitives.deriveSessionKeys(state.options.privateKey, ephemeralPublicKey);
    } catch {
      throw new XlogError('corrupt-block', 'ephemeral public key is not a usable X25519 point');
    }
    state.sessionKeys.set(cacheKey, keys);
  }
  return keys;
}

function* decodeMarsBlock(state: ScanState, offset: number, header: MarsBlockHeader): Generator<DecodeEvent, BlockResult> {
  const next = offset + marsBlockLength(header);
  if (header.seq !== 0 && header.seq !== 1 && state.lastMarsSeq !== 0 && header.seq !== state.lastMarsSeq + 1) {
    yield issue('missing-blocks', offset, 0, `Mars log seq ${state.lastMarsSeq + 1}-${header.seq - 1} is missing`);
  }
  if (header.seq !== 0) state.lastMarsSeq = header.seq;
  const encrypted = header.mode.encrypted && !header.mode.sync;
  if (encrypted) state.summary.encryptedBlocks++;
  const payload = state.bytes.subarray(offset + MARS_HEADER_BYTES, offset + MARS_HEADER_BYTES + header.length);
  let text: string;
  try {
    text = marsText(state, header, payload);
  } catch (error) {
    if (!(error instanceof XlogError)) throw error;
    if (encrypted && (error.code === 'decompress-failed' || error.code === 'key-required')) state.summary.keyFailures++;
    yield issue(error.code, offset, next - offset, `Mars block seq ${header.seq}: ${error.message}`);
    return { next, intact: true };
  }
  if (encrypted) state.summary.encryptedOpened++;
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) yield { type: 'mars-line', line: parseMarsLine(line), offset };
  return { next, intact: true };
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function marsText(state: ScanState, header: MarsBlockHeader, payload: Uint8Array): string {
  let data = payload;
  if (!header.mode.sync) {
    if (header.mode.encrypted) {
      if (!state.options.privateKey) throw new XlogError('key-required', 'block is encrypted and no private key was given');
      let secret: Uint8Array;
      try {
        secret = state.primitives.marsSharedSecret(state.options.privateKey, header.clientPublicKey);
      } catch {
        throw new XlogError('corrupt-block', 'client public key is not a secp256k1 point');
      }
      data = payload.slice();
      teaDecryptInPlace(data, teaKeyFromSecret(secret));
    }
    data = decompress(state, header.mode.compression, data, state.options.maxRawBytes ?? MAX_RAW_BYTES, false);
  }
  try {
    return strictUtf8.decode(data);
  } catch {
    // Wrong keys and damaged streams both end here: TEA output of a wrong key rarely inflates to text.
    throw new XlogError('decompress-failed', 'payload does not decode to UTF-8 text (wrong key or damaged block)');
  }
}

function decompress(state: ScanState, algorithm: Exclude<Compression, 'none'> | 'zlib', data: Uint8Array, maxOutput: number, finish: boolean): Uint8Array {
  try {
    return state.primitives.decompress(algorithm, data, maxOutput, finish);
  } catch (error) {
    throw new XlogError('decompress-failed', `${algorithm} stream does not decompress: ${(error as Error).message}`);
  }
}

/** Mars's weak header gets a second opinion: the next block (or the end of file) must follow. */
function marsFollowedByBlock(bytes: Uint8Array, offset: number, header: MarsBlockHeader): boolean {
  const next = offset + marsBlockLength(header);
  return next === bytes.length || parseMarsHeader(bytes, next) !== null || parseBlockHeader(bytes, next) !== null;
}

function issue(code: XlogErrorCode, offset: number, length: number, message: string): DecodeEvent {
  return { type: 'issue', issue: { code, offset, length, message } };
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function hexBytes(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}

export interface DecodeResult {
  entries: Array<Exclude<DecodeEvent, { type: 'issue' }>>;
  issues: DecodeIssue[];
  summary: DecodeSummary;
}

/**
 * Decodes a whole file at once. Throws XlogError('key-required' | 'wrong-key') when no encrypted
 * block opened and some failed for want of the right key: that is a key problem, not damage,
 * and a result holding only the plain blocks would hide it.
 */
export function decodeAll(bytes: Uint8Array, primitives: DecoderPrimitives, options: DecodeOptions = {}): DecodeResult {
  const entries: DecodeResult['entries'] = [];
  const issues: DecodeIssue[] = [];
  const events = decodeEvents(bytes, primitives, options);
  let step = events.next();
  while (!step.done) {
    if (step.value.type === 'issue') issues.push(step.value.issue);
    else entries.push(step.value);
    step = events.next();
  }
  const summary = step.value;
  if (summary.keyFailures > 0 && summary.encryptedOpened === 0) {
    const keyIssue = issues.find((i) => i.code === 'wrong-key' || i.code === 'key-required');
    if (!options.privateKey) throw new XlogError('key-required', 'the file is encrypted and no private key was given');
    throw new XlogError('wrong-key', keyIssue?.message ?? `none of the ${summary.encryptedBlocks} encrypted blocks opens with the private key given`);
  }
  return { entries, issues, summary };
}
