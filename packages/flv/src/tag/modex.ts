// E-RTMP "ModEx" prefixes: a packet-type nibble of 7 means "modifier data follows, then the real
// packet type". Audio and video use the same layout, so both headers share this walker.

import { readU16, readU24 } from '../bytes.ts';
import { FlvError } from '../errors.ts';

export const PACKET_TYPE_MOD_EX = 7;
const MOD_EX_TIMESTAMP_OFFSET_NANO = 0;

/** ModEx data starts after its size field: UI8 + 1, where 255 (= 256) escapes to a following UI16 + 1. */
function dataStart(p: Uint8Array, sizeOffset: number): number {
  return sizeOffset + (p[sizeOffset] === 255 ? 3 : 1);
}

/** Offset of the ModExType/PacketType byte that follows the data, or -1 if the payload ends first. */
function typeByteOffset(p: Uint8Array, sizeOffset: number): number {
  if (sizeOffset >= p.length) return -1;
  const start = dataStart(p, sizeOffset);
  if (start > p.length) return -1;
  const size = p[sizeOffset] === 255 ? readU16(p, sizeOffset + 1) + 1 : p[sizeOffset] + 1;
  const end = start + size;
  return end < p.length ? end : -1;
}

/**
 * Follows ModEx prefixes. `offset` is the byte after the one whose low nibble was `packetType`.
 * Returns `offset * 16 + packetType` for the first non-ModEx packet type (offset pointing just past
 * its byte), or -1 when the payload ends inside a ModEx block. Packed into one number so the
 * per-message keyframe/sequence-header checks stay allocation-free.
 */
export function skipModEx(p: Uint8Array, offset: number, packetType: number): number {
  while (packetType === PACKET_TYPE_MOD_EX) {
    const typeAt = typeByteOffset(p, offset);
    if (typeAt < 0) return -1;
    packetType = p[typeAt] & 0x0f;
    offset = typeAt + 1;
  }
  return offset * 16 + packetType;
}

export interface ModExResult {
  packetType: number;
  offset: number;
  /** TimestampOffsetNano: sub-millisecond presentation offset in ns, if signalled. */
  timestampOffsetNano?: number;
}

/** Like skipModEx but throws on truncation and reports the modifiers it understands. */
export function readModEx(p: Uint8Array, offset: number, packetType: number, kind: string): ModExResult {
  const result: ModExResult = { packetType, offset };
  while (result.packetType === PACKET_TYPE_MOD_EX) {
    const typeAt = typeByteOffset(p, result.offset);
    if (typeAt < 0) {
      throw new FlvError('truncated', `${kind} ModEx block at byte ${result.offset} runs past the payload end (${p.length} bytes)`);
    }
    const start = dataStart(p, result.offset);
    if (p[typeAt] >> 4 === MOD_EX_TIMESTAMP_OFFSET_NANO) {
      if (typeAt - start < 3) {
        throw new FlvError('truncated', `${kind} TimestampOffsetNano needs 3 bytes of ModEx data, got ${typeAt - start}`);
      }
      result.timestampOffsetNano = readU24(p, start);
    }
    result.packetType = p[typeAt] & 0x0f;
    result.offset = typeAt + 1;
  }
  return result;
}
