// Real-peer checks: an FLV written by ffmpeg goes through our demuxer, then our TS and FLV muxers,
// and ffprobe/ffmpeg judge the results.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { encodeAmf0 } from '@livelink/amf';
import {
  FlvDemuxer,
  flvFileHeader,
  flvTagParts,
  isVideoKeyframe,
  nalToRbsp,
  parseAudioSpecificConfig,
  parseAudioTagHeader,
  parseAvcDecoderConfigurationRecord,
  parseHevcDecoderConfigurationRecord,
  parseVideoTagHeader,
  toOnMetaDataTag,
  TsMuxer,
  type FlvTag,
} from '../src/index.ts';
import { concat } from './helpers.ts';

let dir = '';
let tags: FlvTag[] = [];

function run(command: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface ProbedStream {
  codec_type: string;
  codec_name: string;
  width?: number;
  height?: number;
  nb_read_frames?: string;
}

function probe(file: string): ProbedStream[] {
  const result = run('ffprobe', ['-v', 'error', '-show_streams', '-count_frames', '-of', 'json', file]);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stderr, '', `ffprobe complained about ${file}`);
  return (JSON.parse(result.stdout) as { streams: ProbedStream[] }).streams;
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'livelink-flv-'));
  const flv = join(dir, 'in.flv');
  const made = run('ffmpeg', [
    '-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440',
    '-t', '2', '-c:v', 'libx264', '-g', '25', '-c:a', 'aac', '-f', 'flv', flv,
  ]);
  assert.equal(made.status, 0, made.stderr);
  const demuxer = new FlvDemuxer();
  const bytes = new Uint8Array(readFileSync(flv));
  // Arbitrary chunk size: the demuxer must not care where reads split.
  for (let o = 0; o < bytes.length; o += 1000) tags.push(...demuxer.push(bytes.subarray(o, o + 1000)));
  demuxer.end();
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('ffmpeg FLV -> FlvDemuxer -> TsMuxer: ffprobe sees h264 320x240 + aac with every frame, ffmpeg decodes cleanly', () => {
  const videoTags = tags.filter((t) => t.type === 9);
  const audioTags = tags.filter((t) => t.type === 8);
  const videoStart = videoTags.find((t) => parseVideoTagHeader(t.body).packetType === 'sequence-start');
  const audioStart = audioTags.find((t) => parseAudioTagHeader(t.body).packetType === 'sequence-start');
  assert.ok(videoStart && audioStart);
  const muxer = new TsMuxer({
    video: { codec: 'avc', config: parseAvcDecoderConfigurationRecord(videoStart.body.subarray(5)) },
    audio: { codec: 'aac', config: parseAudioSpecificConfig(audioStart.body.subarray(2)) },
  });
  const chunks: Uint8Array[] = [];
  let videoFrames = 0;
  let audioFrames = 0;
  let keyframes = 0;
  for (const tag of tags) {
    if (tag.type === 9) {
      const h = parseVideoTagHeader(tag.body);
      if (h.packetType !== 'coded-frames') continue;
      const keyframe = isVideoKeyframe(tag.body);
      // A new HLS segment at every keyframe: PAT/PMT again, as the media server will do.
      if (keyframe) {
        chunks.push(muxer.segmentStart());
        keyframes += 1;
      }
      chunks.push(muxer.writeVideo(tag.timestamp, h.compositionTime, tag.body.subarray(h.dataOffset), keyframe));
      videoFrames += 1;
    } else if (tag.type === 8) {
      const h = parseAudioTagHeader(tag.body);
      if (h.packetType !== 'coded-frames') continue;
      chunks.push(muxer.writeAudio(tag.timestamp, tag.body.subarray(h.dataOffset)));
      audioFrames += 1;
    }
  }
  assert.equal(videoFrames, 50, '2 s at 25 fps');
  assert.equal(keyframes, 2, 'GOP of 25');
  const ts = concat(...chunks);
  assert.equal(ts.length % 188, 0);
  const file = join(dir, 'out.ts');
  writeFileSync(file, ts);

  const streams = probe(file);
  const video = streams.find((s) => s.codec_type === 'video');
  const audio = streams.find((s) => s.codec_type === 'audio');
  assert.equal(streams.length, 2);
  assert.equal(video?.codec_name, 'h264');
  assert.equal(video?.width, 320);
  assert.equal(video?.height, 240);
  assert.equal(Number(video?.nb_read_frames), videoFrames);
  assert.equal(audio?.codec_name, 'aac');
  assert.equal(Number(audio?.nb_read_frames), audioFrames);

  const decode = run('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-']);
  assert.equal(decode.status, 0);
  assert.equal(decode.stderr, '', 'ffmpeg reported decode/demux errors');
});

