// H.264: AVCDecoderConfigurationRecord (ISO/IEC 14496-15 5.3.3.1) and the sequence parameter set
// fields a server needs (ITU-T H.264 7.3.2.1.1 and E.1.1): size after cropping, profile, level,
// chroma format, bit depth and the VUI frame rate.

import { readU16 } from '../bytes.ts';
import { CodecConfigError } from '../errors.ts';
import { BitReader } from './bit-reader.ts';
import { nalToRbsp } from './nal.ts';

export const AVC_NAL_SLICE = 1;
export const AVC_NAL_IDR = 5;
export const AVC_NAL_SPS = 7;
export const AVC_NAL_PPS = 8;
export const AVC_NAL_AUD = 9;

export interface AvcSps {
  profileIdc: number;
  /** constraint_set0..5 flags byte (the middle byte of "avc1.PPCCLL"). */
  constraintFlags: number;
  levelIdc: number;
  /** 0 = monochrome, 1 = 4:2:0, 2 = 4:2:2, 3 = 4:4:4. */
  chromaFormatIdc: number;
  bitDepthLuma: number;
  bitDepthChroma: number;
  /** Display size: coded macroblocks minus the frame cropping window. */
  width: number;
  height: number;
  frameMbsOnly: boolean;
  /** Sample aspect ratio from the VUI, when signalled. */
  sar?: { width: number; height: number };
  /** time_scale / (2 * num_units_in_tick) from the VUI timing info, when signalled. */
  frameRate?: number;
}

export interface AvcDecoderConfigurationRecord {
  codec: 'avc';
  profile: number;
  profileCompatibility: number;
  level: number;
  /** Bytes in each NAL length prefix of the coded frames (lengthSizeMinusOne + 1: 1, 2 or 4). */
  nalLengthSize: number;
  /** Views into the record, NAL header byte included. */
  sps: Uint8Array[];
  pps: Uint8Array[];
  /** The first SPS, parsed. */
  spsInfo: AvcSps;
}

/** Profiles whose SPS carries chroma_format_idc, bit depths and scaling matrices. */
const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);
/** pic_order_cnt_type 1 cycle length is ue(v) but the spec caps it at 255. */
const MAX_REF_FRAMES_IN_POC_CYCLE = 255;
/** Table E-1 sample aspect ratios for aspect_ratio_idc 1..16. */
const SAR_TABLE: readonly (readonly [number, number])[] = [
  [1, 1], [12, 11], [10, 11], [16, 11], [40, 33], [24, 11], [20, 11], [32, 11],
  [80, 33], [18, 11], [15, 11], [64, 33], [160, 99], [4, 3], [3, 2], [2, 1],
];
const SAR_EXTENDED = 255;

function fail(message: string): never {
  throw new CodecConfigError('malformed', message);
}

export function parseAvcDecoderConfigurationRecord(record: Uint8Array): AvcDecoderConfigurationRecord {
  if (record.length < 7) throw new CodecConfigError('truncated', `avcC: needs at least 7 bytes, got ${record.length}`);
  if (record[0] !== 1) throw new CodecConfigError('unsupported-version', `avcC: configurationVersion ${record[0]}, expected 1`);
  let offset = 5;
  const readSets = (count: number, kind: string): Uint8Array[] => {
    const sets: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      if (offset + 2 > record.length) throw new CodecConfigError('truncated', `avcC: ${kind} ${i} length past the end`);
      const size = readU16(record, offset);
      offset += 2;
      if (offset + size > record.length) throw new CodecConfigError('truncated', `avcC: ${kind} ${i} of ${size} bytes past the end`);
      sets.push(record.subarray(offset, offset + size));
      offset += size;
    }
    return sets;
  };
  const sps = readSets(record[offset++] & 0x1f, 'SPS');
  if (offset >= record.length) throw new CodecConfigError('truncated', 'avcC: numOfPictureParameterSets past the end');
  const pps = readSets(record[offset++], 'PPS');
  if (sps.length === 0) fail('avcC: no sequence parameter set');
  // The profile-100+ trailer (chroma_format, bit depths, SPS extensions) is often missing or wrong
  // in the wild; the SPS itself is authoritative, so the trailer is not read.
  return {
    codec: 'avc',
    profile: record[1],
    profileCompatibility: record[2],
    level: record[3],
    nalLengthSize: (record[4] & 0x03) + 1,
    sps,
    pps,
    spsInfo: parseAvcSps(sps[0]),
  };
}

