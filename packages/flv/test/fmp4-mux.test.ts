// Fragmented MP4: an independent ISO BMFF box reader checks what Fmp4Muxer writes (box sizes nest
// exactly, required boxes present, trun offsets land on the sample bytes, tfdt advances), and
// ffprobe/ffmpeg judge init + fragments made from an ffmpeg-written FLV.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  FlvDemuxer,
  FlvError,
  Fmp4Muxer,
  isVideoKeyframe,
  parseAudioSpecificConfig,
  parseAudioTagHeader,
  parseAvcDecoderConfigurationRecord,
  parseHevcDecoderConfigurationRecord,
  parseVideoTagHeader,
  type Fmp4AudioSample,
  type Fmp4VideoSample,
} from '../src/index.ts';
import { concat, hex } from './helpers.ts';

// Same x264/x265 records as codec.test.ts.
const AVC_RECORD = hex('01640028ffe1001b67640028acd940780227e5c044000003000400000300c83c60c65801000468ef8fcbfdf8f800');
const HEVC_RECORD = hex(
  '01016000000090000000000078f000fcfdf8f800000f03a00001001840010c01ffff016000000300900000030000030078959409a1' +
    '0001002b420101016000000300900000030000030078a003c0801107cb965654a4c2f0168080000003008000000c84a2000100064401c073c189',
);
const ASC = hex('12 10'); // AAC LC, 44.1 kHz, stereo
const avc = { codec: 'avc' as const, config: parseAvcDecoderConfigurationRecord(AVC_RECORD), record: AVC_RECORD };
const aac = { codec: 'aac' as const, config: parseAudioSpecificConfig(ASC), asc: ASC };

// --- an independent box reader (ISO/IEC 14496-12 4.2) ---

interface Box {
  type: string;
  start: number;
  size: number;
  /** The payload, after the 8-byte header. */
  body: Uint8Array;
  children: Box[];
}

const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'dinf', 'stbl', 'mvex', 'moof', 'traf']);
/** Sample entries and stsd/dref: boxes after a fixed header. */
const CHILDREN_AT: Record<string, number> = { stsd: 8, dref: 8, avc1: 78, hvc1: 78, mp4a: 28 };

function readBoxes(bytes: Uint8Array, base = 0): Box[] {
  const boxes: Box[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let o = 0;
  while (o < bytes.length) {
    assert.ok(o + 8 <= bytes.length, 'room for a box header');
    const size = view.getUint32(o);
    assert.ok(size >= 8 && o + size <= bytes.length, `box size ${size} at ${base + o} fits its parent`);
    const type = String.fromCharCode(...bytes.subarray(o + 4, o + 8));
    const body = bytes.subarray(o + 8, o + size);
    const childrenAt = CONTAINERS.has(type) ? 0 : CHILDREN_AT[type];
    const children = childrenAt === undefined ? [] : readBoxes(body.subarray(childrenAt), base + o + 8 + childrenAt);
    boxes.push({ type, start: base + o, size, body, children });
    o += size;
  }
  assert.equal(o, bytes.length, 'children sizes add up to the parent');
  return boxes;
}

function find(boxes: Box[], path: string): Box[] {
  const [head, ...rest] = path.split('/');
  const matches = boxes.filter((b) => b.type === head);
  return rest.length === 0 ? matches : matches.flatMap((b) => find(b.children, rest.join('/')));
}

function one(boxes: Box[], path: string): Box {
  const found = find(boxes, path);
  assert.equal(found.length, 1, `exactly one ${path}`);
  return found[0];
}

function u32(b: Uint8Array, o: number): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(o);
}

interface Trun {
  trackId: number;
  tfdt: number;
  dataOffset: number;
  samples: { duration: number; size: number; flags?: number; cto?: number }[];
}

function readTruns(fragment: Uint8Array): { sequence: number; moof: Box; mdat: Box; runs: Trun[] } {
  const top = readBoxes(fragment);
  assert.deepEqual(top.map((b) => b.type), ['moof', 'mdat']);
  const moof = top[0];
  const runs = find(moof.children, 'traf').map((traf) => {
    const tfhd = one(traf.children, 'tfhd');
    assert.equal(u32(tfhd.body, 0) & 0xffffff, 0x020000, 'default-base-is-moof');
    const tfdt = one(traf.children, 'tfdt');
    assert.equal(tfdt.body[0], 1, 'tfdt version 1');
    const trun = one(traf.children, 'trun').body;
    const flags = u32(trun, 0) & 0xffffff;
    const count = u32(trun, 4);
    const view = new DataView(trun.buffer, trun.byteOffset, trun.byteLength);
    let o = 12;
    const samples = [];
    for (let i = 0; i < count; i++) {
      const sample: Trun['samples'][number] = { duration: u32(trun, o), size: u32(trun, o + 4) };
      o += 8;
      if (flags & 0x400) (sample.flags = u32(trun, o)), (o += 4);
      if (flags & 0x800) (sample.cto = view.getInt32(o)), (o += 4);
      samples.push(sample);
    }
    assert.equal(o, trun.length, 'trun holds exactly its samples');
    return { trackId: u32(tfhd.body, 4), tfdt: Number(new DataView(tfdt.body.buffer, tfdt.body.byteOffset).getBigUint64(4)), dataOffset: view.getInt32(8), samples };
  });
  return { sequence: u32(one(moof.children, 'mfhd').body, 4), moof, mdat: top[1], runs };
}

