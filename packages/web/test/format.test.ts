import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  describeAudio,
  describeCodec,
  describeLatency,
  describeVideo,
  describeViewers,
  formatBitrate,
  formatUptime,
} from '../src/app/format.ts';

describe('describeCodec', () => {
  // RFC 6381 section 3.3: avc1.PPCCLL, profile_idc / constraint flags / level_idc in hex.
  test('names H.264 profile and level from the avc1 parameters', () => {
    assert.equal(describeCodec('avc1.42E01E'), 'H.264 Baseline 3');
    assert.equal(describeCodec('avc1.4d401f'), 'H.264 Main 3.1');
    assert.equal(describeCodec('avc1.64001f'), 'H.264 High 3.1');
    assert.equal(describeCodec('avc1.640028'), 'H.264 High 4');
    assert.equal(describeCodec('avc3.42c00d'), 'H.264 Baseline 1.3');
  });

  test('falls back to the family for partial or unknown H.264 parameters', () => {
    assert.equal(describeCodec('avc1'), 'H.264');
    assert.equal(describeCodec('avc1.zz'), 'H.264');
    assert.equal(describeCodec('avc1.990028'), 'H.264 4');
  });

  test('names the other video families', () => {
    assert.equal(describeCodec('hvc1.1.6.L93.B0'), 'H.265');
    assert.equal(describeCodec('hev1.2.4.L120.B0'), 'H.265');
    assert.equal(describeCodec('av01.0.04M.08'), 'AV1');
    assert.equal(describeCodec('vp09.00.10.08'), 'VP9');
  });

  // ISO/IEC 14496-3 audio object types: 2 AAC LC, 5 SBR (HE-AAC), 29 PS (HE-AAC v2).
  test('names audio object types', () => {
    assert.equal(describeCodec('mp4a.40.2'), 'AAC-LC');
    assert.equal(describeCodec('mp4a.40.5'), 'HE-AAC');
    assert.equal(describeCodec('mp4a.40.29'), 'HE-AAC v2');
    assert.equal(describeCodec('mp4a.40'), 'AAC');
    assert.equal(describeCodec('mp4a.6B'), 'MP3');
    assert.equal(describeCodec('mp4a.69'), 'MP3');
    assert.equal(describeCodec('opus'), 'Opus');
  });

  test('shows unknown codec strings as they are', () => {
    assert.equal(describeCodec('speex'), 'speex');
  });
});

describe('track descriptions', () => {
  test('video: codec, size and rounded frame rate', () => {
    assert.equal(describeVideo({ codec: 'avc1.64001f', width: 1280, height: 720, fps: 25 }), 'H.264 High 3.1 · 1280×720 @ 25 fps');
    assert.equal(describeVideo({ codec: 'avc1.64001f', width: 1920, height: 1080, fps: 29.97002997 }), 'H.264 High 3.1 · 1920×1080 @ 29.97 fps');
    assert.equal(describeVideo({ codec: 'avc1.64001f', width: 640, height: 360, fps: 0 }), 'H.264 High 3.1 · 640×360');
    assert.equal(describeVideo(null), 'no video');
  });

  test('audio: codec, sample rate and channel layout', () => {
    assert.equal(describeAudio({ codec: 'mp4a.40.2', sampleRate: 44100, channels: 2 }), 'AAC-LC · 44.1 kHz · stereo');
    assert.equal(describeAudio({ codec: 'mp4a.40.2', sampleRate: 48000, channels: 1 }), 'AAC-LC · 48 kHz · mono');
    assert.equal(describeAudio({ codec: 'opus', sampleRate: 48000, channels: 6 }), 'Opus · 48 kHz · 6 ch');
    assert.equal(describeAudio(null), 'no audio');
  });
});

describe('figures', () => {
  test('bitrate in kbps below 1 Mbps, Mbps with one decimal above', () => {
    assert.equal(formatBitrate(999.6), '1000 kbps');
    assert.equal(formatBitrate(850), '850 kbps');
    assert.equal(formatBitrate(2600), '2.6 Mbps');
    assert.equal(formatBitrate(12_000), '12 Mbps');
    assert.equal(formatBitrate(0), '—');
    assert.equal(formatBitrate(Number.NaN), '—');
  });

  test('viewers with a breakdown of the protocols in use', () => {
    assert.equal(describeViewers({ rtmp: 0, flv: 1, ws: 0, hls: 0, total: 1 }), '1 viewer (HTTP-FLV 1)');
    assert.equal(describeViewers({ rtmp: 1, flv: 2, ws: 3, hls: 4, total: 10 }), '10 viewers (RTMP 1, HTTP-FLV 2, WS-FLV 3, HLS 4)');
    assert.equal(describeViewers({ rtmp: 0, flv: 0, ws: 0, hls: 0, total: 0 }), '0 viewers');
  });

  test('uptime from the start time', () => {
    const start = '2026-01-01T10:00:00.000Z';
    const at = (seconds: number) => Date.parse(start) + seconds * 1000;
    assert.equal(formatUptime(start, at(42.9)), '42s');
    assert.equal(formatUptime(start, at(303)), '5m 03s');
    assert.equal(formatUptime(start, at(3720)), '1h 02m');
    assert.equal(formatUptime(start, at(-5)), '0s', 'clock skew never shows negative time');
    assert.equal(formatUptime('not a date', at(1)), '—');
  });

  test('latency with the target the player steers towards, naming Low-Latency HLS', () => {
    assert.equal(describeLatency({ seconds: 1.64, targetSeconds: 1.5, lowLatency: true }), '1.6 s behind live (LL-HLS, target 1.5 s)');
    assert.equal(describeLatency({ seconds: 6.31, targetSeconds: 6, lowLatency: false }), '6.3 s behind live (target 6.0 s)');
  });
});
