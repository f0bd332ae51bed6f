import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FlvError, isSequenceHeader, isVideoKeyframe, isVideoSequenceHeader, parseVideoTagHeader } from '../src/index.ts';
import { concat, fuzzParser, hex } from './helpers.ts';

const ascii = (s: string) => new TextEncoder().encode(s);
// x264 High profile 1920x1080 avcC (ffmpeg -profile:v high), see codec-avc.test.ts.
const AVCC = hex('01640028ffe1001b67640028acd940780227e5c044000003000400000300c83c60c65801000468ef8fcbfdf8f800');

// Legacy FLV VIDEODATA: FrameType(4) | CodecID(4), then for AVC AVCPacketType + SI24 CompositionTime.
const legacySequenceHeader = concat(hex('17 00 000000'), AVCC);
const legacyKeyframe = hex('17 01 000028 00000002 0910');
const legacyInterNegativeCts = hex('27 01 ffffd8 00000001 41');
// E-RTMP: IsExHeader(0x80) | FrameType << 4 | VideoPacketType, then FourCC.
const exHevcStart = concat(hex('90'), ascii('hvc1'), hex('0101600000'));
const exHevcCoded = concat(hex('91'), ascii('hvc1'), hex('000021'), hex('00000003 260101'));
const exHevcCodedX = concat(hex('93'), ascii('hvc1'), hex('00000003 260101'));
const exAv1Inter = concat(hex('a1'), ascii('av01'), hex('12 00 32'));
// ModEx (7): size-1 = 2 -> 3 bytes TimestampOffsetNano = 500, then ModExType 0 | PacketType CodedFrames.
const exModExCoded = concat(hex('97 02 0001f4 01'), ascii('hvc1'), hex('000000'), hex('00000001 26'));
const exMultitrackKey = concat(hex('96 11'), ascii('av01'), hex('00 000003 123456'), hex('01 000002 abcd'));

test('legacy AVC sequence header, NALU and end of sequence', () => {
  assert.deepEqual(parseVideoTagHeader(legacySequenceHeader), {
    isEnhanced: false, codec: 'avc', frameType: 'keyframe', packetType: 'sequence-start', compositionTime: 0, dataOffset: 5,
  });
  const key = parseVideoTagHeader(legacyKeyframe);
  assert.equal(key.packetType, 'coded-frames');
  assert.equal(key.compositionTime, 40);
  const inter = parseVideoTagHeader(legacyInterNegativeCts);
  assert.equal(inter.frameType, 'inter');
  assert.equal(inter.compositionTime, -40, 'CompositionTime is SI24');
  assert.equal(parseVideoTagHeader(hex('17 02 000000')).packetType, 'sequence-end');
});

test('legacy non-AVC codecs, flv_265 HEVC id 12 and command frames', () => {
  assert.deepEqual(parseVideoTagHeader(hex('22 0000')), {
    isEnhanced: false, codec: 'h263', frameType: 'inter', packetType: 'coded-frames', compositionTime: 0, dataOffset: 1,
  });
  assert.equal(parseVideoTagHeader(hex('34 00')).codec, 'vp6');
  assert.equal(parseVideoTagHeader(hex('32 00')).frameType, 'disposable-inter');
  const hevc = parseVideoTagHeader(hex('1c 01 000014 00'));
  assert.equal(hevc.codec, 'hevc');
  assert.equal(hevc.compositionTime, 20);
  const command = parseVideoTagHeader(hex('57 01'));
  assert.equal(command.packetType, 'command');
  assert.equal(command.command, 'end-seek');
});

test('legacy errors are typed', () => {
  const code = (bytes: Uint8Array) => {
    try {
      parseVideoTagHeader(bytes);
      return 'parsed';
    } catch (error) {
      assert.ok(error instanceof FlvError);
      return error.code;
    }
  };
  assert.equal(code(new Uint8Array(0)), 'empty-payload');
  assert.equal(code(hex('18 00')), 'unsupported-codec');
  assert.equal(code(hex('07 00 000000')), 'reserved-value');
  assert.equal(code(hex('17 03 000000')), 'unsupported-packet-type');
  assert.equal(code(hex('17 01 00')), 'truncated');
  assert.equal(code(hex('57 05')), 'reserved-value');
});

test('E-RTMP sequence start, coded frames with and without composition time', () => {
  assert.deepEqual(parseVideoTagHeader(exHevcStart), {
    isEnhanced: true, codec: 'hevc', fourCc: 'hvc1', frameType: 'keyframe', packetType: 'sequence-start', compositionTime: 0, dataOffset: 5,
  });
  const coded = parseVideoTagHeader(exHevcCoded);
  assert.equal(coded.packetType, 'coded-frames');
  assert.equal(coded.compositionTime, 33);
  assert.equal(coded.dataOffset, 8);
  const codedX = parseVideoTagHeader(exHevcCodedX);
  assert.equal(codedX.packetType, 'coded-frames');
  assert.equal(codedX.compositionTime, 0);
  assert.equal(codedX.dataOffset, 5);
  const av1 = parseVideoTagHeader(exAv1Inter);
  assert.equal(av1.codec, 'av1');
  assert.equal(av1.frameType, 'inter');
  assert.equal(av1.dataOffset, 5, 'AV1 CodedFrames carry no SI24');
  assert.equal(parseVideoTagHeader(concat(hex('92'), ascii('vp09'))).packetType, 'sequence-end');
  assert.equal(parseVideoTagHeader(concat(hex('95'), ascii('av01'), hex('80'))).packetType, 'mpeg2ts-sequence-start');
});

