// Constants and IPC messages shared by the processes of bench/link.ts.

export const ECHO_CMDID = 3;
export const PUSH_CMDID = 10001;
export const IDENTIFY_CMDID = 1;

/** Wall-clock ms with sub-ms resolution, comparable across processes on one machine. */
export const wallNow = () => performance.timeOrigin + performance.now();

export type ServerCommand =
  | { type: 'memory' }
  | { type: 'broadcast'; count: number; bytes: number }
  | { type: 'cpu-start' }
  | { type: 'cpu-stop' };

export type ServerReply =
  | { type: 'ready'; tcpPort: number; httpPort: number }
  | { type: 'memory'; rss: number; heapUsed: number; connections: number }
  | { type: 'cpu'; percent: number };

export type LoadKind = 'tcp' | 'ws' | 'socketio';

export type LoadCommand =
  | { type: 'open'; kind: LoadKind; tcpPort: number; httpPort: number; count: number; fanCount: number; sourceAddresses: string[] }
  | { type: 'expect-pushes'; total: number; timeoutMs: number }
  | { type: 'rtt'; connections: number; window: number; payloadBytes: number; warmupMs: number; durationMs: number }
  | { type: 'close' };

export type LoadReply =
  | { type: 'opened'; count: number; ms: number }
  | { type: 'pushes'; received: number; firstAt: number; lastAt: number; p50: number; p99: number }
  | { type: 'rtt'; completed: number; seconds: number; p50: number; p99: number; loadCpuPercent: number }
  | { type: 'closed' }
  | { type: 'error'; message: string };

/** Children exit with their orchestrator, never outliving it. */
export function exitWithParent(): void {
  process.on('disconnect', () => process.exit(0));
}
