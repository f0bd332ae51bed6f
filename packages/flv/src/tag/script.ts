// SCRIPTDATA (RTMP data message, type 18): publishers send ['@setDataFrame', 'onMetaData', obj];
// an FLV file / HTTP-FLV stream must carry ['onMetaData', ECMA array]. A leftover '@setDataFrame'
// shows up as a stray data stream in ffprobe, so it is stripped here once and the clean tag body cached.

import { AmfDecodeError, AmfEcmaArray, AmfEncodeError, AmfTypedObject, decodeAmf0Value, encodeAmf0, type Amf0Value } from '@livelink/amf';
import { numberToFourCc } from '../bytes.ts';
import { FlvError } from '../errors.ts';
import { AUDIO_CODEC_BY_SOUND_FORMAT } from './audio.ts';
import { VIDEO_CODEC_BY_ID } from './video.ts';

const SET_DATA_FRAME = '@setDataFrame';
const ON_META_DATA = 'onMetaData';
/** FourCC codec ids are >= "\x01\0\0\0"; legacy ids are 0..15. */
const FIRST_FOURCC_ID = 0x01000000;

/**
 * The onMetaData properties from a data message in either form, or null when the message is some
 * other data message (onTextData, onCuePoint, @clearDataFrame…). Throws FlvError 'bad-script-data'
 * for bytes that are not AMF0 or an onMetaData without an object argument.
 */
export function readMetaDataProperties(payload: Uint8Array): Record<string, Amf0Value> | null {
  // Values are decoded one at a time so that whatever follows the metadata object (some encoders
  // append extra values) can neither break nor slow down the parse.
  let offset = 0;
  const next = (): Amf0Value => {
    const decoded = amf(() => decodeAmf0Value(payload, offset));
    offset = decoded.offset;
    return decoded.value;
  };
  if (payload.length === 0) return null;
  let name = next();
  if (name === SET_DATA_FRAME) {
    if (offset >= payload.length) return null;
    name = next();
  }
  if (name !== ON_META_DATA) return null;
  if (offset >= payload.length) throw new FlvError('bad-script-data', 'script data: onMetaData without an argument');
  const argument = next();
  if (argument instanceof AmfEcmaArray || argument instanceof AmfTypedObject) return argument.properties;
  if (isPlainObject(argument)) return argument;
  throw new FlvError('bad-script-data', 'script data: onMetaData argument is not an object or ECMA array');
}

/** Runs an AMF codec call, turning its typed errors into this package's. */
function amf<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof AmfDecodeError || error instanceof AmfEncodeError) {
      throw new FlvError('bad-script-data', `script data: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

function isPlainObject(value: Amf0Value): value is Record<string, Amf0Value> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Rewrites a data message into the FLV script tag body ['onMetaData', ECMA array], optionally
 * adding/overriding properties (e.g. the server's name). Returns null for other data messages.
 */
export function toOnMetaDataTag(payload: Uint8Array, extra: Record<string, Amf0Value> = {}): Uint8Array | null {
  const properties = readMetaDataProperties(payload);
  if (properties === null) return null;
  return amf(() => encodeAmf0([ON_META_DATA, new AmfEcmaArray({ ...properties, ...extra })]));
}

/** The onMetaData fields the HTTP API reports, each present only when sent with the right type. */
export interface StreamMetadata {
  width?: number;
  height?: number;
  framerate?: number;
  /** Legacy CodecID, or the FourCC as a number for E-RTMP codecs; strings kept as sent. */
  videocodecid?: number | string;
  audiocodecid?: number | string;
  /** videocodecid decoded: a legacy codec name ("avc") or the FourCC ("hvc1"). */
  videoCodec?: string;
  audioCodec?: string;
  /** kbit/s */
  videodatarate?: number;
  audiodatarate?: number;
  audiosamplerate?: number;
  audiosamplesize?: number;
  audiochannels?: number;
  stereo?: boolean;
  duration?: number;
  encoder?: string;
}

const NUMBER_FIELDS = ['width', 'height', 'framerate', 'videodatarate', 'audiodatarate', 'audiosamplerate', 'audiosamplesize', 'audiochannels', 'duration'] as const;

/** Typed summary of a data message's onMetaData, or null when it is not onMetaData. */
export function readMetadata(payload: Uint8Array): StreamMetadata | null {
  const properties = readMetaDataProperties(payload);
  if (properties === null) return null;
  const out: StreamMetadata = {};
  for (const field of NUMBER_FIELDS) {
    const value = properties[field];
    if (typeof value === 'number' && Number.isFinite(value)) out[field] = value;
  }
  // Some encoders (older FMLE, Wirecast) send "fps" instead of "framerate".
  if (out.framerate === undefined && typeof properties.fps === 'number' && Number.isFinite(properties.fps)) out.framerate = properties.fps;
  if (typeof properties.stereo === 'boolean') out.stereo = properties.stereo;
  if (typeof properties.encoder === 'string') out.encoder = properties.encoder;
  const video = codecId(properties.videocodecid, (id) => VIDEO_CODEC_BY_ID[id]);
  if (video) {
    out.videocodecid = video.id;
    out.videoCodec = video.name;
  }
  const audio = codecId(properties.audiocodecid, (id) => AUDIO_CODEC_BY_SOUND_FORMAT[id]);
  if (audio) {
    out.audiocodecid = audio.id;
    out.audioCodec = audio.name;
  }
  return out;
}

function codecId(value: Amf0Value, legacyName: (id: number) => string | undefined): { id: number | string; name?: string } | undefined {
  if (typeof value === 'string') return { id: value, name: value };
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) return undefined;
  const name = value >= FIRST_FOURCC_ID ? numberToFourCc(value) : legacyName(value);
  return name === undefined ? { id: value } : { id: value, name };
}
