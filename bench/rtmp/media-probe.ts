// The few bytes of an audio or video message the benchmark's players look at, gathered piece by piece as the
// message arrives, so a player never assembles (copies, allocates) the payloads it receives: at 1000 players that
// copying and the garbage it made were most of the load generator's time.

/** Enough for the sequence-header and keyframe checks, E-RTMP's FourCC and ModEx included. */
const HEAD_BYTES = 16;
/** Below this a payload has no fingerprint: its middle and end would overlap. */
const MIN_FINGERPRINT_LENGTH = 16;

/**
 * Identifies a coded video frame by its bytes, so a player can learn how the server shifted
 * timestamps (nginx-rtmp rebases them per player; we and NMS keep the publisher's clock).
 * Frames of the test pattern differ in length and tail bytes; a 30 s loop repeats them, but
 * the newest entry wins and loops are far apart.
 */
export function fingerprint(payload: Uint8Array): string | null {
  if (payload.length < MIN_FINGERPRINT_LENGTH) return null;
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  return fingerprintOf(payload.length, view.getUint32(payload.length - 4), view.getUint32(middleOf(payload.length)));
}

const middleOf = (length: number) => (length >> 1) & ~3;
const fingerprintOf = (length: number, last: number, middle: number) => `${length}:${last}:${middle}`;

export class MediaProbe {
  typeId = 0;
  timestamp = 0;
  length = 0;
  readonly #head = new Uint8Array(HEAD_BYTES);
  /** head() for each possible length: views made once, so a message costs no allocation. */
  readonly #heads = Array.from({ length: HEAD_BYTES + 1 }, (_, n) => this.#head.subarray(0, n));
  /** The 4 bytes at the middle, then the last 4. */
  readonly #ends = new Uint8Array(8);
  readonly #endsView = new DataView(this.#ends.buffer);

  /** A new message begins: its header, before any of its bytes. */
  start(typeId: number, timestamp: number, length: number): void {
    this.typeId = typeId;
    this.timestamp = timestamp;
    this.length = length;
  }

  /** `data[start..end)` is the message's bytes from `offset` on. Pieces may come in any size, in order. */
  take(data: Uint8Array, start: number, end: number, offset: number): void {
    // Most pieces hold none of the wanted bytes: three comparisons, no copy.
    const pieceEnd = offset + end - start;
    const length = this.length;
    if (offset < HEAD_BYTES) copyOverlap(this.#head, 0, 0, Math.min(HEAD_BYTES, length), data, start, offset, pieceEnd);
    if (length < MIN_FINGERPRINT_LENGTH) return;
    const middle = middleOf(length);
    if (offset < middle + 4 && pieceEnd > middle) copyOverlap(this.#ends, 0, middle, middle + 4, data, start, offset, pieceEnd);
    if (pieceEnd > length - 4) copyOverlap(this.#ends, 4, length - 4, length, data, start, offset, pieceEnd);
  }

  /** The payload's first bytes (all of it when shorter than 16): valid until the next start(). */
  head(): Uint8Array {
    return this.#heads[Math.min(HEAD_BYTES, this.length)];
  }

  /** fingerprint() of the whole payload, from the bytes taken. */
  fingerprint(): string | null {
    if (this.length < MIN_FINGERPRINT_LENGTH) return null;
    return fingerprintOf(this.length, this.#endsView.getUint32(4), this.#endsView.getUint32(0));
  }
}

/**
 * Copies the message bytes [from, to) that fall inside the piece holding message bytes [pieceFrom, pieceTo)
 * (at data[start]) to target[targetStart + (byte - from)].
 */
function copyOverlap(target: Uint8Array, targetStart: number, from: number, to: number, data: Uint8Array, start: number, pieceFrom: number, pieceTo: number): void {
  const first = Math.max(from, pieceFrom);
  const last = Math.min(to, pieceTo);
  for (let byte = first; byte < last; byte++) target[targetStart + byte - from] = data[start + byte - pieceFrom];
}
