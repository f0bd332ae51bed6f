// One movie fragment (ISO/IEC 14496-12 8.8): a moof with a traf per track (tfhd, tfdt, trun) and
// the mdat holding the samples, each track's run contiguous. Offsets in trun count from the moof's
// first byte (default-base-is-moof), so a fragment stands alone: CMAF and HLS need no other base.
import { FlvError } from '../../errors.ts';
import { box, fullBox, u32, u64, type BoxPart } from './box.ts';

export interface TrackRun {
  trackId: number;
  /** Decode time of the first sample, in the track's timescale. */
  baseMediaDecodeTime: number;
  samples: readonly RunSample[];
  /** Video runs carry per-sample flags and composition offsets; audio samples are all sync samples with PTS = DTS. */
  video: boolean;
}

export interface RunSample {
  duration: number;
  data: Uint8Array;
  /** Video only. */
  keyframe?: boolean;
  compositionOffset?: number;
}

const TFHD_DEFAULT_BASE_IS_MOOF = 0x020000;
const TRUN_DATA_OFFSET = 0x000001;
const TRUN_DURATION = 0x000100;
const TRUN_SIZE = 0x000200;
const TRUN_FLAGS = 0x000400;
const TRUN_COMPOSITION_OFFSET = 0x000800;
/** sample_depends_on = 2: decodable alone. */
const SYNC_SAMPLE_FLAGS = 0x02000000;
/** sample_depends_on = 1 and sample_is_non_sync_sample. */
const NON_SYNC_SAMPLE_FLAGS = 0x01010000;
const MDAT_HEADER_SIZE = 8;

export function movieFragment(sequenceNumber: number, runs: readonly TrackRun[]): Uint8Array {
  const runBytes = runs.map((run) => run.samples.reduce((total, sample) => total + sample.data.length, 0));
  // trun sizes do not depend on the offsets they hold: measure with zeros, then write for real.
  const moofSize = moof(sequenceNumber, runs, runs.map(() => 0)).length;
  const offsets: number[] = [];
  let offset = moofSize + MDAT_HEADER_SIZE;
  for (const bytes of runBytes) {
    offsets.push(offset);
    offset += bytes;
  }
  if (offset > 0x7fffffff) throw new FlvError('invalid-argument', `a fragment of ${offset} bytes is beyond trun's signed 32-bit data offsets`);
  const mdat = box('mdat', runs.map((run) => run.samples.map((sample) => sample.data)));
  const moofBox = moof(sequenceNumber, runs, offsets);
  const out = new Uint8Array(moofBox.length + mdat.length);
  out.set(moofBox, 0);
  out.set(mdat, moofBox.length);
  return out;
}

function moof(sequenceNumber: number, runs: readonly TrackRun[], dataOffsets: readonly number[]): Uint8Array {
  return box('moof', fullBox('mfhd', 0, 0, u32(sequenceNumber)), runs.map((run, i) => traf(run, dataOffsets[i])));
}

function traf(run: TrackRun, dataOffset: number): Uint8Array {
  let flags = TRUN_DATA_OFFSET | TRUN_DURATION | TRUN_SIZE;
  if (run.video) flags |= TRUN_FLAGS | TRUN_COMPOSITION_OFFSET;
  const entries: BoxPart[] = run.samples.map((sample) => {
    const entry = [u32(sample.duration), u32(sample.data.length)];
    if (run.video) entry.push(u32(sample.keyframe ? SYNC_SAMPLE_FLAGS : NON_SYNC_SAMPLE_FLAGS), u32(sample.compositionOffset ?? 0));
    return entry;
  });
  return box(
    'traf',
    fullBox('tfhd', 0, TFHD_DEFAULT_BASE_IS_MOOF, u32(run.trackId)),
    // Version 1: a 64-bit decode time, which a 90 kHz clock outgrows after 13 hours in 32 bits.
    fullBox('tfdt', 1, 0, u64(run.baseMediaDecodeTime)),
    // Version 1: signed composition offsets, so B-frames need no edit list to start at time zero.
    fullBox('trun', 1, flags, u32(run.samples.length), u32(dataOffset), entries),
  );
}
