// AV1CodecConfigurationRecord ("av1C", AV1 ISOBMFF binding 2.3): the E-RTMP av01 SequenceStart.
// Only the fixed 4-byte header is interpreted; the trailing config OBUs are kept as a view.

import { CodecConfigError } from '../errors.ts';

export interface Av1CodecConfigurationRecord {
  codec: 'av1';
  profile: number;
  level: number;
  tier: number;
  bitDepth: 8 | 10 | 12;
  monochrome: boolean;
  chromaSubsamplingX: number;
  chromaSubsamplingY: number;
  configObus: Uint8Array;
}

export function parseAv1CodecConfigurationRecord(bytes: Uint8Array): Av1CodecConfigurationRecord {
  if (bytes.length < 4) throw new CodecConfigError('truncated', `av1C: needs 4 bytes, got ${bytes.length}`);
  if (bytes[0] !== 0x81) throw new CodecConfigError('unsupported-version', `av1C: marker/version byte 0x${bytes[0].toString(16)}, expected 0x81`);
  const flags = bytes[2];
  const highBitDepth = (flags & 0x40) !== 0;
  return {
    codec: 'av1',
    profile: bytes[1] >> 5,
    level: bytes[1] & 0x1f,
    tier: flags >> 7,
    bitDepth: highBitDepth ? (flags & 0x20 ? 12 : 10) : 8,
    monochrome: (flags & 0x10) !== 0,
    chromaSubsamplingX: (flags >> 3) & 1,
    chromaSubsamplingY: (flags >> 2) & 1,
    configObus: bytes.subarray(4),
  };
}
