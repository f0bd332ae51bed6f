import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BitReader,
  CodecConfigError,
  adtsHeader,
  codecString,
  nalToRbsp,
  parseAudioSpecificConfig,
  parseAv1CodecConfigurationRecord,
  parseAvcDecoderConfigurationRecord,
  parseAvcSps,
  parseCodecConfig,
  parseHevcDecoderConfigurationRecord,
  parseOpusHead,
  parseVpCodecConfigurationRecord,
  splitLengthPrefixed,
} from '../src/index.ts';
import { concat, fuzzParser, hex } from './helpers.ts';

// The x264 1280x720 High profile SPS from the brief: 80x45 macroblocks, no cropping.
const SPS_720P = hex('67 64 00 1f ac d9 40 50 05 bb 01 10 00 00 03 00 10 00 00 03 03 c0 f1 83 19 60');
// avcC boxes written by ffmpeg 5.1 + libx264 for testsrc 1920x1080 yuv420p (ffprobe: High / Constrained
// Baseline, level 40, 1920x1080). 1080 is not a multiple of 16: the SPS codes 1088 rows and crops 8.
const AVCC_HIGH_1080 = hex('01640028ffe1001b67640028acd940780227e5c044000003000400000300c83c60c65801000468ef8fcbfdf8f800');
const AVCC_BASELINE_1080 = hex('0142c028ffe100196742c028da01e0089f97011000000300100000030320f1832a01000468ce0fc8');
// hvcC written by ffmpeg 5.1 + libx265 (info=0), 1920x1080 yuv420p: ffprobe says Main, level 120, coded_height 1088.
const HVCC_1080 = hex(
  '01016000000090000000000078f000fcfdf8f800000f03a00001001840010c01ffff016000000300900000030000030078959409a1' +
    '0001002b420101016000000300900000030000030078a003c0801107cb965654a4c2f0168080000003008000000c84a2000100064401c073c189',
);
const ascii = (s: string) => new TextEncoder().encode(s);
const OPUS_HEAD_STEREO = concat(ascii('OpusHead'), hex('01 02 3801 80bb0000 0000 00'));
// Mapping family 1, 6 channels (5.1): 4 streams, 2 coupled, Vorbis channel order.
const OPUS_HEAD_51 = concat(ascii('OpusHead'), hex('01 06 3801 80bb0000 0000 01 04 02 000401020305'));

test('BitReader: exp-Golomb codes from H.264 Table 9-2', () => {
  // 1 | 010 | 011 | 00100 | 00101 -> ue 0, 1, 2, 3, 4 (padded with zeros)
  const r = new BitReader(hex('a6 42 80'), 'test');
  assert.deepEqual([r.readUE(), r.readUE(), r.readUE(), r.readUE(), r.readUE()], [0, 1, 2, 3, 4]);
  const s = new BitReader(hex('a6 42 80'), 'test');
  assert.deepEqual([s.readSE(), s.readSE(), s.readSE(), s.readSE(), s.readSE()], [0, 1, -1, 2, -2]);
  assert.throws(() => new BitReader(hex('00 00 00 00 01'), 'test').readUE(), (e: unknown) => e instanceof CodecConfigError && e.code === 'malformed');
  assert.throws(() => new BitReader(hex('ff'), 'test').readBits(9), (e: unknown) => e instanceof CodecConfigError && e.code === 'truncated');
});

test('emulation prevention bytes are removed, others kept', () => {
  assert.deepEqual(nalToRbsp(hex('67 00 00 03 01 00 00 03 03')), hex('67 00 00 01 00 00 03'));
  const clean = hex('67 64 00 1f');
  assert.equal(nalToRbsp(clean), clean, 'no copy when there is nothing to remove');
  assert.deepEqual(splitLengthPrefixed(hex('00000002 0910 00000001 65'), 4), [hex('0910'), hex('65')]);
  assert.throws(() => splitLengthPrefixed(hex('00000005 0910'), 4), (e: unknown) => e instanceof CodecConfigError && e.code === 'truncated');
});

test('H.264 SPS from the brief decodes to 1280x720 High@3.1', () => {
  const sps = parseAvcSps(SPS_720P);
  assert.equal(sps.width, 1280);
  assert.equal(sps.height, 720);
  assert.equal(sps.profileIdc, 100);
  assert.equal(sps.levelIdc, 31);
  assert.equal(sps.chromaFormatIdc, 1);
  assert.equal(sps.bitDepthLuma, 8);
  assert.equal(sps.frameMbsOnly, true);
});

