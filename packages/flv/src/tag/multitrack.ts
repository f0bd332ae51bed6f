// AvMultitrackType, shared by E-RTMP audio and video multitrack packets.

export type MultitrackKind = 'one-track' | 'many-tracks' | 'many-tracks-many-codecs';

export const MULTITRACK_KINDS: readonly MultitrackKind[] = ['one-track', 'many-tracks', 'many-tracks-many-codecs'];

/** What the multitrack prefix says about the tracks that follow `dataOffset`. */
export interface MultitrackInfo<PacketType extends string> {
  kind: MultitrackKind;
  /** Packet type of every track in the message. */
  packetType: PacketType;
  /** Shared FourCC; absent for many-tracks-many-codecs, where each track carries its own. */
  fourCc?: string;
}