test('init segment: ftyp + moov with every required box, sizes nesting exactly, the records carried byte for byte', () => {
  const init = new Fmp4Muxer({ video: avc, audio: aac }).initSegment();
  const top = readBoxes(init);
  assert.deepEqual(top.map((b) => b.type), ['ftyp', 'moov']);
  assert.equal(String.fromCharCode(...top[0].body.subarray(0, 4)), 'iso6');
  const moov = top[1].children;
  one(moov, 'mvhd');
  const traks = find(moov, 'trak');
  assert.equal(traks.length, 2);
  for (const path of ['tkhd', 'mdia/mdhd', 'mdia/hdlr', 'mdia/minf/dinf/dref/url ', 'mdia/minf/stbl/stsd', 'mdia/minf/stbl/stts', 'mdia/minf/stbl/stsc', 'mdia/minf/stbl/stsz', 'mdia/minf/stbl/stco']) {
    for (const trak of traks) one(trak.children, path);
  }
  const [video, audio] = traks;
  assert.equal(u32(one(video.children, 'tkhd').body, 12), 1, 'video track id');
  assert.equal(u32(one(video.children, 'tkhd').body, 76) / 0x10000, 1920, 'width from the SPS');
  assert.equal(u32(one(video.children, 'tkhd').body, 80) / 0x10000, 1080);
  assert.equal(u32(one(video.children, 'mdia/mdhd').body, 12), 90000);
  assert.equal(String.fromCharCode(...one(video.children, 'mdia/hdlr').body.subarray(8, 12)), 'vide');
  one(video.children, 'mdia/minf/vmhd');
  assert.deepEqual(one(video.children, 'mdia/minf/stbl/stsd/avc1/avcC').body, AVC_RECORD);
  assert.equal(u32(one(audio.children, 'mdia/mdhd').body, 12), 44100, 'audio clock = sampling rate');
  assert.equal(String.fromCharCode(...one(audio.children, 'mdia/hdlr').body.subarray(8, 12)), 'soun');
  one(audio.children, 'mdia/minf/smhd');
  const mp4a = one(audio.children, 'mdia/minf/stbl/stsd/mp4a');
  assert.equal((mp4a.body[16] << 8) | mp4a.body[17], 2, 'channel count');
  const esds = one(mp4a.children, 'esds').body;
  // ES_Descriptor > DecoderConfigDescriptor (MPEG-4 Audio, audio stream) > DecoderSpecificInfo = the ASC.
  assert.deepEqual([...esds.subarray(4, 6)], [0x03, esds.length - 6]);
  assert.deepEqual([...esds.subarray(9, 13)], [0x04, esds.length - 6 - 5 - 3, 0x40, 0x15]);
  assert.deepEqual([...esds.subarray(24, 26 + ASC.length)], [0x05, ASC.length, ...ASC]);
  assert.deepEqual([...esds.subarray(26 + ASC.length)], [0x06, 0x01, 0x02]);
  const trex = find(moov, 'mvex/trex').map((b) => u32(b.body, 4));
  assert.deepEqual(trex, [1, 2]);
  assert.equal(u32(one(moov, 'mvhd').body, 96), 3, 'next_track_ID');
});

test('init segment for HEVC: hvc1 + hvcC, and audio-only / video-only movies have just their track', () => {
  const hevc = { codec: 'hevc' as const, config: parseHevcDecoderConfigurationRecord(HEVC_RECORD), record: HEVC_RECORD };
  const moov = readBoxes(new Fmp4Muxer({ video: hevc }).initSegment())[1].children;
  assert.equal(find(moov, 'trak').length, 1);
  assert.deepEqual(one(moov, 'trak/mdia/minf/stbl/stsd/hvc1/hvcC').body, HEVC_RECORD);
  const audioOnly = readBoxes(new Fmp4Muxer({ audio: aac }).initSegment())[1].children;
  assert.deepEqual(find(audioOnly, 'trak/tkhd').map((b) => u32(b.body, 12)), [2]);
});

