import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  FlvError,
  TsMuxer,
  crc32Mpeg2,
  parseAudioSpecificConfig,
  parseAvcDecoderConfigurationRecord,
  parseHevcDecoderConfigurationRecord,
} from '../src/index.ts';
import { concat, hex, resultOrTypedError } from './helpers.ts';

// Same x264/x265 records as codec.test.ts.
const AVC = parseAvcDecoderConfigurationRecord(hex('01640028ffe1001b67640028acd940780227e5c044000003000400000300c83c60c65801000468ef8fcbfdf8f800'));
const HEVC = parseHevcDecoderConfigurationRecord(hex(
  '01016000000090000000000078f000fcfdf8f800000f03a00001001840010c01ffff016000000300900000030000030078959409a1' +
    '0001002b420101016000000300900000030000030078a003c0801107cb965654a4c2f0168080000003008000000c84a2000100064401c073c189',
));
const AAC_LC = parseAudioSpecificConfig(hex('12 10'));

// --- an independent reader for what we write (ISO/IEC 13818-1 2.4.3.2, 2.4.3.4, 2.4.3.6) ---

interface Packet {
  pid: number;
  start: boolean;
  cc: number;
  hasPayload: boolean;
  randomAccess: boolean;
  pcr?: number;
  payload: Uint8Array;
}

function readPackets(ts: Uint8Array): Packet[] {
  assert.equal(ts.length % 188, 0, 'whole 188-byte packets');
  const packets: Packet[] = [];
  for (let o = 0; o < ts.length; o += 188) {
    const p = ts.subarray(o, o + 188);
    assert.equal(p[0], 0x47, 'sync byte');
    const afc = (p[3] >> 4) & 3;
    let payloadStart = 4;
    let randomAccess = false;
    let pcr: number | undefined;
    if (afc & 2) {
      const length = p[4];
      assert.ok(length <= 183);
      if (length > 0) {
        randomAccess = (p[5] & 0x40) !== 0;
        if (p[5] & 0x10) pcr = p[6] * 2 ** 25 + p[7] * 2 ** 17 + p[8] * 2 ** 9 + p[9] * 2 + (p[10] >> 7);
        for (let i = 6 + (pcr === undefined ? 0 : 6); i < 5 + length; i++) assert.equal(p[i], 0xff, 'stuffing bytes');
      }
      payloadStart = 5 + length;
    }
    packets.push({
      pid: ((p[1] & 0x1f) << 8) | p[2],
      start: (p[1] & 0x40) !== 0,
      cc: p[3] & 0x0f,
      hasPayload: (afc & 1) !== 0,
      randomAccess,
      pcr,
      payload: p.subarray(payloadStart),
    });
  }
  return packets;
}

function readTimestamp(b: Uint8Array, o: number): number {
  return ((b[o] >> 1) & 7) * 2 ** 30 + (b[o + 1] << 22) + ((b[o + 2] >> 1) << 15) + (b[o + 3] << 7) + (b[o + 4] >> 1);
}

interface Pes {
  streamId: number;
  lengthField: number;
  pts: number;
  dts: number;
  data: Uint8Array;
}

function readPes(packets: Packet[]): Pes {
  assert.ok(packets[0].start, 'first packet starts the PES');
  assert.ok(packets.slice(1).every((p) => !p.start));
  const bytes = concat(...packets.map((p) => p.payload));
  assert.deepEqual(bytes.subarray(0, 3), hex('000001'));
  const flags = bytes[7] >> 6;
  const pts = readTimestamp(bytes, 9);
  const dts = flags === 3 ? readTimestamp(bytes, 14) : pts;
  return { streamId: bytes[3], lengthField: (bytes[4] << 8) | bytes[5], pts, dts, data: bytes.subarray(9 + bytes[8]) };
}

/** Splits an Annex B stream on 4-byte start codes (all this muxer writes). */
function annexBUnits(data: Uint8Array): Uint8Array[] {
  const starts: number[] = [];
  for (let i = 0; i + 3 < data.length; i++) if (data[i] === 0 && data[i + 1] === 0 && data[i + 2] === 0 && data[i + 3] === 1) starts.push(i);
  return starts.map((s, k) => data.subarray(s + 4, k + 1 < starts.length ? starts[k + 1] : data.length));
}

function avcc(...units: Uint8Array[]): Uint8Array {
  return concat(...units.flatMap((u) => [hex((u.length >>> 0).toString(16).padStart(8, '0')), u]));
}

// --- tests ---

