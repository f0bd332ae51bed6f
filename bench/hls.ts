// HLS segment availability: how long after a segment's closing keyframe reaches the server
// the playlist lists it (measured in the server, per segment), and what a client polling the
// playlist sees (segment durations, time between playlist updates). One livelink server, the
// RTMP benchmark's 720p clip published by ffmpeg in real time.
// Run: npx node bench/hls.ts [--seconds 30]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, appendFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureClip } from './rtmp/clip.ts';
import { startServer, REPO_ROOT } from './rtmp/servers.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '30' } } });
const SECONDS = Number(values.seconds);
const CLIP = join(REPO_ROOT, 'bench/.work/bench-720p.flv');
ensureClip(CLIP);

const dir = mkdtempSync(join(tmpdir(), 'livelink-bench-hls-'));
const server = await startServer('livelink', { dir, mergeWindowMs: 0, cpuProfileDir: null, nodeFlags: [] });
const publisher = spawn('ffmpeg', ['-v', 'error', '-re', '-stream_loop', '-1', '-i', CLIP, '-c', 'copy', '-f', 'flv', `rtmp://127.0.0.1:${server.rtmpPort}/live/bench`], { stdio: 'ignore' });
try {
  const base = `http://127.0.0.1:${server.httpPort}/live/bench`;
  const seen = new Map<string, number>();
  const durations: number[] = [];
  const updateGaps: number[] = [];
  let lastUpdate = 0;
  const end = Date.now() + SECONDS * 1000;
  while (Date.now() < end) {
    const response = await fetch(`${base}.m3u8`).catch(() => null);
    if (response?.ok) {
      const lines = (await response.text()).split('\n');
      for (let i = 0; i < lines.length; i++) {
        const uri = lines[i + 1];
        if (!lines[i].startsWith('#EXTINF:') || uri === undefined || seen.has(uri)) continue;
        const now = performance.now();
        if (seen.size > 0) {
          durations.push(Number(lines[i].slice(8).split(',')[0]));
          if (lastUpdate > 0) updateGaps.push(now - lastUpdate);
        }
        seen.set(uri, now);
        lastUpdate = now;
      }
    } else {
      await response?.body?.cancel();
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const api = (await (await fetch(`http://127.0.0.1:${server.httpPort}/api/v1/streams/live/bench`)).json()) as {
    hls: { segmentsProduced: number; targetDurationS: number; availability: { samples: number; lastMs: number; maxMs: number; meanMs: number } };
  };
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const rows = [
    `| segments produced | ${api.hls.segmentsProduced} |`,
    `| target duration (s) | ${api.hls.targetDurationS} |`,
    `| availability in the server: closing keyframe in → playlist lists the segment, mean / max (ms) | ${api.hls.availability.meanMs.toFixed(2)} / ${api.hls.availability.maxMs.toFixed(2)} (${api.hls.availability.samples} segments) |`,
    `| segment duration seen by the client, mean / min / max (s) | ${mean(durations).toFixed(3)} / ${Math.min(...durations).toFixed(3)} / ${Math.max(...durations).toFixed(3)} |`,
    `| time between playlist updates seen by a 20 ms poller, mean / max (ms) | ${mean(updateGaps).toFixed(0)} / ${Math.max(...updateGaps).toFixed(0)} |`,
  ];
  const section = [
    '',
    '## HLS segment availability',
    '',
    `${new Date().toISOString().slice(0, 10)} — ${cpus().length} cores, ${process.arch}, ${cpus()[0]?.model.trim()}, Node ${process.version}. \`npx node bench/hls.ts --seconds ${SECONDS}\`: the RTMP benchmark's 720p clip (2 s GOP) published by ffmpeg in real time to one livelink server (default settings: 2 s target, MPEG-TS).`,
    '',
    '| figure | value |',
    '|---|---|',
    ...rows,
    '',
  ].join('\n');
  process.stdout.write(section);
  appendFileSync(join(REPO_ROOT, 'bench', 'RESULTS.md'), section);
} finally {
  publisher.kill('SIGTERM');
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