test('fragments: trun offsets land on each sample in mdat, durations follow DTS, flags and composition offsets per frame, tfdt and mfhd advance', () => {
  const muxer = new Fmp4Muxer({ video: avc, audio: aac });
  const sample = (n: number, length: number) => Uint8Array.from({ length }, (_, i) => (n * 31 + i) & 0xff);
  let previous: { sequence: number; videoTfdt: number; audioTfdt: number } | null = null;
  for (let f = 0; f < 3; f++) {
    const start = 1000 + f * 120;
    const video: Fmp4VideoSample[] = [0, 40, 80].map((t, i) => ({ dts: start + t, cts: i === 0 ? 0 : 80, data: sample(f * 10 + i, 50 + i), keyframe: i === 0 }));
    const audio: Fmp4AudioSample[] = [0, 23, 46, 70, 93].map((t, i) => ({ dts: start + t, data: sample(f * 10 + i + 5, 9 + i) }));
    const fragment = muxer.fragment({ video, audio, endDts: start + 120 });
    const { sequence, moof, mdat, runs } = readTruns(fragment);
    assert.equal(mdat.start + mdat.size, fragment.length);
    assert.deepEqual(runs.map((r) => r.trackId), [1, 2]);
    const [v, a] = runs;
    // Every sample's bytes are where trun says, back to back from the run's data offset.
    for (const [run, input] of [[v, video], [a, audio]] as const) {
      let o = moof.start + run.dataOffset;
      run.samples.forEach((s, i) => {
        assert.equal(s.size, input[i].data.length);
        assert.deepEqual(fragment.subarray(o, o + s.size), input[i].data);
        o += s.size;
      });
    }
    assert.equal(v.dataOffset + v.samples.reduce((n, s) => n + s.size, 0), a.dataOffset, 'audio run follows video run');
    assert.equal(a.dataOffset + a.samples.reduce((n, s) => n + s.size, 0), mdat.start + mdat.size - moof.start, 'mdat holds exactly the runs');
    assert.equal(v.tfdt, start * 90);
    assert.deepEqual(v.samples.map((s) => s.duration), [3600, 3600, 3600], 'the last frame lasts until endDts');
    assert.deepEqual(v.samples.map((s) => s.flags), [0x02000000, 0x01010000, 0x01010000]);
    assert.deepEqual(v.samples.map((s) => s.cto), [0, 7200, 7200]);
    assert.equal(a.tfdt, Math.round((start * 44100) / 1000));
    assert.equal(a.samples.at(-1)!.duration, 1024, 'the last AAC frame lasts one frame');
    assert.equal(a.samples[0].duration, Math.round(((start + 23) * 44100) / 1000) - a.tfdt);
    if (previous) {
      assert.equal(sequence, previous.sequence + 1);
      assert.ok(v.tfdt > previous.videoTfdt && a.tfdt > previous.audioTfdt, 'tfdt increases');
    } else assert.equal(sequence, 1);
    previous = { sequence, videoTfdt: v.tfdt, audioTfdt: a.tfdt };
  }
});

test('without endDts the last frame repeats the previous interval; negative composition times are signed', () => {
  const muxer = new Fmp4Muxer({ video: avc });
  const data = new Uint8Array(4);
  const { runs } = readTruns(muxer.fragment({ video: [{ dts: 0, cts: 0, data, keyframe: true }, { dts: 33, cts: -33, data, keyframe: false }] }));
  assert.deepEqual(runs[0].samples.map((s) => [s.duration, s.cto]), [[2970, 0], [2970, -2970]]);
});

test('invalid input fails with FlvError invalid-argument', () => {
  const invalid = (fn: () => unknown) => assert.throws(fn, (e: unknown) => e instanceof FlvError && e.code === 'invalid-argument');
  invalid(() => new Fmp4Muxer({}));
  invalid(() => new Fmp4Muxer({ video: { ...avc, config: { ...avc.config, spsInfo: { ...avc.config.spsInfo, width: 0x10000 } } } }));
  const hevc = parseHevcDecoderConfigurationRecord(HEVC_RECORD);
  invalid(() => new Fmp4Muxer({ video: { codec: 'hevc', config: { ...hevc, spsInfo: undefined }, record: HEVC_RECORD } }));
  const videoOnly = new Fmp4Muxer({ video: avc });
  invalid(() => videoOnly.fragment({}));
  invalid(() => videoOnly.fragment({ audio: [{ dts: 0, data: new Uint8Array(1) }] }));
  invalid(() => videoOnly.fragment({ video: [{ dts: -1, cts: 0, data: new Uint8Array(1), keyframe: true }] }));
  invalid(() => videoOnly.fragment({ video: [{ dts: Number.NaN, cts: 0, data: new Uint8Array(1), keyframe: true }] }));
});

