// The fMP4 initialization segment (ISO/IEC 14496-12 8.2-8.8, 14496-15 for avcC/hvcC, 14496-14 for
// esds): ftyp + a moov whose sample tables are empty, since every sample lives in a later moof,
// plus mvex/trex announcing those fragments.
import { FlvError } from '../../errors.ts';
import { UNITY_MATRIX, ascii, box, flatten, fullBox, u16, u32, u8, zeros, type BoxPart } from './box.ts';
import type { Fmp4Track } from './track.ts';

/** ISO BMFF language code of "und" (undetermined): three 5-bit letters, each minus 0x60. */
const LANGUAGE_UND = 0x55c4;
/** mvhd's clock: only for durations, which a live presentation leaves at zero. */
const MOVIE_TIMESCALE = 1000;

export function initSegment(tracks: readonly Fmp4Track[]): Uint8Array {
  const ftyp = box('ftyp', ascii('iso6'), u32(0), ascii('iso6'), ascii('cmfc'), ascii('isom'), ascii('mp41'));
  const nextTrackId = Math.max(...tracks.map((track) => track.id)) + 1;
  const moov = box('moov', mvhd(nextTrackId), tracks.map(trak), box('mvex', tracks.map(trex)));
  const out = new Uint8Array(ftyp.length + moov.length);
  out.set(ftyp, 0);
  out.set(moov, ftyp.length);
  return out;
}

function mvhd(nextTrackId: number): Uint8Array {
  // creation/modification times, timescale, duration; rate 1.0, volume 1.0, reserved; matrix; pre_defined.
  return fullBox('mvhd', 0, 0, zeros(8), u32(MOVIE_TIMESCALE), u32(0), u32(0x00010000), u16(0x0100), zeros(10), UNITY_MATRIX, zeros(24), u32(nextTrackId));
}

function trak(track: Fmp4Track): Uint8Array {
  const video = track.kind === 'video';
  // flags: track_enabled | track_in_movie. Width and height are 16.16 fixed point.
  const tkhd = fullBox(
    'tkhd', 0, 0x000003, zeros(8), u32(track.id), zeros(4), u32(0), zeros(8), u16(0), u16(0), u16(video ? 0 : 0x0100), zeros(2), UNITY_MATRIX,
    u32(video ? track.width * 0x10000 : 0), u32(video ? track.height * 0x10000 : 0),
  );
  const mdhd = fullBox('mdhd', 0, 0, zeros(8), u32(track.timescale), u32(0), u16(LANGUAGE_UND), u16(0));
  const hdlr = fullBox('hdlr', 0, 0, u32(0), ascii(video ? 'vide' : 'soun'), zeros(12), ascii(video ? 'VideoHandler\0' : 'SoundHandler\0'));
  const mediaHeader = video ? fullBox('vmhd', 0, 1, zeros(8)) : fullBox('smhd', 0, 0, zeros(4));
  const dinf = box('dinf', fullBox('dref', 0, 0, u32(1), fullBox('url ', 0, 1)));
  const stbl = box(
    'stbl',
    fullBox('stsd', 0, 0, u32(1), sampleEntry(track)),
    fullBox('stts', 0, 0, u32(0)),
    fullBox('stsc', 0, 0, u32(0)),
    fullBox('stsz', 0, 0, u32(0), u32(0)),
    fullBox('stco', 0, 0, u32(0)),
  );
  return box('trak', tkhd, box('mdia', mdhd, hdlr, box('minf', mediaHeader, dinf, stbl)));
}

function sampleEntry(track: Fmp4Track): Uint8Array {
  // SampleEntry: six reserved bytes, then data_reference_index 1 (the dref's only entry).
  const entryHeader = [zeros(6), u16(1)];
  if (track.kind === 'video') {
    return box(
      track.codec === 'avc' ? 'avc1' : 'hvc1',
      entryHeader,
      // pre_defined, reserved, pre_defined[3]; size; 72 dpi both ways; reserved; frame_count 1;
      // an empty compressorname; depth 24 (colour, no alpha); pre_defined -1.
      zeros(16), u16(track.width), u16(track.height), u32(0x00480000), u32(0x00480000), u32(0), u16(1), zeros(32), u16(0x0018), u16(0xffff),
      box(track.codec === 'avc' ? 'avcC' : 'hvcC', track.record),
    );
  }
  // The 16-bit integer part of samplerate only holds rates below 65536; above that the esds's
  // AudioSpecificConfig (and the media timescale) are what decoders read.
  const rate = track.timescale < 0x10000 ? track.timescale * 0x10000 : 0;
  return box('mp4a', entryHeader, zeros(8), u16(track.channels), u16(16), u16(0), u16(0), u32(rate), esds(track.id, track.asc));
}

/** MPEG-4 Systems descriptors (14496-1 7.2.6): ES_Descriptor > DecoderConfigDescriptor > DecoderSpecificInfo, SLConfigDescriptor. */
function esds(esId: number, asc: Uint8Array): Uint8Array {
  const decoderSpecificInfo = descriptor(0x05, asc);
  // objectTypeIndication 0x40 (MPEG-4 Audio); streamType 5 (audio) << 2 | reserved 1; bufferSizeDB; max and average bitrate unknown.
  const decoderConfig = descriptor(0x04, [u8(0x40), u8(0x15), zeros(3), u32(0), u32(0), decoderSpecificInfo]);
  const slConfig = descriptor(0x06, u8(0x02)); // predefined: reserved for MP4 files
  return fullBox('esds', 0, 0, descriptor(0x03, [u16(esId), u8(0), decoderConfig, slConfig]));
}

function descriptor(tag: number, body: BoxPart): Uint8Array[] {
  const content = flatten(body);
  if (content.length >= 1 << 28) throw new FlvError('invalid-argument', `descriptor of ${content.length} bytes is too large`);
  // sizeOfInstance: 7 bits per byte, high bit set on all but the last.
  const size: number[] = [];
  for (let shift = 21; shift > 0; shift -= 7) if (content.length >> shift) size.push(0x80 | ((content.length >> shift) & 0x7f));
  size.push(content.length & 0x7f);
  return [u8(tag), Uint8Array.from(size), content];
}

function trex(track: Fmp4Track): Uint8Array {
  // default sample description 1; durations, sizes and flags are given per sample in every trun.
  return fullBox('trex', 0, 0, u32(track.id), u32(1), u32(0), u32(0), u32(0));
}
