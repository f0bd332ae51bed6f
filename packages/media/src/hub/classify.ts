// What the hub needs to know of each message to cache and start players correctly.
// The byte-level knowledge lives in @livelink/flv; this only maps it to hub terms.
import { isVideoKeyframe, isVideoSequenceHeader, isAudioSequenceHeader, toOnMetaDataTag, FlvError } from '@livelink/flv';
import type { FrameKind } from './frame.ts';

export interface FrameDescription {
  isKeyframe: boolean;
  isSequenceHeader: boolean;
  /** For onMetaData (also sent as @setDataFrame): the plain FLV script tag body players expect. */
  metadata?: Buffer;
}

/** Describes a publisher's message, or returns null for script data too malformed to pass on. */
export function describeFrame(kind: FrameKind, payload: Buffer, streamHasVideo: boolean): FrameDescription | null {
  switch (kind) {
    case 'video':
      return { isKeyframe: isVideoKeyframe(payload), isSequenceHeader: isVideoSequenceHeader(payload) };
    case 'audio':
      // In an audio-only stream any audio frame is a point a player can start from.
      return { isKeyframe: !streamHasVideo, isSequenceHeader: isAudioSequenceHeader(payload) };
    case 'data': {
      let tag: Uint8Array | null;
      try {
        tag = toOnMetaDataTag(payload);
      } catch (error) {
        if (error instanceof FlvError) return null;
        throw error;
      }
      return { isKeyframe: false, isSequenceHeader: false, metadata: tag === null ? undefined : Buffer.from(tag.buffer, tag.byteOffset, tag.byteLength) };
    }
  }
}