test('random sample sets: boxes always nest exactly and runs add up to the mdat', () => {
  const videoSample = fc.record({ dts: fc.nat(1e7), cts: fc.integer({ min: -8_388_608, max: 8_388_607 }), data: fc.uint8Array({ maxLength: 40 }), keyframe: fc.boolean() });
  const audioSample = fc.record({ dts: fc.nat(1e7), data: fc.uint8Array({ maxLength: 40 }) });
  fc.assert(
    fc.property(fc.array(videoSample, { maxLength: 8 }), fc.array(audioSample, { maxLength: 8 }), fc.option(fc.nat(1e7)), (video, audio, endDts) => {
      fc.pre(video.length + audio.length > 0);
      const fragment = new Fmp4Muxer({ video: avc, audio: aac }).fragment({ video, audio, ...(endDts !== null && { endDts }) });
      const { moof, mdat, runs } = readTruns(fragment);
      const bytes = runs.reduce((n, r) => n + r.samples.reduce((m, s) => m + s.size, 0), 0);
      assert.equal(mdat.size, 8 + bytes);
      assert.equal(runs[0].dataOffset, moof.size + 8);
    }),
    { numRuns: 300 },
  );
});

test('ffmpeg FLV -> Fmp4Muxer (a fragment per GOP): ffprobe sees h264 320x240 + aac with every frame, ffmpeg decodes cleanly', () => {
  const dir = mkdtempSync(join(tmpdir(), 'livelink-fmp4-'));
  try {
    const flv = join(dir, 'in.flv');
    const made = spawnSync('ffmpeg', [
      '-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440',
      '-t', '2', '-c:v', 'libx264', '-g', '25', '-c:a', 'aac', '-f', 'flv', flv,
    ], { encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    const demuxer = new FlvDemuxer();
    const tags = demuxer.push(new Uint8Array(readFileSync(flv)));
    demuxer.end();
    const videoStart = tags.find((t) => t.type === 9 && parseVideoTagHeader(t.body).packetType === 'sequence-start')!;
    const audioStart = tags.find((t) => t.type === 8 && parseAudioTagHeader(t.body).packetType === 'sequence-start')!;
    const record = videoStart.body.subarray(5);
    const asc = audioStart.body.subarray(2);
    const muxer = new Fmp4Muxer({
      video: { codec: 'avc', config: parseAvcDecoderConfigurationRecord(record), record },
      audio: { codec: 'aac', config: parseAudioSpecificConfig(asc), asc },
    });
    const parts = [muxer.initSegment()];
    let video: Fmp4VideoSample[] = [];
    let audio: Fmp4AudioSample[] = [];
    let videoFrames = 0;
    let audioFrames = 0;
    for (const tag of tags) {
      if (tag.type === 9) {
        const h = parseVideoTagHeader(tag.body);
        if (h.packetType !== 'coded-frames') continue;
        const keyframe = isVideoKeyframe(tag.body);
        if (keyframe && video.length > 0) {
          parts.push(muxer.fragment({ video, audio, endDts: tag.timestamp }));
          video = [];
          audio = [];
        }
        video.push({ dts: tag.timestamp, cts: h.compositionTime, data: tag.body.subarray(h.dataOffset), keyframe });
        videoFrames++;
      } else if (tag.type === 8) {
        const h = parseAudioTagHeader(tag.body);
        if (h.packetType !== 'coded-frames') continue;
        audio.push({ dts: tag.timestamp, data: tag.body.subarray(h.dataOffset) });
        audioFrames++;
      }
    }
    parts.push(muxer.fragment({ video, audio }));
    assert.equal(parts.length, 3, 'init + one fragment per 25-frame GOP');
    const file = join(dir, 'out.mp4');
    writeFileSync(file, concat(...parts));

    const probe = spawnSync('ffprobe', ['-v', 'error', '-show_streams', '-count_frames', '-of', 'json', file], { encoding: 'utf8' });
    assert.equal(probe.stderr, '', 'ffprobe complained');
    const streams = (JSON.parse(probe.stdout) as { streams: { codec_type: string; codec_name: string; width?: number; height?: number; nb_read_frames: string; sample_rate?: string }[] }).streams;
    assert.equal(streams.length, 2);
    const v = streams.find((s) => s.codec_type === 'video');
    const a = streams.find((s) => s.codec_type === 'audio');
    assert.deepEqual([v?.codec_name, v?.width, v?.height, Number(v?.nb_read_frames)], ['h264', 320, 240, videoFrames]);
    assert.deepEqual([a?.codec_name, a?.sample_rate, Number(a?.nb_read_frames)], ['aac', '44100', audioFrames]);
    const decode = spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-'], { encoding: 'utf8' });
    assert.equal(decode.status, 0);
    assert.equal(decode.stderr, '', 'ffmpeg reported decode/demux errors');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
