// The RTMP clients other than ffmpeg, as child processes: GStreamer's own RTMP stack
// (rtmp2sink/rtmp2src, gst-plugins-bad) and librtmp (GStreamer rtmpsink/rtmpsrc, rtmpdump).
// Every player records what it received to an FLV file, so all peers are judged the same way.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { start, type Finished, type Running } from './peers.ts';

export type PlayerPeer = 'ffmpeg' | 'rtmp2src' | 'rtmpsrc' | 'rtmpdump';
export const playerPeers: readonly PlayerPeer[] = ['ffmpeg', 'rtmp2src', 'rtmpsrc', 'rtmpdump'];

const recordDir = mkdtempSync(join(tmpdir(), 'livelink-interop-'));
let recordings = 0;

/** librtmp reads options after the URL; `live=1` makes it play/publish a live stream. */
const librtmpLocation = (url: string) => `${url} live=1`;

/**
 * gst-launch -e turns SIGINT into an end-of-stream, so sinks finish their file or send
 * FCUnpublish/deleteStream; rtmpdump closes its file on SIGINT too. rtmpsrc ignores the
 * end-of-stream while live data flows, so after `graceMs` the peer is terminated.
 */
export async function interrupt(peer: Running, graceMs = 2000): Promise<Finished> {
  if (peer.child.exitCode !== null || peer.child.signalCode !== null) return peer.finished;
  peer.child.kill('SIGINT');
  const timer = setTimeout(() => peer.child.kill('SIGTERM'), graceMs);
  try {
    return await peer.finished;
  } finally {
    clearTimeout(timer);
  }
}

export interface GstPublishOptions {
  /** rtmp2sink's outgoing chunk size (librtmp always writes 128-byte chunks). */
  chunkSize?: number;
  video?: boolean;
  audio?: boolean;
}

/**
 * GStreamer encoding live test sources (320x240 25 fps H.264 with a keyframe a second,
 * 44.1 kHz stereo AAC) and publishing them with its own muxer and RTMP client, until interrupted.
 */
export function gstPublish(sink: 'rtmp2sink' | 'rtmpsink', url: string, options: GstPublishOptions = {}): Running {
  const { chunkSize = 128, video = true, audio = true } = options;
  const target = sink === 'rtmp2sink' ? ['rtmp2sink', `location=${url}`, `chunk-size=${chunkSize}`] : ['rtmpsink', `location=${librtmpLocation(url)}`];
  const args = ['-e', 'flvmux', 'name=mux', 'streamable=true', '!', ...target];
  if (video) {
    args.push(
      'videotestsrc', 'is-live=true', '!', 'video/x-raw,format=I420,width=320,height=240,framerate=25/1', '!',
      'x264enc', 'tune=zerolatency', 'speed-preset=ultrafast', 'key-int-max=25', '!', 'h264parse', '!', 'queue', '!', 'mux.',
    );
  }
  if (audio) {
    args.push(
      'audiotestsrc', 'is-live=true', '!', 'audio/x-raw,rate=44100,channels=2', '!',
      'avenc_aac', '!', 'aacparse', '!', 'queue', '!', 'mux.',
    );
  }
  return start('gst-launch-1.0', args, { timeoutMs: 120_000 });
}

/**
 * Plays `url` with `peer` for `seconds` of wall time, or until the server reports the publish
 * ended, and records what arrived to an FLV file (timestamps as sent). `ffmpegInput` are
 * extra input options for ffmpeg.
 */
export async function recordPlay(peer: PlayerPeer, url: string, seconds: number, ffmpegInput: string[] = []): Promise<string> {
  const path = join(recordDir, `${peer}-${++recordings}.flv`);
  // gst filesinks unbuffered, so what arrived is on disk even when the peer has to be terminated.
  const [command, args] = peer === 'ffmpeg' ? ['ffmpeg', ['-v', 'error', '-rw_timeout', '15000000', ...ffmpegInput, '-i', url, '-c', 'copy', '-copyts', '-f', 'flv', path]]
    : peer === 'rtmpdump' ? ['rtmpdump', ['-r', url, '-v', '-o', path]]
    : ['gst-launch-1.0', ['-e', peer, `location=${peer === 'rtmpsrc' ? librtmpLocation(url) : url}`, '!', 'filesink', 'buffer-mode=unbuffered', `location=${path}`]];
  const player = start(command, args, { timeoutMs: 60_000 });
  const wallClock = new AbortController();
  const ended = await Promise.race([sleep(seconds * 1000, null, { signal: wallClock.signal }), player.finished]);
  wallClock.abort();
  const result = ended ?? await interrupt(player, 1000);
  if (!endedCleanly(peer, result, ended === null)) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.code ?? result.signal}:\n${result.stderr.slice(-2000)}`);
  }
  return path;
}

function endedCleanly(peer: PlayerPeer, result: Finished, interrupted: boolean): boolean {
  if (result.code === 0) return true;
  if (!interrupted) return false;
  // ffmpeg exits 255 on SIGINT after closing its file; rtmpdump says 2, "incomplete", for a
  // live stream it did not see end; rtmpsrc had to be terminated.
  return (peer === 'ffmpeg' && result.code === 255) || (peer === 'rtmpdump' && result.code === 2) || result.signal === 'SIGTERM';
}
