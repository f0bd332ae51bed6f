// `livelink serve` in a child process on OS-chosen loopback ports, as a user would run it.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const cli = join(import.meta.dirname, '..', '..', 'src', 'main.ts');

export interface ServeProcess {
  pid: number;
  rtmpPort: number;
  httpPort: number;
  linkPort: number;
  output(): string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

export interface StartOptions {
  /** Runs serve under `taskset -c <cpuList>` (taskset execs in place: the pid is serve's own). */
  cpuList?: string;
}

export async function startServe(extraArgs: string[] = [], env: Record<string, string> = {}, options: StartOptions = {}): Promise<ServeProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'livelink-serve-'));
  const pinning = options.cpuList === undefined ? [] : ['taskset', '-c', options.cpuList];
  const [command, ...prefix] = [...pinning, process.execPath];
  const child = spawn(command, [...prefix, cli, 'serve', '--host', '127.0.0.1', '--rtmp-port', '0', '--http-port', '0', '--link-port', '0', '--data-dir', dataDir, ...extraArgs], {
    env: { ...process.env, ...env },
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const started = Date.now();
  const ready = /link:\s+tcp:\/\/127\.0\.0\.1:(\d+)/;
  while (!ready.test(out)) {
    if (child.exitCode !== null || Date.now() - started > 20_000) {
      child.kill('SIGKILL');
      throw new Error(`livelink serve did not start:\n${out}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    pid: child.pid!,
    rtmpPort: Number(/rtmp:\/\/127\.0\.0\.1:(\d+)\/live\/demo/.exec(out)![1]),
    httpPort: Number(/web:\s+http:\/\/127\.0\.0\.1:(\d+)\//.exec(out)![1]),
    linkPort: Number(ready.exec(out)![1]),
    output: () => out,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
