// VPCodecConfigurationRecord ("vpcC" full box body: version 1 + flags, then the record, per the
// VP codec ISO-BMFF binding): the E-RTMP vp09/vp08 SequenceStart as FFmpeg writes it.

import { readU16 } from '../bytes.ts';
import { CodecConfigError } from '../errors.ts';

export interface VpCodecConfigurationRecord {
  codec: 'vp9' | 'vp8';
  profile: number;
  level: number;
  bitDepth: number;
  chromaSubsampling: number;
  fullRange: boolean;
  colourPrimaries: number;
  transferCharacteristics: number;
  matrixCoefficients: number;
}

const FIXED_BYTES = 12;

export function parseVpCodecConfigurationRecord(bytes: Uint8Array, codec: 'vp9' | 'vp8'): VpCodecConfigurationRecord {
  if (bytes.length < FIXED_BYTES) throw new CodecConfigError('truncated', `vpcC: needs ${FIXED_BYTES} bytes, got ${bytes.length}`);
  if (bytes[0] !== 1) throw new CodecConfigError('unsupported-version', `vpcC: version ${bytes[0]}, expected 1`);
  const initDataSize = readU16(bytes, 10);
  if (FIXED_BYTES + initDataSize > bytes.length) {
    throw new CodecConfigError('truncated', `vpcC: codecInitializationData of ${initDataSize} bytes past the end`);
  }
  return {
    codec,
    profile: bytes[4],
    level: bytes[5],
    bitDepth: bytes[6] >> 4,
    chromaSubsampling: (bytes[6] >> 1) & 0x07,
    fullRange: (bytes[6] & 1) !== 0,
    colourPrimaries: bytes[7],
    transferCharacteristics: bytes[8],
    matrixCoefficients: bytes[9],
  };
}
