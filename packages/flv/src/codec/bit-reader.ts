// MSB-first bit reader with exp-Golomb codes (H.264/H.265 RBSP, AAC AudioSpecificConfig).
// Every read checks the remaining bits and throws CodecConfigError 'truncated' instead of
// returning garbage, so parsers built on it cannot run off the end of their input.

import { CodecConfigError } from '../errors.ts';

/** ue(v) values wider than 32 bits cannot occur in a valid stream; refuse them rather than loop. */
const MAX_EXP_GOLOMB_LEADING_ZEROS = 31;

export class BitReader {
  readonly #bytes: Uint8Array;
  readonly #what: string;
  #bit = 0;

  constructor(bytes: Uint8Array, what: string) {
    this.#bytes = bytes;
    this.#what = what;
  }

  get bitsLeft(): number {
    return this.#bytes.length * 8 - this.#bit;
  }

  #need(bits: number): void {
    if (bits > this.bitsLeft) {
      throw new CodecConfigError('truncated', `${this.#what}: needs ${bits} more bits at bit ${this.#bit}, ${this.bitsLeft} left`);
    }
  }

  readBit(): number {
    this.#need(1);
    const bit = (this.#bytes[this.#bit >> 3] >> (7 - (this.#bit & 7))) & 1;
    this.#bit += 1;
    return bit;
  }

  /** Reads up to 32 bits as an unsigned number. */
  readBits(count: number): number {
    this.#need(count);
    let value = 0;
    for (let i = 0; i < count; i++) {
      value = value * 2 + ((this.#bytes[this.#bit >> 3] >> (7 - (this.#bit & 7))) & 1);
      this.#bit += 1;
    }
    return value;
  }

  skipBits(count: number): void {
    this.#need(count);
    this.#bit += count;
  }

  /** Unsigned exp-Golomb, ue(v). */
  readUE(): number {
    let zeros = 0;
    while (this.readBit() === 0) {
      zeros += 1;
      if (zeros > MAX_EXP_GOLOMB_LEADING_ZEROS) {
        throw new CodecConfigError('malformed', `${this.#what}: exp-Golomb code with more than ${MAX_EXP_GOLOMB_LEADING_ZEROS} leading zeros`);
      }
    }
    return 2 ** zeros - 1 + this.readBits(zeros);
  }

  /** Signed exp-Golomb, se(v). */
  readSE(): number {
    const k = this.readUE();
    return k % 2 === 1 ? (k + 1) / 2 : 0 - k / 2; // 0 - 0 keeps +0
  }
}
