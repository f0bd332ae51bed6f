// What the hub needs to know of each message to cache and start players correctly.
// The byte-level knowledge lives in @livelink/flv; this only maps it to hub terms.
import { isVideoKeyframe, isVideoSequenceHeader, isAudioSequenceHeader, toOnMetaDataTag } from '@livelink/flv';
import type { FrameKind } from './frame.ts';

export interface FrameDescription {
  isKeyframe: boolean;
  isSequenceHeader: boolean;
  /** For onMetaData (also sent as @setDataFrame): the plain FLV script tag body players expect. */
  metadata?: Buffer;
}

export function describeFrame(kind: FrameKind, payload: Buffer, streamHasVideo: boolean): FrameDescription {
  switch (kind) {
    case 'video':
      return { isKeyframe: isVideoKeyframe(payload), isSequenceHeader: isVideoSequenceHeader(payload) };
    case 'audio':
      // In an audio-only stream any audio frame is a point a player can start from.
      return { isKeyframe: !streamHasVideo, isSequenceHeader: isAudioSequenceHeader(payload) };
    case 'data': {
      const tag = toOnMetaDataTag(payload);
      return { isKeyframe: false, isSequenceHeader: false, metadata: tag === undefined ? undefined : Buffer.from(tag.buffer, tag.byteOffset, tag.byteLength) };
    }
  }
}
