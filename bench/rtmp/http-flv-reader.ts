// The receiving side of a benchmark player's HTTP-FLV connection, without node:http and without assembling tags:
// the response head, then the body (identity until close, or chunked as node:http servers send it), then FLV tags
// whose bodies go piece by piece into a MediaProbe. At 1000 players the http client's per-read work (parser,
// streams, a fresh Buffer per read) kept the load generator's core saturated; here a read is a loop over its bytes.
// Pure state machine: bytes in, the response status and media summaries out.
import {
  FLV_HEADER_SIZE, FLV_TAG_HEADER_SIZE, FlvError, PREVIOUS_TAG_SIZE_BYTES, TAG_TYPE_AUDIO, TAG_TYPE_SCRIPT, TAG_TYPE_VIDEO, parseFlvFileHeader,
} from '@livelink/flv';
import { MediaProbe } from './media-probe.ts';

export type HttpResponseErrorCode = 'head-too-large' | 'bad-status-line' | 'bad-chunk-size';

export class HttpResponseError extends Error {
  readonly code: HttpResponseErrorCode;
  constructor(code: HttpResponseErrorCode, message: string) {
    super(message);
    this.name = 'HttpResponseError';
    this.code = code;
  }
}

/** A response head larger than this is not a media server's. */
const MAX_HEAD_BYTES = 16 * 1024;
/** Chunk sizes past 2^31 would lose precision in the hex accumulation long before they mean anything. */
const MAX_HTTP_CHUNK_SIZE = 0x7fffffff;
const HEAD_END = Buffer.from('\r\n\r\n');
const CR = 0x0d;
const LF = 0x0a;

export interface HttpFlvReaderOptions {
  /** The response head arrived; for anything but 200 the body is not read. */
  onStatus(status: number): void;
  /** A complete audio, video or script tag; the probe is reused after the call. */
  onMedia(probe: MediaProbe): void;
}

type BodyCoding = 'identity' | 'chunked';
type ChunkState = 'size' | 'extension' | 'size-lf' | 'data' | 'data-cr' | 'data-lf' | 'done';
type FlvState = 'file-header' | 'header-extension' | 'previous-tag-size' | 'tag-header' | 'tag-body';

export class HttpFlvReader {
  readonly #onStatus: (status: number) => void;
  readonly #onMedia: (probe: MediaProbe) => void;
  readonly #probe = new MediaProbe();
  #head: Buffer | null = Buffer.alloc(0);
  #coding: BodyCoding = 'identity';
  #status = 0;
  // Chunked transfer coding.
  #chunkState: ChunkState = 'size';
  #chunkSize = 0;
  #chunkLeft = 0;
  // FLV: fixed-size fields are gathered in `#field` (they may be split across reads), tag bodies are not.
  #flvState: FlvState = 'file-header';
  readonly #field = new Uint8Array(FLV_TAG_HEADER_SIZE);
  #fieldFilled = 0;
  #need = FLV_HEADER_SIZE;
  #lastTagSize = 0;

  constructor(options: HttpFlvReaderOptions) {
    this.#onStatus = options.onStatus;
    this.#onMedia = options.onMedia;
  }

  /** Throws HttpResponseError or FlvError on bad input. */
  push(bytes: Buffer): void {
    let data = bytes;
    if (this.#head !== null) {
      const head: Buffer = Buffer.concat([this.#head, data]);
      const end = head.indexOf(HEAD_END);
      if (end < 0) {
        if (head.length > MAX_HEAD_BYTES) throw new HttpResponseError('head-too-large', `response head over ${MAX_HEAD_BYTES} bytes`);
        this.#head = head;
        return;
      }
      this.#head = null;
      this.#readHead(head.toString('latin1', 0, end));
      data = head.subarray(end + HEAD_END.length);
    }
    if (this.#status !== 200) return;
    if (this.#coding === 'identity') this.#flv(data, 0, data.length);
    else this.#dechunk(data);
  }

  #readHead(text: string): void {
    const lines = text.split('\r\n');
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]);
    if (status === null) throw new HttpResponseError('bad-status-line', `status line ${JSON.stringify(lines[0].slice(0, 80))}`);
    this.#status = Number(status[1]);
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (line.slice(0, colon).trim().toLowerCase() === 'transfer-encoding' && /\bchunked\b/i.test(line.slice(colon + 1))) this.#coding = 'chunked';
    }
    this.#onStatus(this.#status);
  }

