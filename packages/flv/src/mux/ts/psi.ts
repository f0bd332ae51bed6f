// Program-specific information (ISO/IEC 13818-1 2.4.4): one program, so one PAT entry and a PMT
// listing each elementary stream. Each section fits one TS packet; the rest is 0xFF stuffing.

import { crc32Mpeg2 } from './crc32.ts';
import { ContinuityCounter, TS_PACKET_SIZE } from './packet.ts';

export const PAT_PID = 0x0000;
export const PMT_PID = 0x1000;
const PROGRAM_NUMBER = 1;
const TRANSPORT_STREAM_ID = 1;
const TABLE_PAT = 0x00;
const TABLE_PMT = 0x02;

export interface PmtStream {
  streamType: number;
  pid: number;
}

/** Wraps a section (without CRC) into one TS packet: header, pointer_field 0, section, CRC, stuffing. */
function sectionPacket(pid: number, counter: ContinuityCounter, section: number[]): Uint8Array {
  const packet = new Uint8Array(TS_PACKET_SIZE).fill(0xff);
  packet[0] = 0x47;
  packet[1] = 0x40 | ((pid >> 8) & 0x1f); // payload_unit_start_indicator: a section starts here
  packet[2] = pid & 0xff;
  packet[3] = 0x10 | counter.next(); // payload only
  packet[4] = 0; // pointer_field
  packet.set(section, 5);
  const crc = crc32Mpeg2(packet, 5, 5 + section.length);
  packet.set([crc >>> 24, (crc >>> 16) & 0xff, (crc >>> 8) & 0xff, crc & 0xff], 5 + section.length);
  return packet;
}

/** section_syntax_indicator 1, '0', reserved '11', 12-bit section_length (which counts the CRC). */
function sectionHeader(tableId: number, bodyLength: number): number[] {
  const sectionLength = bodyLength + 4;
  return [tableId, 0xb0 | (sectionLength >> 8), sectionLength & 0xff];
}

export function patPacket(counter: ContinuityCounter): Uint8Array {
  const body = [
    TRANSPORT_STREAM_ID >> 8, TRANSPORT_STREAM_ID & 0xff,
    0xc1, // reserved '11', version 0, current_next_indicator 1
    0, 0, // section_number, last_section_number
    PROGRAM_NUMBER >> 8, PROGRAM_NUMBER & 0xff,
    0xe0 | (PMT_PID >> 8), PMT_PID & 0xff,
  ];
  return sectionPacket(PAT_PID, counter, [...sectionHeader(TABLE_PAT, body.length), ...body]);
}

export function pmtPacket(counter: ContinuityCounter, pcrPid: number, streams: readonly PmtStream[]): Uint8Array {
  const body = [
    PROGRAM_NUMBER >> 8, PROGRAM_NUMBER & 0xff,
    0xc1,
    0, 0,
    0xe0 | (pcrPid >> 8), pcrPid & 0xff,
    0xf0, 0x00, // program_info_length 0
  ];
  for (const stream of streams) body.push(stream.streamType, 0xe0 | (stream.pid >> 8), stream.pid & 0xff, 0xf0, 0x00);
  return sectionPacket(PMT_PID, counter, [...sectionHeader(TABLE_PMT, body.length), ...body]);
}
