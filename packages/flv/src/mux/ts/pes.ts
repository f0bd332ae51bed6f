// PES packet header (ISO/IEC 13818-1 2.4.3.6) with 90 kHz PTS and, when it differs, DTS.

import { TIMESTAMP_WRAP } from './packet.ts';

export const STREAM_ID_VIDEO = 0xe0;
export const STREAM_ID_AUDIO = 0xc0;
const PTS_ONLY = 0x80;
const PTS_AND_DTS = 0xc0;
/** PES_packet_length is 16 bits; 0 ("unbounded") is allowed only for video in a TS. */
const MAX_PES_PACKET_LENGTH = 0xffff;

export function pesHeaderSize(pts: number, dts: number): number {
  return pts === dts ? 14 : 19;
}

/**
 * Writes the PES header at `out[0]` for a payload of `payloadLength` bytes. Timestamps are 90 kHz
 * ticks and wrap at 2^33. Returns false when the packet is too long for PES_packet_length and the
 * stream may not use 0 (audio): the caller must then split its payload.
 */
export function writePesHeader(out: Uint8Array, streamId: number, pts: number, dts: number, payloadLength: number): boolean {
  const withDts = pts !== dts;
  const headerDataLength = withDts ? 10 : 5;
  const pesLength = 3 + headerDataLength + payloadLength;
  if (pesLength > MAX_PES_PACKET_LENGTH && streamId !== STREAM_ID_VIDEO) return false;
  const lengthField = pesLength > MAX_PES_PACKET_LENGTH ? 0 : pesLength;
  out[0] = 0;
  out[1] = 0;
  out[2] = 1;
  out[3] = streamId;
  out[4] = lengthField >> 8;
  out[5] = lengthField & 0xff;
  out[6] = 0x84; // '10', not scrambled, data_alignment_indicator: an access unit starts here
  out[7] = withDts ? PTS_AND_DTS : PTS_ONLY;
  out[8] = headerDataLength;
  writeTimestamp(out, 9, withDts ? 0x3 : 0x2, pts);
  if (withDts) writeTimestamp(out, 14, 0x1, dts);
  return true;
}

/** 4-bit prefix, then the 33 bits split 3/15/15, each group followed by a marker bit. */
function writeTimestamp(out: Uint8Array, o: number, prefix: number, ticks: number): void {
  const t = ((ticks % TIMESTAMP_WRAP) + TIMESTAMP_WRAP) % TIMESTAMP_WRAP;
  const high = Math.floor(t / 2 ** 30); // bits 32..30
  const low = t % 2 ** 30;
  out[o] = (prefix << 4) | (high << 1) | 1;
  out[o + 1] = (low >> 22) & 0xff;
  out[o + 2] = (((low >> 15) & 0x7f) << 1) | 1;
  out[o + 3] = (low >> 7) & 0xff;
  out[o + 4] = ((low & 0x7f) << 1) | 1;
}
