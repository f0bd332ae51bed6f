// FLV file framing (FLV spec v10.1 E.2-E.3): the 9-byte header + PreviousTagSize0, tags of
// 11-byte header + body + PreviousTagSize. HTTP-FLV is this same byte stream sent live.

import { readU24, readU32 } from '../bytes.ts';
import { FlvError } from '../errors.ts';
import { TAG_TYPE_AUDIO, TAG_TYPE_SCRIPT, TAG_TYPE_VIDEO } from '../tag/sequence-header.ts';

export type FlvTagType = typeof TAG_TYPE_AUDIO | typeof TAG_TYPE_VIDEO | typeof TAG_TYPE_SCRIPT;

export interface FlvTag {
  type: FlvTagType;
  /** Milliseconds, 0..2^32-1 (24 low bits + TimestampExtended). */
  timestamp: number;
  body: Uint8Array;
}

export const FLV_HEADER_SIZE = 9;
export const FLV_TAG_HEADER_SIZE = 11;
export const PREVIOUS_TAG_SIZE_BYTES = 4;
/** DataSize is 24 bits. */
export const MAX_FLV_TAG_BODY = 0xffffff;

const FLAG_AUDIO = 0x04;
const FLAG_VIDEO = 0x01;
const FILTER_BIT = 0x20;
const TAG_TYPE_MASK = 0x1f;

/** The file header plus PreviousTagSize0: the first 13 bytes of every FLV file / HTTP-FLV response. */
export function flvFileHeader(tracks: { audio: boolean; video: boolean }): Uint8Array {
  const flags = (tracks.audio ? FLAG_AUDIO : 0) | (tracks.video ? FLAG_VIDEO : 0);
  return Uint8Array.of(0x46, 0x4c, 0x56, 1, flags, 0, 0, 0, FLV_HEADER_SIZE, 0, 0, 0, 0);
}

function checkTag(tag: FlvTag): void {
  if (tag.type !== TAG_TYPE_AUDIO && tag.type !== TAG_TYPE_VIDEO && tag.type !== TAG_TYPE_SCRIPT) {
    throw new FlvError('invalid-argument', `FLV tag type ${String(tag.type)}: only 8, 9 and 18 exist`);
  }
  if (!Number.isInteger(tag.timestamp) || tag.timestamp < 0 || tag.timestamp > 0xffffffff) {
    throw new FlvError('invalid-argument', `FLV tag timestamp ${tag.timestamp}: must be an integer in 0..2^32-1 ms`);
  }
  if (tag.body.length > MAX_FLV_TAG_BODY) {
    throw new FlvError('tag-too-large', `FLV tag body of ${tag.body.length} bytes exceeds the 24-bit DataSize`);
  }
}

function writeHeader(target: Uint8Array, o: number, tag: FlvTag): void {
  const size = tag.body.length;
  const ts = tag.timestamp;
  target[o] = tag.type;
  target[o + 1] = size >>> 16;
  target[o + 2] = (size >>> 8) & 0xff;
  target[o + 3] = size & 0xff;
  target[o + 4] = (ts >>> 16) & 0xff;
  target[o + 5] = (ts >>> 8) & 0xff;
  target[o + 6] = ts & 0xff;
  target[o + 7] = ts >>> 24; // TimestampExtended: the high byte
  target[o + 8] = 0; // StreamID, always 0
  target[o + 9] = 0;
  target[o + 10] = 0;
}

function writeTrailer(target: Uint8Array, o: number, bodyLength: number): void {
  const previousTagSize = FLV_TAG_HEADER_SIZE + bodyLength;
  target[o] = previousTagSize >>> 24;
  target[o + 1] = (previousTagSize >>> 16) & 0xff;
  target[o + 2] = (previousTagSize >>> 8) & 0xff;
  target[o + 3] = previousTagSize & 0xff;
}

/** Bytes a tag occupies on the wire: header + body + PreviousTagSize. */
export function flvTagSize(bodyLength: number): number {
  return FLV_TAG_HEADER_SIZE + bodyLength + PREVIOUS_TAG_SIZE_BYTES;
}