test('avcC from x264: cropping to 1080 rows, profile/level, NAL length size, codec string', () => {
  for (const [record, profile, codec] of [[AVCC_HIGH_1080, 100, 'avc1.640028'], [AVCC_BASELINE_1080, 66, 'avc1.42c028']] as const) {
    const config = parseAvcDecoderConfigurationRecord(record);
    assert.equal(config.profile, profile);
    assert.equal(config.level, 40);
    assert.equal(config.nalLengthSize, 4);
    assert.equal(config.sps.length, 1);
    assert.equal(config.pps.length, 1);
    assert.equal(config.sps[0][0] & 0x1f, 7);
    assert.equal(config.pps[0][0] & 0x1f, 8);
    assert.equal(config.spsInfo.width, 1920);
    assert.equal(config.spsInfo.height, 1080);
    assert.equal(config.spsInfo.frameRate, 25);
    assert.equal(codecString(config), codec);
  }
  assert.throws(() => parseAvcDecoderConfigurationRecord(hex('02 64 00 28 ff e1')), (e: unknown) => e instanceof CodecConfigError && e.code === 'truncated');
  assert.throws(() => parseAvcDecoderConfigurationRecord(hex('02 64 00 28 ff e0 00')), (e: unknown) => e instanceof CodecConfigError && e.code === 'unsupported-version');
  assert.throws(() => parseAvcDecoderConfigurationRecord(hex('01 64 00 28 ff e0 00')), (e: unknown) => e instanceof CodecConfigError && e.code === 'malformed');
});

test('hvcC from x265: Main@L4 (level_idc 120), VPS/SPS/PPS arrays, 1920x1080 after the conformance window', () => {
  const config = parseHevcDecoderConfigurationRecord(HVCC_1080);
  assert.equal(config.profileIdc, 1);
  assert.equal(config.levelIdc, 120);
  assert.equal(config.tierFlag, 0);
  assert.equal(config.chromaFormatIdc, 1);
  assert.equal(config.bitDepthLuma, 8);
  assert.equal(config.nalLengthSize, 4);
  assert.deepEqual(config.arrays.map((a) => a.nalType), [32, 33, 34]);
  assert.deepEqual(config.spsInfo, { chromaFormatIdc: 1, width: 1920, height: 1080, bitDepthLuma: 8, bitDepthChroma: 8 });
  // Compatibility flags 0x60000000 (Main + Main10) bit-reversed = 6; constraint bytes 90 00 00 00 00 00.
  assert.equal(codecString(config), 'hvc1.1.6.L120.90');
});

test('AudioSpecificConfig: LC, explicit HE-AAC, escaped object type, explicit rate, 960-sample frames', () => {
  const lc = parseAudioSpecificConfig(hex('12 10'));
  assert.deepEqual([lc.objectType, lc.sampleRate, lc.channels, lc.samplesPerFrame, lc.sbr], [2, 44100, 2, 1024, false]);
  assert.equal(codecString(lc), 'mp4a.40.2');
  // 00101 (SBR) 0110 (24 kHz) 0010 (stereo) 0011 (48 kHz) 00010 (LC core) 000
  const he = parseAudioSpecificConfig(hex('2b 11 88 00'));
  assert.deepEqual([he.objectType, he.coreObjectType, he.sampleRate, he.outputSampleRate, he.sbr, he.ps], [5, 2, 24000, 48000, true, false]);
  assert.equal(codecString(he), 'mp4a.40.5');
  // 11111 + 001010 -> object type 42 (USAC), 0011 (48 kHz), 0010 (stereo)
  const usac = parseAudioSpecificConfig(hex('f9 46 40'));
  assert.deepEqual([usac.objectType, usac.sampleRate, usac.channels], [42, 48000, 2]);
  // 00010 1111 <24-bit 44100> 0001 (mono) 000
  const explicit = parseAudioSpecificConfig(hex('17 80 56 22 08'));
  assert.deepEqual([explicit.samplingFrequencyIndex, explicit.sampleRate, explicit.channels], [15, 44100, 1]);
  assert.equal(parseAudioSpecificConfig(hex('12 14')).samplesPerFrame, 960);
  assert.equal(parseAudioSpecificConfig(hex('11 b8')).channels, 8, 'channelConfiguration 7 is 7.1');
  assert.throws(() => parseAudioSpecificConfig(hex('16 90')), (e: unknown) => e instanceof CodecConfigError && e.code === 'malformed', 'rate index 13 is reserved');
  assert.throws(() => parseAudioSpecificConfig(hex('12')), (e: unknown) => e instanceof CodecConfigError && e.code === 'truncated');
});

test('ADTS header: fields per ISO/IEC 14496-3 1.A.2', () => {
  // LC (profile 1), 44.1 kHz (index 4), stereo, frame_length = 100 + 7 = 107, fullness 0x7FF.
  assert.deepEqual(adtsHeader(parseAudioSpecificConfig(hex('12 10')), 100), hex('ff f1 50 80 0d 7f fc'));
  // HE-AAC: ADTS carries the LC core at the core rate (24 kHz = index 6).
  assert.equal((adtsHeader(parseAudioSpecificConfig(hex('2b 11 88 00')), 10)[2] >> 2) & 0x0f, 6);
  const unsupported = (e: unknown) => e instanceof CodecConfigError && e.code === 'unsupported';
  assert.throws(() => adtsHeader(parseAudioSpecificConfig(hex('17 80 56 22 08')), 10), unsupported);
  assert.throws(() => adtsHeader(parseAudioSpecificConfig(hex('f9 46 40')), 10), unsupported);
  assert.throws(() => adtsHeader(parseAudioSpecificConfig(hex('12 10')), 8185), unsupported);
});