test('E-RTMP metadata ignores a reserved frame type; commands carry no FourCC', () => {
  const meta = parseVideoTagHeader(concat(hex('84'), ascii('hvc1'), hex('02 0009'), ascii('colorInfo')));
  assert.equal(meta.packetType, 'metadata');
  assert.equal(meta.frameType, 'reserved');
  const command = parseVideoTagHeader(hex('d0 00'));
  assert.equal(command.packetType, 'command');
  assert.equal(command.command, 'start-seek');
  assert.equal(command.codec, undefined);
});

test('E-RTMP ModEx TimestampOffsetNano, including the UI16 size escape', () => {
  const h = parseVideoTagHeader(exModExCoded);
  assert.equal(h.timestampOffsetNano, 500);
  assert.equal(h.packetType, 'coded-frames');
  assert.equal(h.dataOffset, 13);
  // size byte 0xff escapes to UI16 + 1 = 0x0003 + 1 = 4 bytes of data.
  const escaped = concat(hex('97 ff 0003 000010 00 01'), ascii('avc1'), hex('000000'));
  const e = parseVideoTagHeader(escaped);
  assert.equal(e.timestampOffsetNano, 16);
  assert.equal(e.codec, 'avc');
  assert.equal(e.dataOffset, escaped.length);
  assert.throws(() => parseVideoTagHeader(hex('97 05 0000')), (err: unknown) => err instanceof FlvError && err.code === 'truncated');
});

test('E-RTMP multitrack is reported with its per-track packet type and shared FourCC', () => {
  const h = parseVideoTagHeader(exMultitrackKey);
  assert.equal(h.packetType, 'multitrack');
  assert.deepEqual(h.multitrack, { kind: 'many-tracks', packetType: 'coded-frames', fourCc: 'av01' });
  assert.equal(h.dataOffset, 6);
  const manyCodecs = parseVideoTagHeader(hex('96 20 00 000001 00'));
  assert.deepEqual(manyCodecs.multitrack, { kind: 'many-tracks-many-codecs', packetType: 'sequence-start' });
  assert.equal(manyCodecs.codec, undefined);
  assert.equal(manyCodecs.dataOffset, 2);
  assert.throws(() => parseVideoTagHeader(concat(hex('96 16'), ascii('av01'))), (err: unknown) => err instanceof FlvError && err.code === 'unsupported-packet-type');
  assert.throws(() => parseVideoTagHeader(concat(hex('96 31'), ascii('av01'))), (err: unknown) => err instanceof FlvError && err.code === 'reserved-value');
});

test('E-RTMP unknown FourCC and reserved packet types fail with typed errors', () => {
  assert.throws(() => parseVideoTagHeader(concat(hex('91'), ascii('xyz1'))), (err: unknown) => err instanceof FlvError && err.code === 'unsupported-codec');
  assert.throws(() => parseVideoTagHeader(concat(hex('98'), ascii('hvc1'))), (err: unknown) => err instanceof FlvError && err.code === 'unsupported-packet-type');
  assert.throws(() => parseVideoTagHeader(concat(hex('f1'), ascii('hvc1'))), (err: unknown) => err instanceof FlvError && err.code === 'reserved-value');
});

test('isVideoKeyframe: key frames with picture data only', () => {
  for (const yes of [legacyKeyframe, exHevcCoded, exHevcCodedX, exModExCoded, exMultitrackKey, hex('12 00'), hex('47 01 000000')]) {
    assert.equal(isVideoKeyframe(yes), true, Buffer.from(yes).toString('hex'));
  }
  for (const no of [legacySequenceHeader, legacyInterNegativeCts, exHevcStart, exAv1Inter, hex('d0 00'), hex('57 00'), hex('17'), new Uint8Array(0), hex('97 05'), hex('18 01')]) {
    assert.equal(isVideoKeyframe(no), false, Buffer.from(no).toString('hex'));
  }
});

test('isVideoSequenceHeader / isSequenceHeader: configs in every framing', () => {
  const modExStart = concat(hex('97 02 000000 00'), ascii('hvc1'));
  const multitrackStart = concat(hex('96 10'), ascii('hvc1'));
  for (const yes of [legacySequenceHeader, exHevcStart, modExStart, multitrackStart, concat(hex('95'), ascii('av01')), hex('1c 00 000000')]) {
    assert.equal(isVideoSequenceHeader(yes), true, Buffer.from(yes).toString('hex'));
    assert.equal(isSequenceHeader(9, yes), true);
  }
  for (const no of [legacyKeyframe, exHevcCoded, hex('d0 00'), hex('50 00'), hex('22 00'), hex('17'), hex('97 01')]) {
    assert.equal(isVideoSequenceHeader(no), false, Buffer.from(no).toString('hex'));
  }
  assert.equal(isSequenceHeader(18, legacySequenceHeader), false);
});

test('fuzz: parseVideoTagHeader returns or throws FlvError; the quick checks never throw', () => {
  const vectors = [legacySequenceHeader, legacyKeyframe, exHevcStart, exHevcCoded, exModExCoded, exMultitrackKey];
  fuzzParser(parseVideoTagHeader, vectors);
  fuzzParser((bytes) => {
    isVideoKeyframe(bytes);
    isVideoSequenceHeader(bytes);
  }, vectors);
});