/**
 * A tag as [header, body, trailer] without copying the body: the header and trailer are two views
 * of one 15-byte allocation and `body` is the caller's array itself. Build the parts once per
 * message and hand the same three arrays to every viewer (e.g. socket.cork + write x3, or writev).
 */
export function flvTagParts(tag: FlvTag): [Uint8Array, Uint8Array, Uint8Array] {
  checkTag(tag);
  const framing = new Uint8Array(FLV_TAG_HEADER_SIZE + PREVIOUS_TAG_SIZE_BYTES);
  writeHeader(framing, 0, tag);
  writeTrailer(framing, FLV_TAG_HEADER_SIZE, tag.body.length);
  return [framing.subarray(0, FLV_TAG_HEADER_SIZE), tag.body, framing.subarray(FLV_TAG_HEADER_SIZE)];
}

/** Writes the whole tag into `target` at `offset`; returns the bytes written (flvTagSize). */
export function writeFlvTag(tag: FlvTag, target: Uint8Array, offset: number): number {
  checkTag(tag);
  const size = flvTagSize(tag.body.length);
  if (offset < 0 || offset + size > target.length) {
    throw new FlvError('invalid-argument', `FLV tag of ${size} bytes does not fit at ${offset} in a ${target.length}-byte buffer`);
  }
  writeHeader(target, offset, tag);
  target.set(tag.body, offset + FLV_TAG_HEADER_SIZE);
  writeTrailer(target, offset + FLV_TAG_HEADER_SIZE + tag.body.length, tag.body.length);
  return size;
}

/** The tag as one contiguous array (copies the body; prefer flvTagParts on hot paths). */
export function encodeFlvTag(tag: FlvTag): Uint8Array {
  const out = new Uint8Array(flvTagSize(tag.body.length));
  writeFlvTag(tag, out, 0);
  return out;
}

export interface FlvFileHeaderInfo {
  version: number;
  audio: boolean;
  video: boolean;
}

/** Header extensions (DataOffset beyond 9) are allowed but bounded: no writer uses them. */
const MAX_HEADER_EXTENSION = 1024;

/**
 * The 9-byte FLV file header: its flags, and where the first PreviousTagSize begins (DataOffset).
 * Throws FlvError for a wrong signature or version, or a DataOffset outside 9..9+1024.
 */
export function parseFlvFileHeader(header: Uint8Array): FlvFileHeaderInfo & { dataOffset: number } {
  if (header[0] !== 0x46 || header[1] !== 0x4c || header[2] !== 0x56) throw new FlvError('bad-signature', 'FLV: data does not start with "FLV"');
  if (header[3] !== 1) throw new FlvError('unsupported-version', `FLV: version ${header[3]}, only 1 exists`);
  const dataOffset = readU32(header, 5);
  if (dataOffset < FLV_HEADER_SIZE || dataOffset > FLV_HEADER_SIZE + MAX_HEADER_EXTENSION) {
    throw new FlvError('bad-header-size', `FLV: DataOffset ${dataOffset} (expected 9)`);
  }
  return { version: header[3], audio: (header[4] & FLAG_AUDIO) !== 0, video: (header[4] & FLAG_VIDEO) !== 0, dataOffset };
}

export interface FlvDemuxerOptions {
  /** Tags with a larger DataSize are refused before buffering their body. Default: the format's 16 MiB - 1. */
  maxTagSize?: number;
  /** Check every PreviousTagSize against the tag before it (default true); some writers leave them 0. */
  strictPreviousTagSize?: boolean;
}


type State = 'header' | 'header-extension' | 'previous-tag-size' | 'tag-header' | 'tag-body';

/**
 * Incremental FLV parser: push bytes as they arrive, get complete tags back. Holds at most one
 * unfinished tag (bounded by maxTagSize). Tag bodies are views of the pushed bytes when a tag
 * arrives within one push, so callers must not modify pushed arrays afterwards.
 */
export class FlvDemuxer {
  header: FlvFileHeaderInfo | undefined;
  readonly #maxTagSize: number;
  readonly #strict: boolean;
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  #state: State = 'header';
  #need = FLV_HEADER_SIZE;
  #lastTagSize = 0;
  #tagType: FlvTagType = TAG_TYPE_SCRIPT;
  #tagTimestamp = 0;

