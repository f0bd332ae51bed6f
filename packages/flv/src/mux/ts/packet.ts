// Transport stream packets (ISO/IEC 13818-1 2.4.3): splits a PES or PSI payload into 188-byte
// packets with continuity counters, the adaptation field carrying PCR and random_access_indicator
// on the first packet, and adaptation-field stuffing to fill the last one.

export const TS_PACKET_SIZE = 188;
const TS_HEADER_SIZE = 4;
const TS_PAYLOAD_SIZE = TS_PACKET_SIZE - TS_HEADER_SIZE;
const SYNC_BYTE = 0x47;
const FLAG_RANDOM_ACCESS = 0x40;
const FLAG_PCR = 0x10;
const PCR_BYTES = 6;
/** 33-bit PTS/DTS/PCR base wraps here (about 26.5 hours at 90 kHz). */
export const TIMESTAMP_WRAP = 2 ** 33;

export interface FirstPacketFields {
  /** PCR base in 90 kHz units (extension written as 0). */
  pcr?: number;
  randomAccess?: boolean;
}

/** A PID's continuity counter: 4 bits, incremented for every packet that carries payload. */
export class ContinuityCounter {
  #value = 0;
  next(): number {
    const value = this.#value;
    this.#value = (value + 1) & 0x0f;
    return value;
  }
}

/** Number of TS packets `payloadLength` bytes occupy, given the first packet's adaptation fields. */
export function packetCount(payloadLength: number, first: FirstPacketFields = {}): number {
  const firstRoom = TS_PAYLOAD_SIZE - firstAdaptationSize(first);
  if (payloadLength <= firstRoom) return 1;
  return 1 + Math.ceil((payloadLength - firstRoom) / TS_PAYLOAD_SIZE);
}

function firstAdaptationSize(first: FirstPacketFields): number {
  if (first.pcr === undefined && !first.randomAccess) return 0;
  return 2 + (first.pcr === undefined ? 0 : PCR_BYTES); // length byte + flags byte + PCR
}

/**
 * Writes `payload` as TS packets on `pid` into `out` at `offset` (room for packetCount() packets
 * required); returns the offset after the last packet. The first packet has
 * payload_unit_start_indicator set.
 */
export function writePackets(
  out: Uint8Array,
  offset: number,
  pid: number,
  counter: ContinuityCounter,
  payload: Uint8Array,
  first: FirstPacketFields = {},
): number {
  let consumed = 0;
  let isFirst = true;
  while (isFirst || consumed < payload.length) {
    const fixedAdaptation = isFirst ? firstAdaptationSize(first) : 0;
    const room = TS_PAYLOAD_SIZE - fixedAdaptation;
    const take = Math.min(room, payload.length - consumed);
    // Stuffing lives in the adaptation field: grow (or create) it until the packet is full.
    const adaptation = take < room ? TS_PAYLOAD_SIZE - take : fixedAdaptation;
    out[offset] = SYNC_BYTE;
    out[offset + 1] = (isFirst ? 0x40 : 0) | ((pid >> 8) & 0x1f);
    out[offset + 2] = pid & 0xff;
    out[offset + 3] = (adaptation > 0 ? 0x30 : 0x10) | counter.next();
    let p = offset + TS_HEADER_SIZE;
    if (adaptation > 0) {
      out[p] = adaptation - 1; // adaptation_field_length excludes itself
      if (adaptation > 1) {
        const pcr = isFirst ? first.pcr : undefined;
        out[p + 1] = (isFirst && first.randomAccess ? FLAG_RANDOM_ACCESS : 0) | (pcr === undefined ? 0 : FLAG_PCR);
        let q = p + 2;
        if (pcr !== undefined) {
          writePcr(out, q, pcr);
          q += PCR_BYTES;
        }
        out.fill(0xff, q, p + adaptation);
      }
      p += adaptation;
    }
    out.set(payload.subarray(consumed, consumed + take), p);
    consumed += take;
    offset += TS_PACKET_SIZE;
    isFirst = false;
  }
  return offset;
}

/** program_clock_reference_base (33 bits), 6 reserved bits, extension (9 bits) = 0. */
function writePcr(out: Uint8Array, o: number, base: number): void {
  const b = ((base % TIMESTAMP_WRAP) + TIMESTAMP_WRAP) % TIMESTAMP_WRAP;
  out[o] = Math.floor(b / 2 ** 25) & 0xff;
  out[o + 1] = Math.floor(b / 2 ** 17) & 0xff;
  out[o + 2] = Math.floor(b / 2 ** 9) & 0xff;
  out[o + 3] = Math.floor(b / 2) & 0xff;
  out[o + 4] = ((b % 2) << 7) | 0x7e;
  out[o + 5] = 0;
}
