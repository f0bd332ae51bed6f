import { AmfEncodeError } from './errors.ts';
import { writeUtf8 } from './utf8.ts';

const INITIAL_CAPACITY = 4096;
/** A scratch buffer that grew past this (a huge ByteArray, say) is not kept between encodes. */
const MAX_POOLED_CAPACITY = 1 << 20;

/** One scratch buffer reused across encodes: an onStatus per player then costs one exact-size allocation. */
let pooled: Uint8Array | null = new Uint8Array(INITIAL_CAPACITY);

/**
 * Growable output buffer plus the nesting limit, shared by the AMF0 and AMF3 encoders so that an AVM+
 * value counts its depth from where it sits in the AMF0 stream, exactly as the decoder will.
 */
export class AmfWriter {
  #buffer: Uint8Array;
  #view: DataView;
  pos = 0;
  readonly #maxDepth: number;
  #depth = 0;

  constructor(buffer: Uint8Array, maxDepth: number) {
    this.#buffer = buffer;
    this.#view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    this.#maxDepth = maxDepth;
  }

  enter(): void {
    if (++this.#depth > this.#maxDepth) {
      throw new AmfEncodeError('too-deep', `containers nested deeper than ${this.#maxDepth}`);
    }
  }

  leave(): void {
    this.#depth--;
  }

  get buffer(): Uint8Array {
    return this.#buffer;
  }

  #ensure(byteCount: number): void {
    const needed = this.pos + byteCount;
    if (needed <= this.#buffer.byteLength) return;
    const grown = new Uint8Array(Math.max(needed, this.#buffer.byteLength * 2));
    grown.set(this.#buffer.subarray(0, this.pos));
    this.#buffer = grown;
    this.#view = new DataView(grown.buffer);
  }

  u8(value: number): void {
    this.#ensure(1);
    this.#buffer[this.pos++] = value;
  }

  u16(value: number): void {
    this.#ensure(2);
    this.#view.setUint16(this.pos, value);
    this.pos += 2;
  }

  u32(value: number): void {
    this.#ensure(4);
    this.#view.setUint32(this.pos, value);
    this.pos += 4;
  }

  i32(value: number): void {
    this.#ensure(4);
    this.#view.setInt32(this.pos, value);
    this.pos += 4;
  }

  f64(value: number): void {
    this.#ensure(8);
    this.#view.setFloat64(this.pos, value);
    this.pos += 8;
  }

  /** AMF3 U29; the caller guarantees 0 <= value < 2^29. */
  u29(value: number): void {
    this.#ensure(4);
    const out = this.#buffer;
    if (value < 0x80) {
      out[this.pos++] = value;
    } else if (value < 0x4000) {
      out[this.pos++] = (value >> 7) | 0x80;
      out[this.pos++] = value & 0x7f;
    } else if (value < 0x200000) {
      out[this.pos++] = (value >> 14) | 0x80;
      out[this.pos++] = ((value >> 7) & 0x7f) | 0x80;
      out[this.pos++] = value & 0x7f;
    } else {
      out[this.pos++] = (value >> 22) | 0x80;
      out[this.pos++] = ((value >> 15) & 0x7f) | 0x80;
      out[this.pos++] = ((value >> 8) & 0x7f) | 0x80;
      out[this.pos++] = value & 0xff;
    }
  }

  bytes(data: Uint8Array): void {
    this.#ensure(data.byteLength);
    this.#buffer.set(data, this.pos);
    this.pos += data.byteLength;
  }

  /** Writes the UTF-8 bytes of `text`, whose length the caller measured with utf8Length (for the header). */
  utf8(text: string, byteLength: number): void {
    this.#ensure(byteLength);
    writeUtf8(this.#buffer, this.pos, text, byteLength);
    this.pos += byteLength;
  }
}

/** Runs `write` against a (pooled when free) writer and returns an exact-size copy of what it wrote. */
export function encodeWith(maxDepth: number, write: (writer: AmfWriter) => void): Uint8Array {
  // Taking the pooled buffer out of the pool makes a nested encode (from a property getter) get its own.
  const writer = new AmfWriter(pooled ?? new Uint8Array(INITIAL_CAPACITY), maxDepth);
  pooled = null;
  try {
    write(writer);
    return writer.buffer.slice(0, writer.pos);
  } finally {
    if (writer.buffer.byteLength <= MAX_POOLED_CAPACITY) pooled = writer.buffer;
  }
}
