/** Collects bytes until a fixed-size handshake packet is complete; never holds more than the packet size. */
export class PacketAccumulator {
  #parts: Buffer[] = [];
  #length = 0;

  /**
   * Takes up to the missing number of bytes from the front of `bytes`. Returns the packet once `size` bytes are
   * held (and starts over), else null; `consumed` is how many bytes of `bytes` were taken.
   */
  take(bytes: Buffer, size: number): { packet: Buffer | null; consumed: number } {
    const consumed = Math.min(size - this.#length, bytes.length);
    // Copied: the caller's buffer may be reused, and a packet must not pin a large socket read.
    if (consumed > 0) this.#parts.push(Buffer.from(bytes.subarray(0, consumed)));
    this.#length += consumed;
    if (this.#length < size) return { packet: null, consumed };
    const packet = this.#parts.length === 1 ? this.#parts[0] : Buffer.concat(this.#parts, size);
    this.#parts = [];
    this.#length = 0;
    return { packet, consumed };
  }
}
