import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FlvError, isAudioSequenceHeader, isSequenceHeader, parseAudioTagHeader } from '../src/index.ts';
import { concat, fuzzParser, hex } from './helpers.ts';

const ascii = (s: string) => new TextEncoder().encode(s);
// SoundFormat 10 (AAC) | SoundRate 3 (44 kHz) | SoundSize 1 (16-bit) | SoundType 1 (stereo) = 0xAF.
const aacSequenceHeader = hex('af 00 1210');
const aacRaw = hex('af 01 210049');
// RFC 7845 OpusHead: magic, version 1, 2 channels, pre-skip 312 (LE), 48000 Hz (LE), gain 0, family 0.
const OPUS_HEAD = concat(ascii('OpusHead'), hex('01 02 3801 80bb0000 0000 00'));
// E-RTMP: SoundFormat 9 (ExHeader) << 4 | AudioPacketType, then FourCC.
const exOpusStart = concat(hex('90'), ascii('Opus'), OPUS_HEAD);
const exOpusCoded = concat(hex('91'), ascii('Opus'), hex('fc ff fe'));
const exModExAac = concat(hex('97 02 0003e8 01'), ascii('mp4a'), hex('21 00'));
const exMultitrackStart = concat(hex('95 10'), ascii('Opus'), hex('00 000013'), OPUS_HEAD);

/** The typed error code a header parse fails with, or 'parsed'. */
function code(bytes: Uint8Array): string {
  try {
    parseAudioTagHeader(bytes);
    return 'parsed';
  } catch (error) {
    assert.ok(error instanceof FlvError);
    return error.code;
  }
}

test('legacy AAC sequence header and raw frame', () => {
  assert.deepEqual(parseAudioTagHeader(aacSequenceHeader), {
    isEnhanced: false, codec: 'aac', packetType: 'sequence-start', dataOffset: 2, soundRate: 44100, soundSize: 16, channels: 2,
  });
  const raw = parseAudioTagHeader(aacRaw);
  assert.equal(raw.packetType, 'coded-frames');
  assert.equal(raw.dataOffset, 2);
});

test('legacy non-AAC formats carry data right after the one header byte', () => {
  const cases: [string, string, number, number, number][] = [
    ['2f', 'mp3', 44100, 16, 2],
    ['72', 'g711-alaw', 5512, 16, 1],
    ['86', 'g711-mulaw', 11025, 16, 1],
    ['b6', 'speex', 11025, 16, 1],
    ['68', 'nellymoser', 22050, 8, 1],
    ['e2', 'mp3-8k', 5512, 16, 1],
    ['33', 'lpcm-le', 5512, 16, 2],
  ];
  for (const [byte, codec, soundRate, soundSize, channels] of cases) {
    assert.deepEqual(parseAudioTagHeader(hex(`${byte} 00`)), {
      isEnhanced: false, codec, packetType: 'coded-frames', dataOffset: 1, soundRate, soundSize, channels,
    }, byte);
  }
});

test('legacy errors are typed, and the empty silence message is distinguishable', () => {
  assert.equal(code(new Uint8Array(0)), 'empty-payload');
  assert.equal(code(hex('c0 00')), 'unsupported-codec');
  assert.equal(code(hex('d0 00')), 'unsupported-codec');
  assert.equal(code(hex('af 02')), 'unsupported-packet-type');
  assert.equal(code(hex('af')), 'truncated');
});

test('E-RTMP FourCC audio: Opus, AAC, FLAC, MP3, AC-3, E-AC-3', () => {
  assert.deepEqual(parseAudioTagHeader(exOpusStart), { isEnhanced: true, codec: 'opus', fourCc: 'Opus', packetType: 'sequence-start', dataOffset: 5 });
  assert.equal(parseAudioTagHeader(exOpusCoded).packetType, 'coded-frames');
  const expected: Record<string, string> = { mp4a: 'aac', fLaC: 'flac', '.mp3': 'mp3', 'ac-3': 'ac3', 'ec-3': 'eac3' };
  for (const [fourCc, codec] of Object.entries(expected)) {
    assert.equal(parseAudioTagHeader(concat(hex('91'), ascii(fourCc))).codec, codec);
  }
  assert.equal(parseAudioTagHeader(concat(hex('92'), ascii('Opus'))).packetType, 'sequence-end');
  const channels = parseAudioTagHeader(concat(hex('94'), ascii('Opus'), hex('01 02 00000003')));
  assert.equal(channels.packetType, 'multichannel-config');
  assert.equal(channels.dataOffset, 5);
});

test('E-RTMP audio ModEx and multitrack', () => {
  const modEx = parseAudioTagHeader(exModExAac);
  assert.equal(modEx.timestampOffsetNano, 1000);
  assert.equal(modEx.codec, 'aac');
  assert.equal(modEx.dataOffset, 10);
  const multi = parseAudioTagHeader(exMultitrackStart);
  assert.equal(multi.packetType, 'multitrack');
  assert.deepEqual(multi.multitrack, { kind: 'many-tracks', packetType: 'sequence-start', fourCc: 'Opus' });
  assert.equal(multi.dataOffset, 6);
  assert.equal(parseAudioTagHeader(hex('95 21 00 000002 1234')).codec, undefined);
});

test('E-RTMP audio: unknown FourCC, reserved packet type and multitrack-in-multitrack are typed errors', () => {
  assert.equal(code(concat(hex('91'), ascii('vorb'))), 'unsupported-codec');
  assert.equal(code(concat(hex('93'), ascii('Opus'))), 'unsupported-packet-type');
  assert.equal(code(concat(hex('95 05'), ascii('Opus'))), 'unsupported-packet-type');
  assert.equal(code(concat(hex('95 f1'), ascii('Opus'))), 'reserved-value');
  assert.equal(code(hex('91 4f70')), 'truncated');
});

test('isAudioSequenceHeader / isSequenceHeader(8, …)', () => {
  for (const yes of [aacSequenceHeader, exOpusStart, exMultitrackStart, concat(hex('97 02 000000 00'), ascii('mp4a'))]) {
    assert.equal(isAudioSequenceHeader(yes), true, Buffer.from(yes).toString('hex'));
    assert.equal(isSequenceHeader(8, yes), true);
  }
  for (const no of [aacRaw, exOpusCoded, exModExAac, hex('2f 00'), hex('af'), new Uint8Array(0), hex('97 09'), hex('95 11')]) {
    assert.equal(isAudioSequenceHeader(no), false, Buffer.from(no).toString('hex'));
  }
});

test('fuzz: parseAudioTagHeader returns or throws FlvError; the quick check never throws', () => {
  const vectors = [aacSequenceHeader, aacRaw, exOpusStart, exModExAac, exMultitrackStart];
  fuzzParser(parseAudioTagHeader, vectors);
  fuzzParser(isAudioSequenceHeader, vectors);
});
