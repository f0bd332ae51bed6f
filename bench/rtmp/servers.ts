// The servers under test, each started fresh in its own temp directory, pinned to CPU 0, with
// its output in a log file there (never a pipe nobody reads, which would stall it).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SERVER_NAMES = ['livelink', 'livelink-throughput', 'nms', 'nginx'] as const;
export type ServerName = (typeof SERVER_NAMES)[number];

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NMS_APP = join(REPO_ROOT, 'node_modules/node-media-server/bin/app.js');
const NGINX = '/usr/sbin/nginx';
const NGINX_RTMP_MODULE = '/usr/share/nginx/modules/ngx_rtmp_module.so';
export const SERVER_CPU = '0';
const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;

export interface ServerOptions {
  /** A fresh directory for this server's config, data and log. */
  dir: string;
  /** --merge-window-ms for livelink-throughput. */
  mergeWindowMs: number;
  /** Directory for a V8 CPU profile of our server (written when it stops), or null. */
  cpuProfileDir: string | null;
  /** Extra Node/V8 flags for our server only (experiments such as --max-semi-space-size). */
  nodeFlags: string[];
}

export interface RunningServer {
  name: ServerName;
  label: string;
  pid: number;
  rtmpPort: number;
  /** HTTP-FLV port; null for nginx-rtmp, which has none. */
  httpPort: number | null;
  child: ChildProcess;
  logPath: string;
  stop(): Promise<void>;
}

export function serverLabel(name: ServerName, mergeWindowMs: number): string {
  switch (name) {
    case 'livelink':
      return 'livelink (low latency)';
    case 'livelink-throughput':
      return `livelink (throughput, ${mergeWindowMs} ms window)`;
    case 'nms':
      return 'Node-Media-Server 4.4.3';
    case 'nginx':
      return 'nginx-rtmp';
  }
}

export async function startServer(name: ServerName, options: ServerOptions): Promise<RunningServer> {
  mkdirSync(options.dir, { recursive: true });
  const rtmpPort = await freePort();
  const httpPort = name === 'nginx' ? null : await freePort();
  const logPath = join(options.dir, 'server.log');
  const command = commandFor(name, options, rtmpPort, httpPort);
  const log = openSync(logPath, 'a');
  const child = spawn('taskset', ['-c', SERVER_CPU, ...command], { cwd: REPO_ROOT, stdio: ['ignore', log, log] });
  // taskset execs the server in place, so this pid is the server's own.
  const pid = child.pid!;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const server: RunningServer = {
    name,
    label: serverLabel(name, options.mergeWindowMs),
    pid,
    rtmpPort,
    httpPort,
    child,
    logPath,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(pid, 'SIGTERM');
      const timer = setTimeout(() => process.kill(pid, 'SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
  try {
    await waitForPort(rtmpPort, child);
    if (httpPort !== null) await waitForPort(httpPort, child);
  } catch (error) {
    await server.stop();
    // The log goes with the run's temporary directory: its end is the only trace left.
    const logTail = readFileSync(logPath, 'utf8').split('\n').slice(-20).join('\n');
    throw new Error(`${name} did not start: ${(error as Error).message}; the end of its log:\n${logTail}`);
  }
  return server;
}

function commandFor(name: ServerName, options: ServerOptions, rtmpPort: number, httpPort: number | null): string[] {
  const { dir } = options;
  switch (name) {
    case 'livelink':
    case 'livelink-throughput': {
      const profile = options.cpuProfileDir === null ? [] : ['--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir];
      const window = name === 'livelink' ? 0 : options.mergeWindowMs;
      return [
        process.execPath, ...options.nodeFlags, ...profile, 'packages/cli/src/main.ts', 'serve',
        '--host', '127.0.0.1', '--rtmp-port', String(rtmpPort), '--http-port', String(httpPort),
        // The link port is not measured here: the system picks a free one.
        '--link-port', '0', '--data-dir', join(dir, 'data'), '--merge-window-ms', String(window),
      ];
    }
    case 'nms': {
      // Our own config (the bundled one enables RTMPS/HTTPS and the admin API, and the CLI would write a
      // generated admin password back into node_modules). NMS hard-codes its logger to "debug" in its
      // constructor; its media path logs nothing per message, only a few lines per connection.
      const config = {
        bind: '127.0.0.1',
        notify: { url: '' },
        store: { path: './data' },
        auth: { play: false, publish: false, secret: 'bench-secret-unused' },
        rtmp: { port: rtmpPort },
        http: { port: httpPort },
        webadmin: { enable: false },
        record: { auto: false, path: './record' },
      };
      const configPath = join(dir, 'config.json');
      writeFileSync(configPath, JSON.stringify(config, null, 2));
      return [process.execPath, NMS_APP, '-c', configPath, '--rtmp-port', String(rtmpPort), '--http-port', String(httpPort), '--no-admin'];
    }
    case 'nginx': {
      const configPath = join(dir, 'nginx.conf');
      writeFileSync(
        configPath,
        [
          `load_module ${NGINX_RTMP_MODULE};`,
          'worker_processes 1;',
          'master_process off;',
          'daemon off;',
          `error_log ${join(dir, 'error.log')} warn;`,
          `pid ${join(dir, 'nginx.pid')};`,
          'events { worker_connections 8192; }',
          'rtmp {',
          '  server {',
          `    listen 127.0.0.1:${rtmpPort};`,
          '    chunk_size 4096;',
          '    application live { live on; }',
          '  }',
          '}',
          '',
        ].join('\n'),
      );
      return [NGINX, '-p', dir, '-e', join(dir, 'error.log'), '-c', configPath];
    }
  }
}

/** A port the kernel just handed out and released: free unless another process races for it. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  const deadline = performance.now() + READY_TIMEOUT_MS;
  while (performance.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited with ${child.exitCode ?? child.signalCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`port ${port} not open after ${READY_TIMEOUT_MS} ms`);
}
