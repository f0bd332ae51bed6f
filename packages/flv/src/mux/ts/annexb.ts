// Length-prefixed NAL units (FLV/MP4 "AVCC") to the Annex B byte stream MPEG-TS requires: start
// codes, an access unit delimiter first, and the parameter sets from the decoder configuration
// record repeated in front of every random access point so each HLS segment decodes on its own.

import { AVC_NAL_AUD, AVC_NAL_IDR, AVC_NAL_SPS, type AvcDecoderConfigurationRecord } from '../../codec/avc.ts';
import {
  HEVC_NAL_AUD,
  HEVC_NAL_IRAP_FIRST,
  HEVC_NAL_IRAP_LAST,
  HEVC_NAL_PPS,
  HEVC_NAL_SPS,
  HEVC_NAL_VPS,
  type HevcDecoderConfigurationRecord,
} from '../../codec/hevc.ts';
import { splitLengthPrefixed } from '../../codec/nal.ts';

const START_CODE = Uint8Array.of(0, 0, 0, 1);

/** What differs between H.264 and H.265 for this conversion. */
export interface AnnexBFormat {
  nalLengthSize: number;
  /** AUD NAL unit (without start code). */
  aud: Uint8Array;
  /** Parameter sets to insert before random access points, in decoding order. */
  parameterSets: readonly Uint8Array[];
  nalType(unit: Uint8Array): number;
  isRandomAccess(type: number): boolean;
  isAud(type: number): boolean;
  /** An access unit that already carries this type brings its own parameter sets. */
  carriesParameterSets(type: number): boolean;
}

export function avcAnnexB(config: AvcDecoderConfigurationRecord): AnnexBFormat {
  return {
    nalLengthSize: config.nalLengthSize,
    aud: Uint8Array.of(AVC_NAL_AUD, 0xf0), // primary_pic_type 7: any slice type
    parameterSets: [...config.sps, ...config.pps],
    nalType: (unit) => unit[0] & 0x1f,
    isRandomAccess: (type) => type === AVC_NAL_IDR,
    isAud: (type) => type === AVC_NAL_AUD,
    carriesParameterSets: (type) => type === AVC_NAL_SPS,
  };
}

export function hevcAnnexB(config: HevcDecoderConfigurationRecord): AnnexBFormat {
  const order = [HEVC_NAL_VPS, HEVC_NAL_SPS, HEVC_NAL_PPS];
  return {
    nalLengthSize: config.nalLengthSize,
    aud: Uint8Array.of(HEVC_NAL_AUD << 1, 0x01, 0x50), // nuh_temporal_id_plus1 1; pic_type 2: any
    parameterSets: order.flatMap((type) => config.arrays.filter((a) => a.nalType === type).flatMap((a) => a.units)),
    nalType: (unit) => (unit[0] >> 1) & 0x3f,
    isRandomAccess: (type) => type >= HEVC_NAL_IRAP_FIRST && type <= HEVC_NAL_IRAP_LAST,
    isAud: (type) => type === HEVC_NAL_AUD,
    carriesParameterSets: (type) => type === HEVC_NAL_VPS || type === HEVC_NAL_SPS,
  };
}

/**
 * Converts one access unit. The result has `reserve` unused bytes in front (for the PES header),
 * so the frame is copied exactly once. Throws CodecConfigError if a NAL length runs past the end.
 */
export function toAnnexB(format: AnnexBFormat, data: Uint8Array, keyframe: boolean, reserve: number): Uint8Array {
  const units = splitLengthPrefixed(data, format.nalLengthSize).filter((u) => u.length > 0 && !format.isAud(format.nalType(u)));
  const types = units.map((u) => format.nalType(u));
  const randomAccess = keyframe || types.some((t) => format.isRandomAccess(t));
  const insertParameterSets = randomAccess && !types.some((t) => format.carriesParameterSets(t));
  const output = [format.aud, ...(insertParameterSets ? format.parameterSets : []), ...units];
  let size = reserve;
  for (const unit of output) size += START_CODE.length + unit.length;
  const out = new Uint8Array(size);
  let o = reserve;
  for (const unit of output) {
    out.set(START_CODE, o);
    out.set(unit, o + START_CODE.length);
    o += START_CODE.length + unit.length;
  }
  return out;
}