test('ffmpeg FLV -> FLV muxer with @setDataFrame stripped: exactly 2 streams; keeping it shows the stray data stream', () => {
  const script = tags.find((t) => t.type === 18);
  assert.ok(script);
  // What a publisher sends over RTMP: the same metadata behind '@setDataFrame'.
  const published = concat(encodeAmf0(['@setDataFrame']), script.body);
  const writeFile = (name: string, metadata: Uint8Array): string => {
    const parts: Uint8Array[] = [flvFileHeader({ audio: true, video: true }), ...flvTagParts({ type: 18, timestamp: 0, body: metadata })];
    for (const tag of tags) if (tag.type !== 18) parts.push(...flvTagParts(tag));
    const path = join(dir, name);
    writeFileSync(path, concat(...parts));
    return path;
  };
  const clean = toOnMetaDataTag(published);
  assert.ok(clean);
  const streams = probe(writeFile('clean.flv', clean));
  assert.deepEqual(streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
  assert.equal(Number(streams.find((s) => s.codec_name === 'h264')?.nb_read_frames), 50);

  // Negative control: the same file with the raw publisher message gets an extra data stream.
  const raw = probe(writeFile('raw.flv', published));
  assert.equal(raw.length, 3);
  assert.ok(raw.some((s) => s.codec_type === 'data'));
});

/** Splits an Annex B byte stream on 3- or 4-byte start codes. */
function annexBUnits(data: Uint8Array): Uint8Array[] {
  const units: Uint8Array[] = [];
  let start = -1;
  for (let i = 0; i + 2 < data.length; i++) {
    if (data[i] === 0 && data[i + 1] === 0 && data[i + 2] === 1) {
      if (start >= 0) units.push(data.subarray(start, data[i - 1] === 0 ? i - 1 : i));
      start = i + 3;
    }
  }
  if (start >= 0) units.push(data.subarray(start));
  return units;
}

function lengthPrefixed(units: Uint8Array[]): Uint8Array {
  return concat(...units.flatMap((u) => [Uint8Array.of(u.length >>> 24, (u.length >>> 16) & 0xff, (u.length >>> 8) & 0xff, u.length & 0xff), u]));
}

test('x265 Annex B -> length-prefixed access units -> TsMuxer (HEVC): ffprobe sees hevc 320x240 and every frame', () => {
  // ffmpeg 5.1 cannot write HEVC into FLV, so the E-RTMP input is rebuilt from a raw x265 stream.
  // As FLV encoders do, parameter sets travel only in the configuration record: they are dropped
  // from the access units, so every segment relies on the muxer inserting them.
  const raw = join(dir, 'in.hevc');
  const made = run('ffmpeg', [
    '-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-t', '2', '-pix_fmt', 'yuv420p',
    '-c:v', 'libx265', '-x265-params', 'log-level=error:aud=1:bframes=0:keyint=25:min-keyint=25:info=0', '-f', 'hevc', raw,
  ]);
  assert.equal(made.status, 0, made.stderr);
  const units = annexBUnits(new Uint8Array(readFileSync(raw)));
  const type = (u: Uint8Array) => (u[0] >> 1) & 0x3f;
  const accessUnits: Uint8Array[][] = [];
  for (const unit of units) {
    if (type(unit) === 35) accessUnits.push([]);
    else if (type(unit) < 32 || type(unit) > 34) accessUnits[accessUnits.length - 1].push(unit);
  }
  const first = (t: number) => units.find((u) => type(u) === t);
  const [vps, sps, pps] = [first(32), first(33), first(34)];
  assert.ok(vps && sps && pps);
  // hvcC per ISO/IEC 14496-15 8.3.3.1: general profile/tier/level copied from the SPS's
  // profile_tier_level (RBSP bytes 3..14), 4:2:0 8-bit, 4-byte NAL lengths, three arrays.
  const array = (t: number, u: Uint8Array) => concat(Uint8Array.of(0x80 | t, 0, 1, u.length >> 8, u.length & 0xff), u);
  const hvcC = concat(
    Uint8Array.of(1), nalToRbsp(sps).subarray(3, 15),
    Uint8Array.of(0xf0, 0x00, 0xfc, 0xfd, 0xf8, 0xf8, 0, 0, 0x0f, 3),
    array(32, vps), array(33, sps), array(34, pps),
  );
  const config = parseHevcDecoderConfigurationRecord(hvcC);
  assert.equal(config.spsInfo?.width, 320);
  assert.equal(config.spsInfo?.height, 240);

  const muxer = new TsMuxer({ video: { codec: 'hevc', config } });
  const chunks: Uint8Array[] = [];
  const segmentStarts: number[] = [];
  accessUnits.forEach((au, i) => {
    const keyframe = au.some((u) => type(u) >= 16 && type(u) <= 23);
    if (keyframe) {
      segmentStarts.push(chunks.length);
      chunks.push(muxer.segmentStart());
    }
    chunks.push(muxer.writeVideo(i * 40, 0, lengthPrefixed(au), keyframe));
  });
  assert.equal(accessUnits.length, 50);
  assert.equal(segmentStarts.length, 2);
  const file = join(dir, 'hevc.ts');
  writeFileSync(file, concat(...chunks));
  const [stream, ...others] = probe(file);
  assert.equal(others.length, 0);
  assert.equal(stream.codec_name, 'hevc');
  assert.equal(stream.width, 320);
  assert.equal(stream.height, 240);
  assert.equal(Number(stream.nb_read_frames), 50);
  // Decoding only the second segment proves the inserted VPS/SPS/PPS make it independently decodable.
  const secondSegment = concat(...chunks.slice(segmentStarts[1]));
  const segmentFile = join(dir, 'hevc-segment2.ts');
  writeFileSync(segmentFile, secondSegment);
  const decode = run('ffmpeg', ['-v', 'error', '-i', segmentFile, '-f', 'null', '-']);
  assert.equal(decode.stderr, '', 'the second segment alone decodes cleanly');
  assert.equal(Number(probe(segmentFile)[0].nb_read_frames), 25);
});
