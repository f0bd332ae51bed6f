// MPEG-TS muxer for HLS: takes the same (timestamp, composition time, codec data) an FLV tag
// carries and returns whole 188-byte packets. Pure and synchronous: segmenting, playlists and I/O
// belong to the caller, which calls segmentStart() at each segment's first keyframe.

import { ADTS_HEADER_SIZE, writeAdtsHeader, type AudioSpecificConfig } from '../../codec/aac.ts';
import type { AvcDecoderConfigurationRecord } from '../../codec/avc.ts';
import type { HevcDecoderConfigurationRecord } from '../../codec/hevc.ts';
import { FlvError } from '../../errors.ts';
import { avcAnnexB, hevcAnnexB, toAnnexB, type AnnexBFormat } from './annexb.ts';
import { ContinuityCounter, TS_PACKET_SIZE, packetCount, writePackets, type FirstPacketFields } from './packet.ts';
import { STREAM_ID_AUDIO, STREAM_ID_VIDEO, pesHeaderSize, writePesHeader } from './pes.ts';
import { PAT_PID, PMT_PID, patPacket, pmtPacket, type PmtStream } from './psi.ts';

export type TsVideoTrack =
  | { codec: 'avc'; config: AvcDecoderConfigurationRecord }
  | { codec: 'hevc'; config: HevcDecoderConfigurationRecord };

export type TsAudioTrack = { codec: 'aac'; config: AudioSpecificConfig } | { codec: 'mp3' };

export interface TsMuxerOptions {
  video?: TsVideoTrack;
  audio?: TsAudioTrack;
}

export const VIDEO_PID = 0x100;
export const AUDIO_PID = 0x101;
const STREAM_TYPES = { avc: 0x1b, hevc: 0x24, aac: 0x0f, mp3: 0x03 } as const;
/** FLV timestamps are milliseconds; PES/PCR run at 90 kHz. */
const TICKS_PER_MS = 90;

export class TsMuxer {
  readonly #audio: TsAudioTrack | undefined;
  readonly #annexB: AnnexBFormat | undefined;
  readonly #pcrPid: number;
  readonly #streams: PmtStream[] = [];
  readonly #counters = new Map<number, ContinuityCounter>();

  constructor(options: TsMuxerOptions) {
    if (!options.video && !options.audio) throw new FlvError('invalid-argument', 'TsMuxer needs a video or an audio track');
    this.#audio = options.audio;
    if (options.video) {
      this.#annexB = options.video.codec === 'avc' ? avcAnnexB(options.video.config) : hevcAnnexB(options.video.config);
      this.#streams.push({ streamType: STREAM_TYPES[options.video.codec], pid: VIDEO_PID });
    }
    if (options.audio) this.#streams.push({ streamType: STREAM_TYPES[options.audio.codec], pid: AUDIO_PID });
    // The PCR rides on video when there is any: its frames arrive most regularly (and first).
    this.#pcrPid = options.video ? VIDEO_PID : AUDIO_PID;
  }

  #counter(pid: number): ContinuityCounter {
    let counter = this.#counters.get(pid);
    if (!counter) {
      counter = new ContinuityCounter();
      this.#counters.set(pid, counter);
    }
    return counter;
  }

  /** PAT + PMT (two packets). Emit at the start of every segment so each one is decodable alone. */
  segmentStart(): Uint8Array {
    const out = new Uint8Array(2 * TS_PACKET_SIZE);
    out.set(patPacket(this.#counter(PAT_PID)), 0);
    out.set(pmtPacket(this.#counter(PMT_PID), this.#pcrPid, this.#streams), TS_PACKET_SIZE);
    return out;
  }

  /**
   * One video access unit: `data` is the coded-frames body after the FLV video tag header
   * (length-prefixed NAL units); `dts` and `cts` in ms, PTS = DTS + CTS.
   */
  writeVideo(dts: number, cts: number, data: Uint8Array, keyframe: boolean): Uint8Array {
    if (!this.#annexB) throw new FlvError('invalid-argument', 'TsMuxer has no video track');
    const dtsTicks = dts * TICKS_PER_MS;
    const ptsTicks = (dts + cts) * TICKS_PER_MS;
    const headerSize = pesHeaderSize(ptsTicks, dtsTicks);
    const pes = toAnnexB(this.#annexB, data, keyframe, headerSize);
    writePesHeader(pes, STREAM_ID_VIDEO, ptsTicks, dtsTicks, pes.length - headerSize);
    return this.#packetize(VIDEO_PID, pes, { pcr: this.#pcrPid === VIDEO_PID ? dtsTicks : undefined, randomAccess: keyframe });
  }

  /** One audio frame: a raw AAC frame (wrapped in ADTS here) or MP3 frame(s); `dts` in ms. */
  writeAudio(dts: number, data: Uint8Array): Uint8Array {
    const audio = this.#audio;
    if (!audio) throw new FlvError('invalid-argument', 'TsMuxer has no audio track');
    const ticks = dts * TICKS_PER_MS;
    const headerSize = pesHeaderSize(ticks, ticks);
    const adtsSize = audio.codec === 'aac' ? ADTS_HEADER_SIZE : 0;
    const pes = new Uint8Array(headerSize + adtsSize + data.length);
    if (!writePesHeader(pes, STREAM_ID_AUDIO, ticks, ticks, adtsSize + data.length)) {
      throw new FlvError('invalid-argument', `audio frame of ${data.length} bytes does not fit one PES packet`);
    }
    if (audio.codec === 'aac') writeAdtsHeader(pes, headerSize, audio.config, data.length);
    pes.set(data, headerSize + adtsSize);
    const audioOnly = this.#pcrPid === AUDIO_PID;
    return this.#packetize(AUDIO_PID, pes, { pcr: audioOnly ? ticks : undefined, randomAccess: audioOnly });
  }

  #packetize(pid: number, pes: Uint8Array, first: FirstPacketFields): Uint8Array {
    const out = new Uint8Array(packetCount(pes.length, first) * TS_PACKET_SIZE);
    writePackets(out, 0, pid, this.#counter(pid), pes, first);
    return out;
  }
}
