// createLinkClient: wires the long link, the connect monitor, the short link and the task core
// together with the app's hooks. Everything with a policy lives in those modules; this file only
// connects their events and holds the app-facing state (app state, network).

import { systemClock, type Clock } from './clock.ts';
import { MARS_CONNECT_OPTIONS, type ComplexConnectOptions } from './complex-connect.ts';
import { ConnectMonitor } from './connect-monitor.ts';
import { ErrCode, ErrType, LinkTaskError, localError } from './errors.ts';
import { FrequencyLimit } from './frequency-limit.ts';
import { LongLink, MARS_HEARTBEAT_INTERVAL_MS, MARS_NOOP_TIMEOUT_MS, type IdentifyRequest, type LongLinkStatus } from './long-link.ts';
import { activityBucket, type AppState } from './reconnect.ts';
import { performShortLink, type ShortLinkFetch } from './short-link.ts';
import { TaskManager, type ShortLinkAttempt, type StartedTask, type TaskOptions } from './task-manager.ts';
import type { NetworkType } from './timeouts.ts';
import { isValidClientId } from '../protocol/control.ts';
import { DEFAULT_MAX_FRAME_BYTES, marsPacker } from '../protocol/frame.ts';
import type { LongLinkTransport } from '../transport/types.ts';
import { webSocketTransport } from '../transport/websocket.ts';

export interface LinkHooks {
  /** Mars MakesureAuthed: false keeps `needAuthed` tasks queued (asked again every second). */
  makeSureAuthed?(): boolean;
  /** Login payload sent on every new long link before any task; null = none. */
  identify?(): IdentifyRequest | null;
  /** Judges the identify answer; true when absent. */
  onIdentifyResponse?(body: Uint8Array): boolean;
  /** App DNS (Mars OnNewDns): addresses for `longLink.host`, tried before the configured ones. */
  onNewDns?(host: string): string[];
  onLinkStatus?(status: LongLinkStatus, error: LinkTaskError | undefined): void;
  onPush?(cmdid: number, body: Uint8Array): void;
}

export interface NetworkStatus {
  available: boolean;
  type: NetworkType;
}

export interface LinkClientOptions {
  longLink?: {
    /** Carrier addresses: "host:port" for TCP, ws:// URLs for WebSocket. */
    addresses?: string[];
    /** Shorthand for one WebSocket address (then the WebSocket transport is the default). */
    url?: string;
    /** Host name handed to hooks.onNewDns. */
    host?: string;
    transport?: LongLinkTransport;
    /** Keep the link up without tasks (default true); false = connect only when a task needs it. */
    keepAlive?: boolean;
  };
  shortLink?: {
    /** Origin the task's cgi is appended to, e.g. "http://127.0.0.1:8080". */
    baseUrl: string;
    fetch?: ShortLinkFetch;
    maxResponseBytes?: number;
  };
  hooks?: LinkHooks;
  clientVersion?: number;
  /** Default: random per client instance. */
  clientId?: string;
  heartbeatIntervalMs?: number;
  noopTimeoutMs?: number;
  appState?: AppState;
  network?: NetworkStatus;
  connect?: Partial<ComplexConnectOptions>;
  maxFrameBytes?: number;
  /** Anti-avalanche frequency limit (default on). */
  frequencyLimit?: boolean;
  clock?: Clock;
  random?: () => number;
}

export interface LinkClient {
  readonly clientId: string;
  readonly linkStatus: LongLinkStatus;
  startTask(options: TaskOptions): StartedTask;
  /** Rejects the task with `canceled`; false if it had already settled. */
  stopTask(id: number): boolean;
  /** Returns an unsubscribe function. */
  onPush(cmdid: number, handler: (body: Uint8Array) => void): () => void;
  setAppState(state: AppState): void;
  /** A changed network type or a network coming back counts as Mars's OnNetworkChange: reconnect now. */
  setNetwork(status: NetworkStatus): void;
  makeSureLongLinkConnected(): void;
  /** Re-runs the queue at once, e.g. after logging in (Mars TouchTasks). */
  touchTasks(): void;
  /** Rejects every pending task (`local` -9) and drops the long link. */
  close(): void;
}

const MAX_ADDRESSES = 5;

