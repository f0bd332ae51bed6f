// Layout of the crash buffer file, the stand-in for Mars's mmap buffer. The file is
// SEGMENT_COUNT fixed segments; a live segment starts with a checksummed header and is followed
// by frames, each {u32 body length, u32 CRC-32 of the stored body continued from the segment's
// generation, body}. The generation is random per activation, so frames left over from an
// earlier use of the same bytes never pass the check: the valid extent of a segment is simply
// "frames from the start until the first one that does not verify". Zeroing the magic frees a
// segment. Pure: the decoder walks the same frames inside rescued blocks.

import { crc32 } from './crc32.ts';
import { KEY_ID_BYTES, NONCE_BYTES, PUBLIC_KEY_BYTES } from './block.ts';

export const SEGMENT_MAGIC = Uint8Array.of(0x89, 0x58, 0x4c, 0x42); // "\x89XLB"
export const SEGMENT_VERSION = 1;
export const SEGMENT_COUNT = 4;
export const SEGMENT_BYTES = 128 * 1024;
export const SEGMENT_HEADER_BYTES = 84;
export const FRAME_HEAD_BYTES = 8;
const FLAG_ENCRYPTED = 0x01;

export interface SegmentHeader {
  session: number;
  pid: number;
  /** Increases with every activation in a session: the order segments are rescued in. */
  serial: number;
  generation: number;
  openedTime: number;
  encryption?: { keyId: Uint8Array; ephemeralPublicKey: Uint8Array; iv: Uint8Array };
}

export function encodeSegmentHeader(h: SegmentHeader, out: Uint8Array): void {
  const view = new DataView(out.buffer, out.byteOffset, SEGMENT_HEADER_BYTES);
  out.fill(0, 0, SEGMENT_HEADER_BYTES);
  out.set(SEGMENT_MAGIC, 0);
  out[4] = SEGMENT_VERSION;
  out[6] = h.encryption ? FLAG_ENCRYPTED : 0;
  view.setUint32(8, h.session, true);
  view.setUint32(12, h.pid, true);
  view.setUint32(16, h.serial, true);
  view.setUint32(20, h.generation, true);
  view.setFloat64(24, h.openedTime, true);
  if (h.encryption) {
    out.set(h.encryption.keyId, 32);
    out.set(h.encryption.ephemeralPublicKey, 36);
    out.set(h.encryption.iv, 68);
  }
  view.setUint32(80, crc32(out.subarray(0, 80)), true);
}

export function parseSegmentHeader(bytes: Uint8Array): SegmentHeader | null {
  if (bytes.length < SEGMENT_HEADER_BYTES) return null;
  for (let i = 0; i < 4; i++) if (bytes[i] !== SEGMENT_MAGIC[i]) return null;
  if (bytes[4] !== SEGMENT_VERSION) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, SEGMENT_HEADER_BYTES);
  if (view.getUint32(80, true) !== crc32(bytes.subarray(0, 80))) return null;
  const header: SegmentHeader = {
    session: view.getUint32(8, true),
    pid: view.getUint32(12, true),
    serial: view.getUint32(16, true),
    generation: view.getUint32(20, true),
    openedTime: view.getFloat64(24, true),
  };
  if (bytes[6] & FLAG_ENCRYPTED) {
    header.encryption = {
      keyId: bytes.slice(32, 32 + KEY_ID_BYTES),
      ephemeralPublicKey: bytes.slice(36, 36 + PUBLIC_KEY_BYTES),
      iv: bytes.slice(68, 68 + NONCE_BYTES),
    };
  }
  return header;
}

export interface Frame {
  /** Offset of the body within the region passed to walkFrames (the keystream position). */
  bodyOffset: number;
  bodyLength: number;
}

/**
 * Frames of a frame region (a segment without its header), from the start until the first
 * one that is cut short or fails its CRC. `end` is where the valid extent stops.
 */
export function walkFrames(region: Uint8Array, generation: number): { frames: Frame[]; end: number } {
  const view = new DataView(region.buffer, region.byteOffset, region.byteLength);
  const frames: Frame[] = [];
  let offset = 0;
  while (offset + FRAME_HEAD_BYTES <= region.length) {
    const bodyLength = view.getUint32(offset, true);
    const bodyOffset = offset + FRAME_HEAD_BYTES;
    if (bodyLength === 0 || bodyLength > region.length - bodyOffset) break;
    const body = region.subarray(bodyOffset, bodyOffset + bodyLength);
    if (crc32(body, generation) !== view.getUint32(offset + 4, true)) break;
    frames.push({ bodyOffset, bodyLength });
    offset = bodyOffset + bodyLength;
  }
  return { frames, end: offset };
}
