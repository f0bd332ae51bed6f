import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AmfEcmaArray, decodeAmf0, encodeAmf0 } from '@livelink/amf';
import { FlvError, fourCcToNumber, readMetadata, toOnMetaDataTag } from '../src/index.ts';
import { fuzzParser, hex } from './helpers.ts';

const OBS_METADATA = {
  duration: 0,
  fileSize: 0,
  width: 1920,
  height: 1080,
  videocodecid: 7,
  videodatarate: 2500,
  framerate: 30,
  audiocodecid: 10,
  audiodatarate: 160,
  audiosamplerate: 48000,
  audiosamplesize: 16,
  audiochannels: 2,
  stereo: true,
  '2.1': false,
  encoder: 'obs-output module (libobs version 30.0.2)',
};
const publisherMessage = encodeAmf0(['@setDataFrame', 'onMetaData', new AmfEcmaArray(OBS_METADATA)]);

test('toOnMetaDataTag strips @setDataFrame and yields exactly [onMetaData, ECMA array]', () => {
  const tag = toOnMetaDataTag(publisherMessage);
  assert.ok(tag);
  const values = decodeAmf0(tag);
  assert.equal(values.length, 2);
  assert.equal(values[0], 'onMetaData');
  assert.ok(values[1] instanceof AmfEcmaArray);
  assert.deepEqual(values[1].properties, OBS_METADATA);
  // ECMA array marker 0x08 right after the 13-byte "onMetaData" string value.
  assert.equal(tag[13], 0x08);
});

test('toOnMetaDataTag accepts the bare form with an anonymous object and merges extra properties', () => {
  const bare = encodeAmf0(['onMetaData', { width: 640, height: 360 }]);
  const tag = toOnMetaDataTag(bare, { server: 'livelink' });
  assert.ok(tag);
  const [name, array] = decodeAmf0(tag);
  assert.equal(name, 'onMetaData');
  assert.ok(array instanceof AmfEcmaArray);
  assert.deepEqual(array.properties, { width: 640, height: 360, server: 'livelink' });
});

test('other data messages are not metadata; malformed metadata is a typed error', () => {
  assert.equal(toOnMetaDataTag(encodeAmf0(['onTextData', { text: 'hi' }])), null);
  assert.equal(toOnMetaDataTag(encodeAmf0(['@setDataFrame', 'onCuePoint', { name: 'x' }])), null);
  assert.equal(toOnMetaDataTag(encodeAmf0(['@clearDataFrame', 'onMetaData'])), null);
  assert.equal(readMetadata(new Uint8Array(0)), null);
  const badScript = (e: unknown) => e instanceof FlvError && e.code === 'bad-script-data';
  assert.throws(() => toOnMetaDataTag(encodeAmf0(['@setDataFrame', 'onMetaData'])), badScript);
  assert.throws(() => toOnMetaDataTag(encodeAmf0(['onMetaData', 42])), badScript);
  assert.throws(() => toOnMetaDataTag(hex('02 00 0a 6f6e4d65')), badScript);
});

test('readMetadata: typed summary, legacy ids and E-RTMP FourCC numbers decoded', () => {
  const summary = readMetadata(publisherMessage);
  assert.deepEqual(summary, {
    width: 1920,
    height: 1080,
    framerate: 30,
    videodatarate: 2500,
    audiodatarate: 160,
    audiosamplerate: 48000,
    audiosamplesize: 16,
    audiochannels: 2,
    duration: 0,
    stereo: true,
    encoder: 'obs-output module (libobs version 30.0.2)',
    videocodecid: 7,
    videoCodec: 'avc',
    audiocodecid: 10,
    audioCodec: 'aac',
  });
  // "Opus" == 0x4F707573 == 1332770163 (E-RTMP spec example).
  assert.equal(fourCcToNumber('Opus'), 1332770163);
  const enhanced = readMetadata(encodeAmf0(['onMetaData', new AmfEcmaArray({ videocodecid: fourCcToNumber('hvc1'), audiocodecid: 1332770163, fps: 60, width: 'wide' })]));
  assert.deepEqual(enhanced, { framerate: 60, videocodecid: 1752589105, videoCodec: 'hvc1', audiocodecid: 1332770163, audioCodec: 'Opus' });
});

test('fuzz: metadata readers return or throw FlvError', () => {
  const vectors = [publisherMessage, encodeAmf0(['onMetaData', { width: 640 }])];
  fuzzParser((b) => toOnMetaDataTag(b), vectors, 800);
  fuzzParser(readMetadata, vectors, 800);
});
