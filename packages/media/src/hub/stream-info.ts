// What a live stream carries, in the terms players and operators use (RFC 6381 codec
// strings, picture size, sample rate), read from its sequence headers and metadata.
// Parsed once per sequence header and remembered.
import { parseVideoTagHeader, parseAudioTagHeader, parseCodecConfig, codecString, readMetadata, FlvError, CodecConfigError, type CodecConfig } from '@livelink/flv';
import type { HubFrame } from './frame.ts';
import type { LiveStream } from './live-stream.ts';

export interface VideoInfo {
  codec: string;
  width: number | null;
  height: number | null;
  fps: number | null;
}

export interface AudioInfo {
  codec: string;
  sampleRate: number | null;
  channels: number | null;
}

const configs = new WeakMap<HubFrame, CodecConfig | null>();

function configOf(frame: HubFrame): CodecConfig | null {
  if (configs.has(frame)) return configs.get(frame)!;
  let config: CodecConfig | null = null;
  try {
    const header = frame.kind === 'video' ? parseVideoTagHeader(frame.payload) : parseAudioTagHeader(frame.payload);
    if (header.codec !== undefined) config = parseCodecConfig(header.codec, frame.payload.subarray(header.dataOffset));
  } catch (error) {
    // A sequence header we cannot parse still plays if the player can; we just cannot describe it.
    if (!(error instanceof FlvError || error instanceof CodecConfigError)) throw error;
  }
  configs.set(frame, config);
  return config;
}

function metadataOf(stream: LiveStream) {
  if (stream.metadata === null) return null;
  try {
    return readMetadata(stream.metadata.payload);
  } catch (error) {
    if (error instanceof FlvError) return null;
    throw error;
  }
}

export function videoInfo(stream: LiveStream): VideoInfo | null {
  const header = stream.videoSequenceHeader;
  if (header === null) return null;
  const config = configOf(header);
  const metadata = metadataOf(stream);
  let width = metadata?.width ?? null;
  let height = metadata?.height ?? null;
  let fps = metadata?.framerate ?? null;
  if (config?.codec === 'avc') {
    width = config.spsInfo.width;
    height = config.spsInfo.height;
    fps ??= config.spsInfo.frameRate ?? null;
  } else if (config?.codec === 'hevc' && config.spsInfo) {
    width = config.spsInfo.width;
    height = config.spsInfo.height;
  }
  return { codec: config ? codecString(config) : String(metadata?.videoCodec ?? 'unknown'), width, height, fps };
}

export function audioInfo(stream: LiveStream): AudioInfo | null {
  const header = stream.audioSequenceHeader;
  if (header === null) return null;
  const config = configOf(header);
  if (config?.codec === 'aac') return { codec: codecString(config), sampleRate: config.outputSampleRate, channels: config.channels };
  if (config?.codec === 'opus') return { codec: 'opus', sampleRate: 48000, channels: config.channels };
  const metadata = metadataOf(stream);
  return { codec: String(metadata?.audioCodec ?? 'unknown'), sampleRate: metadata?.audiosamplerate ?? null, channels: metadata?.audiochannels ?? null };
}