test('CRC-32/MPEG-2 check value', () => {
  assert.equal(crc32Mpeg2(new TextEncoder().encode('123456789')), 0x0376e6e7);
});

test('segmentStart: PAT -> PMT PID, PMT lists streams and the PCR PID, CRCs verify, CCs advance', () => {
  const muxer = new TsMuxer({ video: { codec: 'avc', config: AVC }, audio: { codec: 'aac', config: AAC_LC } });
  const [pat, pmt] = readPackets(muxer.segmentStart());
  assert.equal(pat.pid, 0);
  assert.equal(pmt.pid, 0x1000);
  for (const packet of [pat, pmt]) {
    assert.ok(packet.start);
    assert.equal(packet.payload[0], 0, 'pointer_field');
    const sectionLength = ((packet.payload[2] & 0x0f) << 8) | packet.payload[3];
    // Running the CRC over a section including its CRC_32 leaves 0.
    assert.equal(crc32Mpeg2(packet.payload, 1, 4 + sectionLength), 0);
  }
  assert.deepEqual(pat.payload.subarray(1, 13), hex('00 b00d 0001 c1 00 00 0001 f000'));
  const section = pmt.payload.subarray(1);
  assert.equal(section[0], 2, 'table_id PMT');
  assert.equal(((section[8] & 0x1f) << 8) | section[9], 0x100, 'PCR on the video PID');
  assert.deepEqual(section.subarray(12, 22), hex('1b e100 f000 0f e101 f000'));
  const [pat2, pmt2] = readPackets(muxer.segmentStart());
  assert.equal(pat2.cc, (pat.cc + 1) & 15);
  assert.equal(pmt2.cc, (pmt.cc + 1) & 15);

  const audioOnly = readPackets(new TsMuxer({ audio: { codec: 'aac', config: AAC_LC } }).segmentStart())[1].payload.subarray(1);
  assert.equal(((audioOnly[8] & 0x1f) << 8) | audioOnly[9], 0x101, 'PCR on audio when audio-only');
  const hevc = readPackets(new TsMuxer({ video: { codec: 'hevc', config: HEVC } }).segmentStart())[1].payload.subarray(1);
  assert.equal(hevc[12], 0x24, 'HEVC stream_type');
});

test('video keyframe: RAI + PCR, PTS = DTS + CTS at 90 kHz, AUD then SPS/PPS then the slices', () => {
  const muxer = new TsMuxer({ video: { codec: 'avc', config: AVC } });
  const sei = hex('06 05 01 aa 80');
  const idr = new Uint8Array(700).fill(0x42);
  idr[0] = 0x65;
  const packets = readPackets(muxer.writeVideo(1000, 80, avcc(hex('09 f0'), sei, idr), true));
  assert.ok(packets.every((p) => p.pid === 0x100));
  assert.ok(packets[0].randomAccess);
  assert.equal(packets[0].pcr, 90_000);
  assert.ok(packets.slice(1).every((p) => p.pcr === undefined && !p.randomAccess));
  packets.forEach((p, i) => assert.equal(p.cc, i & 15, 'continuity counter'));
  const pes = readPes(packets);
  assert.equal(pes.streamId, 0xe0);
  assert.equal(pes.dts, 90_000);
  assert.equal(pes.pts, 97_200);
  const units = annexBUnits(pes.data);
  assert.deepEqual(units.map((u) => u[0] & 0x1f), [9, 7, 8, 6, 5], 'AUD, SPS, PPS, SEI, IDR; the input AUD is not repeated');
  assert.deepEqual(units[1], AVC.sps[0]);
  assert.deepEqual(units[4], idr);
  assert.equal(pes.lengthField, pes.data.length + 3 + 10);
});

test('video inter frame: no parameter sets, PTS only when CTS is 0, CCs continue across frames', () => {
  const muxer = new TsMuxer({ video: { codec: 'avc', config: AVC } });
  const first = readPackets(muxer.writeVideo(0, 0, avcc(hex('65 88')), true));
  const inter = readPackets(muxer.writeVideo(40, 0, avcc(hex('41 9a 01')), false));
  assert.equal(inter[0].cc, (first[first.length - 1].cc + 1) & 15);
  assert.equal(inter[0].randomAccess, false);
  const pes = readPes(inter);
  assert.equal(pes.pts, 3600);
  assert.equal(pes.dts, 3600);
  assert.deepEqual(annexBUnits(pes.data).map((u) => u[0] & 0x1f), [9, 1]);
  // A keyframe that carries its own SPS/PPS gets no second copy.
  const own = readPes(readPackets(muxer.writeVideo(80, 0, avcc(AVC.sps[0], AVC.pps[0], hex('65 88')), true)));
  assert.deepEqual(annexBUnits(own.data).map((u) => u[0] & 0x1f), [9, 7, 8, 5]);
});

