import { AmfDecodeError, type AmfDecodeErrorCode } from './errors.ts';
import { resolveMaxDepth, type AmfDecodeOptions } from './options.ts';
import { decodeUtf8 } from './utf8.ts';

/**
 * Bounds-checked cursor over one message, shared by the AMF0 and AMF3 decoders so that an AVM+ switch
 * keeps counting depth and values against the same limits.
 */
export class AmfReader {
  readonly bytes: Uint8Array;
  readonly end: number;
  pos: number;
  readonly #view: DataView;
  readonly #maxDepth: number;
  #depth = 0;
  #valuesLeft: number;

  constructor(bytes: Uint8Array, offset: number, options: AmfDecodeOptions) {
    if (!Number.isInteger(offset) || offset < 0 || offset > bytes.byteLength) {
      throw new RangeError(`offset ${offset} is outside the ${bytes.byteLength}-byte input`);
    }
    this.bytes = bytes;
    this.end = bytes.byteLength;
    this.pos = offset;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#maxDepth = resolveMaxDepth(options.maxDepth);
    this.#valuesLeft = options.maxValues ?? Infinity;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  /** Every wire length goes through here before anything is allocated for it. */
  need(byteCount: number, what: string): void {
    if (byteCount > this.end - this.pos) {
      this.fail('truncated', `${what} needs ${byteCount} bytes but only ${this.end - this.pos} remain`);
    }
  }

  fail(code: AmfDecodeErrorCode, message: string): never {
    throw new AmfDecodeError(code, this.pos, message);
  }

  /** True when this container is the outermost one: the one a message may end inside (see AMF0 objects). */
  get atOutermost(): boolean {
    return this.#depth === 1;
  }

  enter(): void {
    if (++this.#depth > this.#maxDepth) this.fail('too-deep', `containers nested deeper than ${this.#maxDepth}`);
  }

  leave(): void {
    this.#depth--;
  }

  countValue(): void {
    if (--this.#valuesLeft < 0) this.fail('too-many-values', 'more values than maxValues allows');
  }

  u8(what: string): number {
    this.need(1, what);
    return this.bytes[this.pos++];
  }

  u16(what: string): number {
    this.need(2, what);
    const value = this.#view.getUint16(this.pos);
    this.pos += 2;
    return value;
  }

  u32(what: string): number {
    this.need(4, what);
    const value = this.#view.getUint32(this.pos);
    this.pos += 4;
    return value;
  }

  i32(what: string): number {
    this.need(4, what);
    const value = this.#view.getInt32(this.pos);
    this.pos += 4;
    return value;
  }

  f64(what: string): number {
    this.need(8, what);
    const value = this.#view.getFloat64(this.pos);
    this.pos += 8;
    return value;
  }

  skip(byteCount: number, what: string): void {
    this.need(byteCount, what);
    this.pos += byteCount;
  }

  /** AMF3 variable-length unsigned 29-bit integer: 7 bits in each of up to three bytes, 8 in a fourth. */
  u29(what: string): number {
    let value = 0;
    for (let i = 0; i < 3; i++) {
      const byte = this.u8(what);
      if (byte < 0x80) return (value << 7) | byte;
      value = (value << 7) | (byte & 0x7f);
    }
    return (value << 8) | this.u8(what);
  }

  utf8(byteLength: number, what: string): string {
    this.need(byteLength, what);
    const start = this.pos;
    this.pos += byteLength;
    return decodeUtf8(this.bytes, start, this.pos);
  }

  /** A copy, so a small decoded value never pins a large receive buffer. */
  copyBytes(byteLength: number, what: string): Uint8Array {
    this.need(byteLength, what);
    const start = this.pos;
    this.pos += byteLength;
    return this.bytes.slice(start, this.pos);
  }
}
