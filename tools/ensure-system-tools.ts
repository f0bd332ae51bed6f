// Makes sure the real peers the integration tests talk to are on this machine.
// Missing ones are installed with apt-get when we are root; otherwise the run stops
// with a clear message. Tests are never skipped for a missing tool.
import { execFileSync, spawnSync } from 'node:child_process';

interface SystemTool {
  /** Command whose presence proves the tool is installed. */
  command: string;
  /** Extra check, for tools whose command exists without the parts we need (e.g. a GStreamer plugin). */
  probe?: () => boolean;
  /** Debian packages that provide it. */
  packages: string[];
  why: string;
}

const hasGstElements = (...elements: string[]) => () =>
  elements.every((element) => spawnSync('gst-inspect-1.0', [element], { stdio: 'ignore' }).status === 0);

export const systemTools: SystemTool[] = [
  { command: 'ffmpeg', packages: ['ffmpeg'], why: 'publishes and plays RTMP, reads HTTP-FLV/HLS' },
  { command: 'ffprobe', packages: ['ffmpeg'], why: 'checks codec parameters of outputs' },
  {
    command: 'gst-launch-1.0',
    // Every element the interop tests use: both RTMP stacks, the muxer, the encoders (plugins-ugly, libav).
    probe: hasGstElements('rtmp2sink', 'rtmp2src', 'rtmpsink', 'rtmpsrc', 'flvmux', 'x264enc', 'avenc_aac', 'h264parse', 'aacparse'),
    packages: [
      'gstreamer1.0-tools', 'gstreamer1.0-plugins-base', 'gstreamer1.0-plugins-good',
      'gstreamer1.0-plugins-bad', 'gstreamer1.0-plugins-ugly', 'gstreamer1.0-libav',
    ],
    why: 'GStreamer rtmp2 (independent RTMP client) and librtmp-based rtmpsink/rtmpsrc, with x264enc/avenc_aac publishers',
  },
  { command: 'rtmpdump', packages: ['rtmpdump'], why: 'librtmp player (independent RTMP client)' },
  { command: 'chromium', packages: ['chromium'], why: 'headless browser for player and link tests' },
];

function commandExists(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function isPresent(tool: SystemTool): boolean {
  return commandExists(tool.command) && (tool.probe?.() ?? true);
}

export function ensureSystemTools(): void {
  const missing = systemTools.filter((tool) => !isPresent(tool));
  if (missing.length === 0) return;
  const packages = [...new Set(missing.flatMap((tool) => tool.packages))];
  const isRoot = process.getuid?.() === 0;
  if (!isRoot) {
    const list = missing.map((t) => `  ${t.command}: ${t.why}`).join('\n');
    console.error(`Missing system tools needed by the tests:\n${list}\nInstall them with:\n  sudo apt-get install -y ${packages.join(' ')}`);
    process.exit(1);
  }
  console.log(`Installing system tools for the tests: ${packages.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...packages], { stdio: 'inherit', env });
  const stillMissing = systemTools.filter((tool) => !isPresent(tool));
  if (stillMissing.length > 0) {
    console.error(`Still missing after install: ${stillMissing.map((t) => t.command).join(', ')}`);
    process.exit(1);
  }
}

if (import.meta.main) ensureSystemTools();