test('HEVC: AUD type 35 and VPS/SPS/PPS before an IRAP picture', () => {
  const muxer = new TsMuxer({ video: { codec: 'hevc', config: HEVC } });
  const pes = readPes(readPackets(muxer.writeVideo(0, 0, avcc(hex('2601 af 00')), true)));
  assert.deepEqual(annexBUnits(pes.data).map((u) => (u[0] >> 1) & 0x3f), [35, 32, 33, 34, 19]);
});

test('frames over 64 KiB use PES_packet_length 0 (video only)', () => {
  const muxer = new TsMuxer({ video: { codec: 'avc', config: AVC } });
  const big = new Uint8Array(100_000).fill(1);
  big[0] = 0x41;
  const pes = readPes(readPackets(muxer.writeVideo(0, 0, avcc(big), false)));
  assert.equal(pes.lengthField, 0);
  assert.equal(pes.data.length, 6 + 4 + big.length);
});

test('AAC frames get an ADTS header with the right frame_length; audio PTS at 90 kHz', () => {
  const muxer = new TsMuxer({ video: { codec: 'avc', config: AVC }, audio: { codec: 'aac', config: AAC_LC } });
  const frame = new Uint8Array(371).fill(7);
  const packets = readPackets(muxer.writeAudio(23, frame));
  assert.ok(packets.every((p) => p.pid === 0x101 && p.pcr === undefined));
  const pes = readPes(packets);
  assert.equal(pes.streamId, 0xc0);
  assert.equal(pes.pts, 23 * 90);
  const adts = pes.data;
  assert.equal(adts[0], 0xff);
  assert.equal(adts[1] & 0xf6, 0xf0, 'syncword, layer 0');
  assert.equal(((adts[3] & 3) << 11) | (adts[4] << 3) | (adts[5] >> 5), 7 + 371, 'frame_length');
  assert.deepEqual(adts.subarray(7), frame);
  const audioOnly = readPackets(new TsMuxer({ audio: { codec: 'aac', config: AAC_LC } }).writeAudio(10, frame));
  assert.equal(audioOnly[0].pcr, 900);
});

test('MP3 audio: stream_type 0x03, frames carried unchanged', () => {
  const muxer = new TsMuxer({ audio: { codec: 'mp3' } });
  const pmt = readPackets(muxer.segmentStart())[1].payload.subarray(1);
  assert.deepEqual(pmt.subarray(12, 17), hex('03 e101 f000'));
  const frame = hex('fffb9064 00 11 22 33');
  assert.deepEqual(readPes(readPackets(muxer.writeAudio(26, frame))).data, frame);
});

test('timestamps wrap at 2^33 ticks', () => {
  const muxer = new TsMuxer({ video: { codec: 'avc', config: AVC } });
  const wrapMs = 2 ** 33 / 90; // not an integer number of ms: 95443717.688…
  const dts = Math.ceil(wrapMs) + 1000;
  const packets = readPackets(muxer.writeVideo(dts, 0, avcc(hex('41 00')), false));
  assert.equal(readPes(packets).pts, dts * 90 - 2 ** 33);
});

test('any payload size packs into whole packets and reads back byte-exact (stuffing boundaries)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 1200 }), fc.boolean(), (size, keyframe) => {
      const muxer = new TsMuxer({ video: { codec: 'avc', config: AVC } });
      const nal = new Uint8Array(size).fill(0x33);
      nal[0] = 0x41;
      const pes = readPes(readPackets(muxer.writeVideo(0, 40, avcc(nal), keyframe)));
      const units = annexBUnits(pes.data);
      assert.deepEqual(units[units.length - 1], nal);
    }),
    { numRuns: 400 },
  );
});

test('misuse and malformed access units fail with typed errors', () => {
  assert.throws(() => new TsMuxer({}), (e: unknown) => e instanceof FlvError && e.code === 'invalid-argument');
  const videoOnly = new TsMuxer({ video: { codec: 'avc', config: AVC } });
  assert.throws(() => videoOnly.writeAudio(0, hex('00')), (e: unknown) => e instanceof FlvError && e.code === 'invalid-argument');
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (data, keyframe) => {
      resultOrTypedError(() => readPackets(videoOnly.writeVideo(0, 0, data, keyframe)));
    }),
    { numRuns: 500 },
  );
});
