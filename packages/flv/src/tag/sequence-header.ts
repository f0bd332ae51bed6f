import { isAudioSequenceHeader } from './audio.ts';
import { isVideoSequenceHeader } from './video.ts';

export const TAG_TYPE_AUDIO = 8;
export const TAG_TYPE_VIDEO = 9;
export const TAG_TYPE_SCRIPT = 18;

/** Sequence-header check by RTMP message / FLV tag type (8 audio, 9 video); false for any other type. */
export function isSequenceHeader(type: number, payload: Uint8Array): boolean {
  if (type === TAG_TYPE_VIDEO) return isVideoSequenceHeader(payload);
  if (type === TAG_TYPE_AUDIO) return isAudioSequenceHeader(payload);
  return false;
}