  /** Chunked transfer coding (RFC 9112 7.1): chunk data goes on to the FLV layer in place. */
  #dechunk(data: Buffer): void {
    let offset = 0;
    while (offset < data.length) {
      if (this.#chunkState === 'data') {
        const end = Math.min(data.length, offset + this.#chunkLeft);
        this.#flv(data, offset, end);
        this.#chunkLeft -= end - offset;
        offset = end;
        if (this.#chunkLeft === 0) this.#chunkState = 'data-cr';
        continue;
      }
      const byte = data[offset++];
      switch (this.#chunkState) {
        case 'size': {
          const digit = hexDigit(byte);
          if (digit >= 0) {
            this.#chunkSize = this.#chunkSize * 16 + digit;
            if (this.#chunkSize > MAX_HTTP_CHUNK_SIZE) throw new HttpResponseError('bad-chunk-size', `chunk size over ${MAX_HTTP_CHUNK_SIZE}`);
          } else if (byte === 0x3b /* ; */ || byte === 0x20 || byte === 0x09) {
            this.#chunkState = 'extension';
          } else if (byte === CR) {
            this.#chunkState = 'size-lf';
          } else {
            throw new HttpResponseError('bad-chunk-size', `byte 0x${byte.toString(16)} in a chunk size line`);
          }
          break;
        }
        case 'extension':
          if (byte === CR) this.#chunkState = 'size-lf';
          break;
        case 'size-lf':
          if (byte !== LF) throw new HttpResponseError('bad-chunk-size', 'chunk size line not ended by CRLF');
          // The last chunk ends the body: a live stream's server closes right after.
          this.#chunkState = this.#chunkSize === 0 ? 'done' : 'data';
          this.#chunkLeft = this.#chunkSize;
          this.#chunkSize = 0;
          break;
        case 'data-cr':
          if (byte !== CR) throw new HttpResponseError('bad-chunk-size', 'chunk data not followed by CRLF');
          this.#chunkState = 'data-lf';
          break;
        case 'data-lf':
          if (byte !== LF) throw new HttpResponseError('bad-chunk-size', 'chunk data not followed by CRLF');
          this.#chunkState = 'size';
          break;
        case 'done':
          return;
      }
    }
  }

  /** FLV bytes data[start..end). */
  #flv(data: Uint8Array, start: number, end: number): void {
    let offset = start;
    while (offset < end) {
      if (this.#flvState === 'tag-body') {
        const probe = this.#probe;
        const received = probe.length - this.#need;
        const take = Math.min(this.#need, end - offset);
        probe.take(data, offset, offset + take, received);
        this.#need -= take;
        offset += take;
        if (this.#need === 0) this.#endTag();
        continue;
      }
      if (this.#flvState === 'header-extension') {
        const skip = Math.min(this.#need, end - offset);
        this.#need -= skip;
        offset += skip;
        if (this.#need === 0) this.#expect('previous-tag-size', PREVIOUS_TAG_SIZE_BYTES);
        continue;
      }
      const take = Math.min(this.#need - this.#fieldFilled, end - offset);
      this.#field.set(data.subarray(offset, offset + take), this.#fieldFilled);
      this.#fieldFilled += take;
      offset += take;
      if (this.#fieldFilled === this.#need) this.#endField();
    }
  }

  #endField(): void {
    const field = this.#field;
    switch (this.#flvState) {
      case 'file-header': {
        const { dataOffset } = parseFlvFileHeader(field);
        if (dataOffset > FLV_HEADER_SIZE) this.#expect('header-extension', dataOffset - FLV_HEADER_SIZE);
        else this.#expect('previous-tag-size', PREVIOUS_TAG_SIZE_BYTES);
        return;
      }
      case 'previous-tag-size': {
        const previous = uint32(field, 0);
        if (previous !== this.#lastTagSize) throw new FlvError('bad-previous-tag-size', `FLV: PreviousTagSize ${previous}, the tag before it was ${this.#lastTagSize} bytes`);
        this.#expect('tag-header', FLV_TAG_HEADER_SIZE);
        return;
      }
      case 'tag-header': {
        const type = field[0];
        if (type !== TAG_TYPE_AUDIO && type !== TAG_TYPE_VIDEO && type !== TAG_TYPE_SCRIPT) throw new FlvError('bad-tag-type', `FLV: tag type byte 0x${type.toString(16)}`);
        const size = (field[1] << 16) | (field[2] << 8) | field[3];
        const timestamp = ((field[7] << 24) | (field[4] << 16) | (field[5] << 8) | field[6]) >>> 0;
        this.#lastTagSize = FLV_TAG_HEADER_SIZE + size;
        this.#probe.start(type, timestamp, size);
        this.#expect('tag-body', size);
        if (size === 0) this.#endTag();
        return;
      }
      default:
        return;
    }
  }

  #endTag(): void {
    this.#expect('previous-tag-size', PREVIOUS_TAG_SIZE_BYTES);
    this.#onMedia(this.#probe);
  }

  #expect(state: FlvState, need: number): void {
    this.#flvState = state;
    this.#need = need;
    this.#fieldFilled = 0;
  }
}

function hexDigit(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

function uint32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3]) >>> 0;
}