export function createLinkClient(options: LinkClientOptions): LinkClient {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const hooks = options.hooks ?? {};
  const clientVersion = options.clientVersion ?? 200;
  const clientId = options.clientId ?? randomClientId();
  if (!isValidClientId(clientId)) throw new TypeError(`clientId ${JSON.stringify(clientId)} is not 1-64 characters of [A-Za-z0-9_-]`);
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;

  let appState: AppState = options.appState ?? 'foreground';
  let appStateSince = clock.now();
  let network: NetworkStatus = options.network ?? { available: true, type: 'wifi' };
  let closed = false;
  const pushHandlers = new Map<number, Set<(body: Uint8Array) => void>>();

  const longLinkConfig = options.longLink;
  const configuredAddresses = longLinkConfig ? [...(longLinkConfig.addresses ?? []), ...(longLinkConfig.url ? [longLinkConfig.url] : [])] : [];
  const transport = longLinkConfig?.transport ?? (longLinkConfig?.url ? webSocketTransport() : undefined);
  if (longLinkConfig && !transport) throw new TypeError('longLink.addresses need a transport (tcpTransport from "@livelink/link/node", or webSocketTransport)');

  const resolveAddresses = (): string[] => {
    const fromDns = longLinkConfig?.host && hooks.onNewDns ? hooks.onNewDns(longLinkConfig.host) : [];
    return [...new Set([...fromDns, ...configuredAddresses])].slice(0, MAX_ADDRESSES);
  };

  let tasks: TaskManager;
  let monitor: ConnectMonitor | undefined;
  let link: LongLink | undefined;

  if (longLinkConfig && transport) {
    link = new LongLink(
      {
        transport,
        packer: marsPacker({ clientVersion, maxFrameBytes }),
        clock,
        clientId,
        heartbeatIntervalMs: options.heartbeatIntervalMs ?? MARS_HEARTBEAT_INTERVAL_MS,
        noopTimeoutMs: options.noopTimeoutMs ?? MARS_NOOP_TIMEOUT_MS,
        connect: { ...MARS_CONNECT_OPTIONS, ...options.connect },
        identify: hooks.identify ? () => hooks.identify!() : undefined,
        onIdentifyResponse: hooks.onIdentifyResponse ? (body) => hooks.onIdentifyResponse!(body) : undefined,
      },
      {
        onStatus: (status, error) => {
          tasks.onLinkStatus(status === 'connected', error?.message);
          if (status === 'connect-failed') monitor!.onLinkLost(false);
          hooks.onLinkStatus?.(status, error);
        },
        onDown: (error, serverClosed) => {
          tasks.onLinkDown(error);
          monitor!.onLinkLost(serverClosed);
        },
        onResponse: (frame) => tasks.onResponse(frame),
        onTaskError: (seq, error) => tasks.onTaskError(seq, error),
        onProgress: (seq) => tasks.onProgress(seq),
        onPush: (cmdid, body) => {
          hooks.onPush?.(cmdid, body);
          for (const handler of pushHandlers.get(cmdid) ?? []) handler(body);
        },
      },
    );
    const theLink = link;
    monitor = new ConnectMonitor({
      clock,
      random,
      linkBusy: () => theLink.busy,
      connect: () => theLink.connect(resolveAddresses()),
      activity: () => activityBucket(appState, clock.now() - appStateSince),
      networkAvailable: () => network.available,
      keepAlive: longLinkConfig.keepAlive ?? true,
    });
  }

  const shortLinkConfig = options.shortLink;
  const fetchFn: ShortLinkFetch | undefined = shortLinkConfig ? (shortLinkConfig.fetch ?? ((url, init) => fetch(url, init))) : undefined;
  const shortLink =
    shortLinkConfig && fetchFn
      ? (attempt: ShortLinkAttempt, signal: AbortSignal, onPacket: () => void) =>
          performShortLink(
            fetchFn,
            {
              url: shortLinkConfig.baseUrl.replace(/\/+$/, '') + attempt.cgi,
              cmdid: attempt.cmdid,
              seq: attempt.seq,
              clientId,
              clientVersion,
              body: attempt.body,
              headers: attempt.headers,
              maxResponseBytes: shortLinkConfig.maxResponseBytes ?? maxFrameBytes,
            },
            signal,
            onPacket,
          )
      : undefined;

  const noLink = {
    ready: false,
    send: () => {
      throw new Error('no long link configured');
    },
    reset: () => {},
  };
  tasks = new TaskManager({
    clock,
    longLink: link ?? noLink,
    requestLongLink: () => monitor?.request('task'),
    shortLink,
    makeSureAuthed: hooks.makeSureAuthed ? () => hooks.makeSureAuthed!() : undefined,
    network: () => network,
    frequencyLimit: options.frequencyLimit === false ? undefined : new FrequencyLimit(clock.now()),
  });

  monitor?.request('auto');

  return {
    clientId,
    get linkStatus() {
      return link?.status ?? 'idle';
    },
    startTask(taskOptions) {
      if (closed) return { id: 0, promise: Promise.reject(localError(ErrCode.localReset, 'link client is closed')) };
      return tasks.start(taskOptions);
    },
    stopTask: (id) => tasks.stop(id),
    onPush(cmdid, handler) {
      let handlers = pushHandlers.get(cmdid);
      if (!handlers) pushHandlers.set(cmdid, (handlers = new Set()));
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    setAppState(state) {
      if (state === appState) return;
      appState = state;
      appStateSince = clock.now();
      monitor?.reevaluate();
    },
    setNetwork(status) {
      const changed = status.type !== network.type || (status.available && !network.available);
      network = status;
      if (!changed || !status.available || !link || !monitor) return;
      link.reset(new LinkTaskError('socket', ErrType.socket, ErrCode.socketNetworkChange, 'network changed'));
      monitor.onNetworkChange();
    },
    makeSureLongLinkConnected: () => monitor?.request('task'),
    touchTasks: () => tasks.touch(),
    close() {
      if (closed) return;
      closed = true;
      monitor?.stop();
      tasks.clear(localError(ErrCode.localReset, 'link client closed'));
      link?.reset(localError(ErrCode.localReset, 'link client closed'));
    },
  };
}

function randomClientId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