test('OpusHead (RFC 7845 5.1): little-endian fields, mapping table', () => {
  assert.deepEqual(parseOpusHead(OPUS_HEAD_STEREO), {
    codec: 'opus', version: 1, channels: 2, preSkip: 312, inputSampleRate: 48000, outputGain: 0, mappingFamily: 0,
  });
  const surround = parseOpusHead(OPUS_HEAD_51);
  assert.equal(surround.streamCount, 4);
  assert.equal(surround.coupledCount, 2);
  assert.deepEqual(surround.channelMapping, hex('000401020305'));
  assert.equal(codecString(surround), 'opus');
  assert.throws(() => parseOpusHead(concat(ascii('OpusTags'), hex('01 02 3801 80bb0000 0000 00'))), (e: unknown) => e instanceof CodecConfigError && e.code === 'malformed');
  assert.throws(() => parseOpusHead(concat(ascii('OpusHead'), hex('10 02 3801 80bb0000 0000 00'))), (e: unknown) => e instanceof CodecConfigError && e.code === 'unsupported-version');
  assert.throws(() => parseOpusHead(OPUS_HEAD_51.subarray(0, 24)), (e: unknown) => e instanceof CodecConfigError && e.code === 'truncated');
});

test('av1C and vpcC headers and their codec strings', () => {
  // marker|version 0x81; profile 0, level 8; tier 0, 8-bit, 4:2:0 (subsampling x=1 y=1).
  const av1 = parseAv1CodecConfigurationRecord(hex('81 08 0c 00'));
  assert.deepEqual([av1.profile, av1.level, av1.bitDepth, av1.chromaSubsamplingX, av1.chromaSubsamplingY], [0, 8, 8, 1, 1]);
  assert.equal(codecString(av1), 'av01.0.08M.08');
  assert.equal(codecString(parseAv1CodecConfigurationRecord(hex('81 2d c0 00'))), 'av01.1.13H.10');
  // FullBox version 1, flags 0; profile 0, level 31, 8-bit, 4:2:0 colocated (1), limited range; BT.709; no init data.
  const vp9 = parseVpCodecConfigurationRecord(hex('01 000000 00 1f 82 01 01 01 0000'), 'vp9');
  assert.equal(codecString(vp9), 'vp09.00.31.08');
  assert.equal(vp9.chromaSubsampling, 1);
});

test('parseCodecConfig dispatches on the tag header codec', () => {
  assert.equal(parseCodecConfig('avc', AVCC_HIGH_1080).codec, 'avc');
  assert.equal(parseCodecConfig('hevc', HVCC_1080).codec, 'hevc');
  assert.equal(parseCodecConfig('aac', hex('12 10')).codec, 'aac');
  assert.equal(parseCodecConfig('opus', OPUS_HEAD_STEREO).codec, 'opus');
  assert.throws(() => parseCodecConfig('h263', hex('00')), (e: unknown) => e instanceof CodecConfigError && e.code === 'unsupported');
  assert.equal(codecString('mp3'), 'mp4a.40.34');
});

test('fuzz: every codec configuration parser returns or throws CodecConfigError', () => {
  fuzzParser(parseAvcSps, [SPS_720P, parseAvcDecoderConfigurationRecord(AVCC_HIGH_1080).sps[0]]);
  fuzzParser(parseAvcDecoderConfigurationRecord, [AVCC_HIGH_1080, AVCC_BASELINE_1080]);
  fuzzParser(parseHevcDecoderConfigurationRecord, [HVCC_1080]);
  fuzzParser(parseAudioSpecificConfig, [hex('12 10'), hex('2b 11 88 00'), hex('f9 46 40'), hex('17 80 56 22 08')]);
  fuzzParser(parseOpusHead, [OPUS_HEAD_STEREO, OPUS_HEAD_51]);
  fuzzParser(parseAv1CodecConfigurationRecord, [hex('81 08 0c 00')]);
  fuzzParser((b) => parseVpCodecConfigurationRecord(b, 'vp9'), [hex('01 000000 00 1f 82 01 01 01 0000')]);
  fuzzParser((b) => splitLengthPrefixed(b, 4), [hex('00000002 0910 00000001 65')]);
  fuzzParser((b) => adtsHeader(parseAudioSpecificConfig(b), 100), [hex('12 10')]);
  fuzzParser((b) => {
    const config = parseCodecConfig('hevc', b);
    return codecString(config);
  }, [HVCC_1080]);
});
