// Opus identification header ("OpusHead", RFC 7845 5.1): the E-RTMP Opus SequenceStart body.
// Unlike everything else in FLV its multi-byte fields are little-endian.

import { CodecConfigError } from '../errors.ts';

export interface OpusHead {
  codec: 'opus';
  version: number;
  channels: number;
  /** Samples (at 48 kHz) to discard from the decoder output at the start. */
  preSkip: number;
  /** The encoder's input rate, informational only: Opus always decodes at 48 kHz. */
  inputSampleRate: number;
  /** Q7.8 dB gain to apply to the output. */
  outputGain: number;
  mappingFamily: number;
  /** Present when mappingFamily != 0. */
  streamCount?: number;
  coupledCount?: number;
  channelMapping?: Uint8Array;
}

const MAGIC = 'OpusHead';
const FIXED_BYTES = 19;

export function parseOpusHead(bytes: Uint8Array): OpusHead {
  if (bytes.length < FIXED_BYTES) throw new CodecConfigError('truncated', `OpusHead: needs ${FIXED_BYTES} bytes, got ${bytes.length}`);
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC.charCodeAt(i)) throw new CodecConfigError('malformed', 'OpusHead: missing "OpusHead" magic');
  }
  const version = bytes[8];
  // RFC 7845: the upper nibble is the major version; only 0 is defined and must be accepted.
  if (version >> 4 !== 0) throw new CodecConfigError('unsupported-version', `OpusHead: version ${version}`);
  const channels = bytes[9];
  if (channels === 0) throw new CodecConfigError('malformed', 'OpusHead: channel count 0');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const head: OpusHead = {
    codec: 'opus',
    version,
    channels,
    preSkip: view.getUint16(10, true),
    inputSampleRate: view.getUint32(12, true),
    outputGain: view.getInt16(16, true),
    mappingFamily: bytes[18],
  };
  if (head.mappingFamily === 0) {
    if (channels > 2) throw new CodecConfigError('malformed', `OpusHead: mapping family 0 with ${channels} channels`);
    return head;
  }
  if (bytes.length < FIXED_BYTES + 2 + channels) {
    throw new CodecConfigError('truncated', `OpusHead: channel mapping table needs ${FIXED_BYTES + 2 + channels} bytes, got ${bytes.length}`);
  }
  head.streamCount = bytes[19];
  head.coupledCount = bytes[20];
  if (head.streamCount === 0 || head.coupledCount > head.streamCount) {
    throw new CodecConfigError('malformed', `OpusHead: ${head.streamCount} streams with ${head.coupledCount} coupled`);
  }
  head.channelMapping = bytes.subarray(21, 21 + channels);
  return head;
}
