// Real messages captured from ffmpeg and node-media-server (see corpus/README.md).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { AmfEcmaArray, decodeAmf0, encodeAmf0, type Amf0Value } from '../src/index.ts';
import { assertBytes } from './helpers.ts';

function load(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`./corpus/${name}`, import.meta.url)));
}

const onMetaData = new AmfEcmaArray({
  duration: 2,
  width: 320,
  height: 240,
  videodatarate: 0,
  framerate: 25,
  videocodecid: 7,
  audiodatarate: 67.3828125,
  audiosamplerate: 44100,
  audiosamplesize: 16,
  stereo: false,
  audiocodecid: 10,
  encoder: 'Lavf59.27.100',
  filesize: 0,
});

const expected: Record<string, Amf0Value[]> = {
  'ffmpeg-publish-connect.amf0': [
    'connect',
    1,
    { app: 'live', type: 'nonprivate', flashVer: 'FMLE/3.0 (compatible; Lavf59.27.100)', tcUrl: 'rtmp://127.0.0.1:19351/live' },
  ],
  'ffmpeg-publish.amf0': ['publish', 5, null, 'stream1', 'live'],
  'ffmpeg-setdataframe-onmetadata.amf0': ['@setDataFrame', 'onMetaData', onMetaData],
  'ffmpeg-play-connect.amf0': [
    'connect',
    1,
    {
      app: 'live',
      flashVer: 'LNX 9,0,124,2',
      tcUrl: 'rtmp://127.0.0.1:19351/live',
      fpad: false,
      capabilities: 15,
      audioCodecs: 4071,
      videoCodecs: 252,
      videoFunction: 1,
    },
  ],
  'ffmpeg-play.amf0': ['play', 4, null, 's2', -2000],
  'nms-connect-result.amf0': [
    '_result',
    1,
    { fmsVer: 'FMS/3,0,1,123', capabilities: 31 },
    { level: 'status', code: 'NetConnection.Connect.Success', description: 'Connection succeeded.', objectEncoding: 0 },
  ],
  'nms-onstatus-play-start.amf0': [
    'onStatus',
    0,
    null,
    { level: 'status', code: 'NetStream.Play.Start', description: 'Started playing stream.' },
  ],
};

describe('captured corpus', () => {
  for (const [name, values] of Object.entries(expected)) {
    it(`${name} decodes, and re-encodes byte for byte`, () => {
      const wire = load(name);
      assert.deepStrictEqual(decodeAmf0(wire), values);
      assertBytes(encodeAmf0(values), wire);
    });
  }

  it('onMetaData whose final 00 00 09 was dropped still decodes', () => {
    const wire = load('ffmpeg-setdataframe-onmetadata.amf0');
    assert.deepStrictEqual(decodeAmf0(wire.subarray(0, wire.byteLength - 3)), expected['ffmpeg-setdataframe-onmetadata.amf0']);
  });
});