/** Parses an SPS NAL unit (header byte included). */
export function parseAvcSps(nal: Uint8Array): AvcSps {
  if (nal.length < 4) throw new CodecConfigError('truncated', `H.264 SPS: ${nal.length} bytes`);
  if ((nal[0] & 0x1f) !== AVC_NAL_SPS) fail(`H.264 SPS: NAL type ${nal[0] & 0x1f}, expected ${AVC_NAL_SPS}`);
  const r = new BitReader(nalToRbsp(nal).subarray(1), 'H.264 SPS');
  const profileIdc = r.readBits(8);
  const constraintFlags = r.readBits(8);
  const levelIdc = r.readBits(8);
  r.readUE(); // seq_parameter_set_id
  let chromaFormatIdc = 1;
  let separateColourPlane = false;
  let bitDepthLuma = 8;
  let bitDepthChroma = 8;
  if (HIGH_PROFILES.has(profileIdc)) {
    chromaFormatIdc = r.readUE();
    if (chromaFormatIdc > 3) fail(`H.264 SPS: chroma_format_idc ${chromaFormatIdc}`);
    if (chromaFormatIdc === 3) separateColourPlane = r.readBit() === 1;
    bitDepthLuma = 8 + r.readUE();
    bitDepthChroma = 8 + r.readUE();
    if (bitDepthLuma > 14 || bitDepthChroma > 14) fail('H.264 SPS: bit depth above 14');
    r.skipBits(1); // qpprime_y_zero_transform_bypass_flag
    if (r.readBit()) {
      const lists = chromaFormatIdc === 3 ? 12 : 8;
      for (let i = 0; i < lists; i++) {
        if (r.readBit()) skipScalingList(r, i < 6 ? 16 : 64);
      }
    }
  }
  r.readUE(); // log2_max_frame_num_minus4
  const pocType = r.readUE();
  if (pocType === 0) {
    r.readUE(); // log2_max_pic_order_cnt_lsb_minus4
  } else if (pocType === 1) {
    r.skipBits(1); // delta_pic_order_always_zero_flag
    r.readSE(); // offset_for_non_ref_pic
    r.readSE(); // offset_for_top_to_bottom_field
    const cycle = r.readUE();
    if (cycle > MAX_REF_FRAMES_IN_POC_CYCLE) fail(`H.264 SPS: num_ref_frames_in_pic_order_cnt_cycle ${cycle}`);
    for (let i = 0; i < cycle; i++) r.readSE();
  } else if (pocType !== 2) {
    fail(`H.264 SPS: pic_order_cnt_type ${pocType}`);
  }
  r.readUE(); // max_num_ref_frames
  r.skipBits(1); // gaps_in_frame_num_value_allowed_flag
  const widthMbs = r.readUE() + 1;
  const heightMapUnits = r.readUE() + 1;
  const frameMbsOnly = r.readBit() === 1;
  if (!frameMbsOnly) r.skipBits(1); // mb_adaptive_frame_field_flag
  r.skipBits(1); // direct_8x8_inference_flag
  let crop = [0, 0, 0, 0];
  if (r.readBit()) crop = [r.readUE(), r.readUE(), r.readUE(), r.readUE()];

  // 7.4.2.1.1: crop units depend on the chroma subsampling and on field coding.
  const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc;
  const subWidthC = chromaArrayType === 1 || chromaArrayType === 2 ? 2 : 1;
  const subHeightC = chromaArrayType === 1 ? 2 : 1;
  const fieldFactor = frameMbsOnly ? 1 : 2;
  const width = widthMbs * 16 - subWidthC * (crop[0] + crop[1]);
  const height = fieldFactor * heightMapUnits * 16 - subHeightC * fieldFactor * (crop[2] + crop[3]);
  if (width <= 0 || height <= 0) fail(`H.264 SPS: cropping leaves ${width}x${height}`);

  const sps: AvcSps = { profileIdc, constraintFlags, levelIdc, chromaFormatIdc, bitDepthLuma, bitDepthChroma, width, height, frameMbsOnly };
  if (r.readBit()) readVui(r, sps);
  return sps;
}

function skipScalingList(r: BitReader, size: number): void {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size; j++) {
    if (next !== 0) {
      next = (last + r.readSE() + 256) % 256;
    }
    last = next === 0 ? last : next;
  }
}

/** E.1.1 up to timing_info: the fields that give aspect ratio and frame rate. */
function readVui(r: BitReader, sps: AvcSps): void {
  if (r.readBit()) {
    const idc = r.readBits(8);
    if (idc === SAR_EXTENDED) {
      sps.sar = { width: r.readBits(16), height: r.readBits(16) };
    } else if (idc >= 1 && idc <= SAR_TABLE.length) {
      const [width, height] = SAR_TABLE[idc - 1];
      sps.sar = { width, height };
    }
  }
  if (r.readBit()) r.skipBits(1); // overscan_appropriate_flag
  if (r.readBit()) {
    r.skipBits(4); // video_format, video_full_range_flag
    if (r.readBit()) r.skipBits(24); // colour_primaries, transfer_characteristics, matrix_coefficients
  }
  if (r.readBit()) {
    r.readUE(); // chroma_sample_loc_type_top_field
    r.readUE(); // chroma_sample_loc_type_bottom_field
  }
  if (r.readBit()) {
    const unitsInTick = r.readBits(32);
    const timeScale = r.readBits(32);
    if (unitsInTick > 0 && timeScale > 0) sps.frameRate = timeScale / (2 * unitsInTick);
  }
}
