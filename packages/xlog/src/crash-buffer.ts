// The crash buffer (Node): Mars keeps unflushed log data in an mmap'd file so the kernel owns
// it the moment it is written; Node has no mmap, but a write(2) to an open file lands in the
// same page cache and survives the process being SIGKILLed. Each segment of the file mirrors
// one block-to-be: records are framed into the segment's on-disk image and written with
// writeSync (per record in crash-safe mode, per event-loop turn in buffered mode); when the
// block built from the segment has been written to the log file, the segment is freed. On the
// next start, live segments are copied into the log as rescued blocks. With encryption on,
// frame bodies are XORed with an AES-CTR keystream of the session's crash key, so the buffer
// never holds plaintext that the log file itself would not.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import zlib from 'node:zlib';
import type { CrashCipher } from './block-encoder.ts';
import { NONCE_BYTES } from './block.ts';
import {
  FRAME_HEAD_BYTES,
  SEGMENT_BYTES,
  SEGMENT_COUNT,
  SEGMENT_HEADER_BYTES,
  encodeSegmentHeader,
  parseSegmentHeader,
  walkFrames,
  type SegmentHeader,
} from './segment.ts';

export type SegmentState = 'free' | 'active' | 'sealed' | 'writing';

/** One segment: the records it holds (plain, for compression) and its on-disk image (framed). */
export class Segment {
  readonly index: number;
  readonly fileOffset: number;
  state: SegmentState = 'free';
  readonly plain = Buffer.allocUnsafe(SEGMENT_BYTES);
  plainLength = 0;
  count = 0;
  firstTime = 0;
  readonly image = Buffer.alloc(SEGMENT_BYTES);
  imageLength = 0;
  committedLength = 0;
  generation = 0;
  keystream: Uint8Array | undefined;

  constructor(index: number) {
    this.index = index;
    this.fileOffset = index * SEGMENT_BYTES;
  }

  /** Whether a record of at most `recordBytes` still fits (the framed image is the tighter bound). */
  fits(recordBytes: number): boolean {
    return this.imageLength + FRAME_HEAD_BYTES + recordBytes <= SEGMENT_BYTES;
  }
}

/** A segment a previous run left live: its header and its verified frame region. */
export interface LiveSegment {
  header: SegmentHeader;
  region: Uint8Array;
  records: number;
}

const FREED_MAGIC = Buffer.alloc(4);

export class CrashBuffer {
  readonly segments: Segment[] = [];
  private readonly fd: number;
  private readonly session: number;
  private readonly pid: number;
  private readonly cipher: CrashCipher | undefined;

  constructor(path: string, session: number, pid: number, cipher: CrashCipher | undefined) {
    this.session = session;
    this.pid = pid;
    this.cipher = cipher;
    this.fd = fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
    if (fs.fstatSync(this.fd).size < SEGMENT_COUNT * SEGMENT_BYTES) fs.ftruncateSync(this.fd, SEGMENT_COUNT * SEGMENT_BYTES);
    for (let i = 0; i < SEGMENT_COUNT; i++) this.segments.push(new Segment(i));
  }

  /** Live segments found in the file at `path`, oldest first; none when the file is absent. */
  static readLive(path: string): LiveSegment[] {
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const live: LiveSegment[] = [];
    for (let offset = 0; offset + SEGMENT_HEADER_BYTES <= bytes.length; offset += SEGMENT_BYTES) {
      const segment = bytes.subarray(offset, Math.min(offset + SEGMENT_BYTES, bytes.length));
      const header = parseSegmentHeader(segment);
      if (header === null) continue;
      const frames = segment.subarray(SEGMENT_HEADER_BYTES);
      const { frames: found, end } = walkFrames(frames, header.generation);
      if (found.length > 0) live.push({ header, region: frames.subarray(0, end), records: found.length });
    }
    return live.sort((a, b) => a.header.openedTime - b.header.openedTime || a.header.serial - b.header.serial);
  }

  /** Prepares `segment` for new records. Its header reaches the file with the first commit. */
  activate(segment: Segment, serial: number, now: number): void {
    segment.state = 'active';
    segment.plainLength = 0;
    segment.count = 0;
    segment.committedLength = 0;
    segment.imageLength = SEGMENT_HEADER_BYTES;
    segment.generation = randomBytes(4).readUInt32LE(0);
    const header: SegmentHeader = { session: this.session, pid: this.pid, serial, generation: segment.generation, openedTime: now };
    if (this.cipher) {
      const iv = randomBytes(NONCE_BYTES);
      header.encryption = { keyId: this.cipher.keyId, ephemeralPublicKey: this.cipher.ephemeralPublicKey, iv };
      segment.keystream = this.cipher.keystream(iv, SEGMENT_BYTES - SEGMENT_HEADER_BYTES);
    }
    encodeSegmentHeader(header, segment.image);
  }

  /** Frames the record at plain[start, start+length) into the segment's image (not yet written). */
  frame(segment: Segment, start: number, length: number): void {
    const image = segment.image;
    const head = segment.imageLength;
    const body = head + FRAME_HEAD_BYTES;
    const keystream = segment.keystream;
    if (keystream) {
      const plain = segment.plain;
      const k = body - SEGMENT_HEADER_BYTES;
      for (let i = 0; i < length; i++) image[body + i] = plain[start + i] ^ keystream[k + i];
    } else {
      segment.plain.copy(image, body, start, start + length);
    }
    image.writeUInt32LE(length, head);
    image.writeUInt32LE(zlib.crc32(image.subarray(body, body + length), segment.generation), head + 4);
    segment.imageLength = body + length;
  }

  /** Hands the framed-but-unwritten bytes to the kernel: from here a SIGKILL no longer loses them. Returns the byte count. */
  commit(segment: Segment): number {
    const from = segment.committedLength;
    const length = segment.imageLength - from;
    if (length === 0) return 0;
    fs.writeSync(this.fd, segment.image, from, length, segment.fileOffset + from);
    segment.committedLength = segment.imageLength;
    return length;
  }

  /** The segment's records are in the log file: invalidate its header so no one rescues them twice. */
  release(segment: Segment): void {
    if (segment.committedLength > 0) fs.writeSync(this.fd, FREED_MAGIC, 0, 4, segment.fileOffset);
    segment.state = 'free';
    segment.keystream = undefined;
  }

  /** Frees every segment on disk, after a previous run's live ones have been rescued. */
  clear(): void {
    for (const segment of this.segments) fs.writeSync(this.fd, FREED_MAGIC, 0, 4, segment.fileOffset);
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}
