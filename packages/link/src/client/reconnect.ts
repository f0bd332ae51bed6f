// When to (re)connect the long link — Mars's LongLinkConnectMonitor (longlink_connect_monitor.cc).
// Reconnecting as fast as possible drains phone batteries and, when a gateway restarts, makes every
// client dial at once; Mars instead spaces attempts by how much the user is looking at the app and by
// what asked for the connection (a waiting task is worth more than the background keep-alive).

export type AppState = 'foreground' | 'background' | 'inactive';
export type ActivityBucket =
  | 'foreground-1min'
  | 'foreground-10min'
  | 'foreground-active'
  | 'background-active'
  | 'inactive';
export type ConnectTrigger = 'task' | 'auto' | 'network-change';

const ONE_MINUTE = 60_000;
const TEN_MINUTES = 10 * ONE_MINUTE;
/** Extra tolerance while inactive: timers of dozing devices fire late (kInactiveBuffer). */
const INACTIVE_BUFFER = 30_000;

const BUCKET_COLUMN: Readonly<Record<ActivityBucket, number>> = {
  'foreground-1min': 0,
  'foreground-10min': 1,
  'foreground-active': 2,
  'background-active': 3,
  inactive: 4,
};

/** Minimum spacing between connect attempts, seconds (sg_interval, current Mars master). */
export const CONNECT_INTERVAL_SECONDS: Readonly<Record<ConnectTrigger, readonly number[]>> = {
  task: [5, 10, 20, 30, 300],
  auto: [15, 30, 120, 300, 600],
  'network-change': [0, 0, 0, 0, 0],
};

/**
 * Mars's ActiveLogic: the app is "active" in the foreground and for 10 minutes after going to the
 * background; freshly foregrounded apps reconnect fastest.
 */
export function activityBucket(appState: AppState, msSinceStateChange: number): ActivityBucket {
  if (appState === 'inactive') return 'inactive';
  if (appState === 'background') return msSinceStateChange >= TEN_MINUTES ? 'inactive' : 'background-active';
  if (msSinceStateChange >= TEN_MINUTES) return 'foreground-active';
  return msSinceStateChange >= ONE_MINUTE ? 'foreground-10min' : 'foreground-1min';
}

export interface IntervalInput {
  trigger: ConnectTrigger;
  bucket: ActivityBucket;
  networkAvailable: boolean;
  /** Uniform in [0, 1); drives the 0–19 s jitter that spreads a crowd of clients apart. */
  random: number;
}

/** Required spacing in ms before a connect attempt of this kind (LongLinkConnectMonitor's __Interval). */
export function connectInterval(input: IntervalInput): number {
  let seconds = CONNECT_INTERVAL_SECONDS[input.trigger][BUCKET_COLUMN[input.bucket]];
  // Only the background keep-alive of a settled app is stretched; task-driven connects stay prompt.
  if (input.trigger === 'auto' && (input.bucket === 'inactive' || input.bucket === 'foreground-active')) {
    seconds = input.networkAvailable ? seconds + Math.floor(input.random * 20) : seconds * 3 + 600;
  }
  return seconds * 1000;
}

export interface ConnectDelayInput extends IntervalInput {
  /** ms since the previous connect attempt started; Infinity if there was none. */
  sinceLastAttempt: number;
}

/** 0 = connect now; otherwise how long to wait (__IntervalConnect). */
export function connectDelay(input: ConnectDelayInput): number {
  const interval = connectInterval(input);
  const buffer = input.bucket === 'inactive' ? INACTIVE_BUFFER : 0;
  return input.sinceLastAttempt + buffer >= interval ? 0 : interval - input.sinceLastAttempt;
}
