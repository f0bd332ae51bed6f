// H.265: HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 8.3.3.1) and the SPS fields up to the
// conformance window (ITU-T H.265 7.3.2.2) for the picture size.

import { readU16, readU32 } from '../bytes.ts';
import { CodecConfigError } from '../errors.ts';
import { BitReader } from './bit-reader.ts';
import { nalToRbsp } from './nal.ts';

export const HEVC_NAL_VPS = 32;
export const HEVC_NAL_SPS = 33;
export const HEVC_NAL_PPS = 34;
export const HEVC_NAL_AUD = 35;
/** NAL types 16..23 are IRAP pictures (BLA/IDR/CRA): random access points. */
export const HEVC_NAL_IRAP_FIRST = 16;
export const HEVC_NAL_IRAP_LAST = 23;

export interface HevcNalArray {
  nalType: number;
  /** array_completeness: all NAL units of this type are in the array (none in-band). */
  complete: boolean;
  units: Uint8Array[];
}

export interface HevcSps {
  chromaFormatIdc: number;
  width: number;
  height: number;
  bitDepthLuma: number;
  bitDepthChroma: number;
}

export interface HevcDecoderConfigurationRecord {
  codec: 'hevc';
  profileSpace: number;
  tierFlag: number;
  profileIdc: number;
  /** general_profile_compatibility_flags as an unsigned 32-bit number (flag 0 = MSB). */
  profileCompatibilityFlags: number;
  /** The 6 general_constraint_indicator_flags bytes (a view into the record). */
  constraintIndicatorFlags: Uint8Array;
  levelIdc: number;
  chromaFormatIdc: number;
  bitDepthLuma: number;
  bitDepthChroma: number;
  /** avgFrameRate is in frames per 256 s; 0 = unspecified. */
  avgFrameRate: number;
  nalLengthSize: number;
  arrays: HevcNalArray[];
  /** The first SPS, parsed, when the record carries one. */
  spsInfo?: HevcSps;
}

const HEADER_BYTES = 23;
/** general_profile_space..general_level_idc in profile_tier_level(): 2+1+5+32+48 bits + 8. */
const PTL_GENERAL_BITS = 96;
const PTL_SUB_LAYER_PROFILE_BITS = 88;
const PTL_SUB_LAYER_LEVEL_BITS = 8;
const MAX_PICTURE_DIMENSION = 65535;

function fail(message: string): never {
  throw new CodecConfigError('malformed', message);
}

export function parseHevcDecoderConfigurationRecord(record: Uint8Array): HevcDecoderConfigurationRecord {
  if (record.length < HEADER_BYTES) throw new CodecConfigError('truncated', `hvcC: needs at least ${HEADER_BYTES} bytes, got ${record.length}`);
  if (record[0] !== 1) throw new CodecConfigError('unsupported-version', `hvcC: configurationVersion ${record[0]}, expected 1`);
  const arrayCount = record[22];
  let offset = HEADER_BYTES;
  const arrays: HevcNalArray[] = [];
  for (let a = 0; a < arrayCount; a++) {
    if (offset + 3 > record.length) throw new CodecConfigError('truncated', `hvcC: NAL array ${a} header past the end`);
    const nalType = record[offset] & 0x3f;
    const complete = (record[offset] & 0x80) !== 0;
    const count = readU16(record, offset + 1);
    offset += 3;
    const units: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      if (offset + 2 > record.length) throw new CodecConfigError('truncated', `hvcC: NAL ${i} of array ${a} length past the end`);
      const size = readU16(record, offset);
      offset += 2;
      if (offset + size > record.length) throw new CodecConfigError('truncated', `hvcC: NAL ${i} of array ${a} (${size} bytes) past the end`);
      units.push(record.subarray(offset, offset + size));
      offset += size;
    }
    arrays.push({ nalType, complete, units });
  }
  const config: HevcDecoderConfigurationRecord = {
    codec: 'hevc',
    profileSpace: record[1] >> 6,
    tierFlag: (record[1] >> 5) & 1,
    profileIdc: record[1] & 0x1f,
    profileCompatibilityFlags: readU32(record, 2),
    constraintIndicatorFlags: record.subarray(6, 12),
    levelIdc: record[12],
    chromaFormatIdc: record[16] & 0x03,
    bitDepthLuma: (record[17] & 0x07) + 8,
    bitDepthChroma: (record[18] & 0x07) + 8,
    avgFrameRate: readU16(record, 19),
    nalLengthSize: (record[21] & 0x03) + 1,
    arrays,
  };
  const sps = arrays.find((a) => a.nalType === HEVC_NAL_SPS)?.units[0];
  if (sps !== undefined) config.spsInfo = parseHevcSps(sps);
  return config;
}