  constructor(options: FlvDemuxerOptions = {}) {
    this.#maxTagSize = Math.min(options.maxTagSize ?? MAX_FLV_TAG_BODY, MAX_FLV_TAG_BODY);
    this.#strict = options.strictPreviousTagSize ?? true;
  }

  /** Bytes held waiting for the rest of a header or tag. */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  push(bytes: Uint8Array): FlvTag[] {
    const tags: FlvTag[] = [];
    if (bytes.length > 0) {
      this.#chunks.push(bytes);
      this.#buffered += bytes.length;
    }
    while (this.#buffered >= this.#need) {
      const unit = this.#take(this.#need);
      const tag = this.#consume(unit);
      if (tag) tags.push(tag);
    }
    return tags;
  }

  /** Call at end of input: throws FlvError 'truncated' if the stream stopped inside a header or tag. */
  end(): void {
    if (this.#state !== 'tag-header' || this.#buffered > 0) {
      throw new FlvError('truncated', `FLV stream ended inside ${this.#state} with ${this.#buffered} of ${this.#need} bytes`);
    }
  }

  #take(count: number): Uint8Array {
    this.#buffered -= count;
    const first = this.#chunks[0];
    if (first.length >= count) {
      if (first.length === count) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(count);
      return first.subarray(0, count);
    }
    const out = new Uint8Array(count);
    let filled = 0;
    while (filled < count) {
      const chunk = this.#chunks[0];
      const n = Math.min(chunk.length, count - filled);
      out.set(chunk.subarray(0, n), filled);
      filled += n;
      if (n === chunk.length) this.#chunks.shift();
      else this.#chunks[0] = chunk.subarray(n);
    }
    return out;
  }

  #expect(state: State, need: number): void {
    this.#state = state;
    this.#need = need;
  }

  #consume(unit: Uint8Array): FlvTag | undefined {
    switch (this.#state) {
      case 'header': {
        const { dataOffset, ...header } = parseFlvFileHeader(unit);
        this.header = header;
        if (dataOffset > FLV_HEADER_SIZE) this.#expect('header-extension', dataOffset - FLV_HEADER_SIZE);
        else this.#expect('previous-tag-size', PREVIOUS_TAG_SIZE_BYTES);
        return undefined;
      }
      case 'header-extension':
        this.#expect('previous-tag-size', PREVIOUS_TAG_SIZE_BYTES);
        return undefined;
      case 'previous-tag-size': {
        const previous = readU32(unit, 0);
        if (this.#strict && previous !== this.#lastTagSize) {
          throw new FlvError('bad-previous-tag-size', `FLV: PreviousTagSize ${previous}, the tag before it was ${this.#lastTagSize} bytes`);
        }
        this.#expect('tag-header', FLV_TAG_HEADER_SIZE);
        return undefined;
      }
      case 'tag-header': {
        const typeByte = unit[0];
        if (typeByte & FILTER_BIT) throw new FlvError('bad-tag-type', 'FLV: encrypted tags (Filter bit) are not supported');
        const type = typeByte & TAG_TYPE_MASK;
        if (typeByte !== type || (type !== TAG_TYPE_AUDIO && type !== TAG_TYPE_VIDEO && type !== TAG_TYPE_SCRIPT)) {
          throw new FlvError('bad-tag-type', `FLV: tag type byte 0x${typeByte.toString(16)}`);
        }
        const size = readU24(unit, 1);
        if (size > this.#maxTagSize) throw new FlvError('tag-too-large', `FLV: tag of ${size} bytes exceeds the ${this.#maxTagSize}-byte limit`);
        this.#tagType = type;
        this.#tagTimestamp = (readU24(unit, 4) | (unit[7] << 24)) >>> 0;
        this.#lastTagSize = FLV_TAG_HEADER_SIZE + size;
        if (size === 0) return this.#finishTag(new Uint8Array(0));
        this.#expect('tag-body', size);
        return undefined;
      }
      case 'tag-body':
        return this.#finishTag(unit);
    }
  }

  #finishTag(body: Uint8Array): FlvTag {
    this.#expect('previous-tag-size', PREVIOUS_TAG_SIZE_BYTES);
    return { type: this.#tagType, timestamp: this.#tagTimestamp, body };
  }
}