/** Parses an SPS NAL unit (2-byte NAL header included) up to the bit depths. */
export function parseHevcSps(nal: Uint8Array): HevcSps {
  if (nal.length < 3) throw new CodecConfigError('truncated', `H.265 SPS: ${nal.length} bytes`);
  const nalType = (nal[0] >> 1) & 0x3f;
  if (nalType !== HEVC_NAL_SPS) fail(`H.265 SPS: NAL type ${nalType}, expected ${HEVC_NAL_SPS}`);
  const r = new BitReader(nalToRbsp(nal).subarray(2), 'H.265 SPS');
  r.skipBits(4); // sps_video_parameter_set_id
  const maxSubLayersMinus1 = r.readBits(3);
  if (maxSubLayersMinus1 > 6) fail(`H.265 SPS: sps_max_sub_layers_minus1 ${maxSubLayersMinus1}`);
  r.skipBits(1); // sps_temporal_id_nesting_flag
  skipProfileTierLevel(r, maxSubLayersMinus1);
  r.readUE(); // sps_seq_parameter_set_id
  const chromaFormatIdc = r.readUE();
  if (chromaFormatIdc > 3) fail(`H.265 SPS: chroma_format_idc ${chromaFormatIdc}`);
  const separateColourPlane = chromaFormatIdc === 3 && r.readBit() === 1;
  const codedWidth = r.readUE();
  const codedHeight = r.readUE();
  if (codedWidth === 0 || codedHeight === 0 || codedWidth > MAX_PICTURE_DIMENSION || codedHeight > MAX_PICTURE_DIMENSION) {
    fail(`H.265 SPS: picture size ${codedWidth}x${codedHeight}`);
  }
  let crop = [0, 0, 0, 0];
  if (r.readBit()) crop = [r.readUE(), r.readUE(), r.readUE(), r.readUE()];
  const bitDepthLuma = 8 + r.readUE();
  const bitDepthChroma = 8 + r.readUE();
  if (bitDepthLuma > 16 || bitDepthChroma > 16) fail('H.265 SPS: bit depth above 16');
  // Table 6-1: the conformance window is in chroma sample units.
  const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc;
  const subWidthC = chromaArrayType === 1 || chromaArrayType === 2 ? 2 : 1;
  const subHeightC = chromaArrayType === 1 ? 2 : 1;
  const width = codedWidth - subWidthC * (crop[0] + crop[1]);
  const height = codedHeight - subHeightC * (crop[2] + crop[3]);
  if (width <= 0 || height <= 0) fail(`H.265 SPS: conformance window leaves ${width}x${height}`);
  return { chromaFormatIdc, width, height, bitDepthLuma, bitDepthChroma };
}

function skipProfileTierLevel(r: BitReader, maxSubLayersMinus1: number): void {
  r.skipBits(PTL_GENERAL_BITS);
  const profilePresent: boolean[] = [];
  const levelPresent: boolean[] = [];
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    profilePresent.push(r.readBit() === 1);
    levelPresent.push(r.readBit() === 1);
  }
  if (maxSubLayersMinus1 > 0) r.skipBits(2 * (8 - maxSubLayersMinus1)); // reserved_zero_2bits
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    if (profilePresent[i]) r.skipBits(PTL_SUB_LAYER_PROFILE_BITS);
    if (levelPresent[i]) r.skipBits(PTL_SUB_LAYER_LEVEL_BITS);
  }
}
