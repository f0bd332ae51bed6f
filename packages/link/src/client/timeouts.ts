// Mars's multi-level task timeouts (task_profile.cc, config.h): a whole-task budget covering every
// retry, and per attempt a first-packet deadline that grows with request size and with the number of
// tasks already queued ahead on the link, a read/write deadline, and a maximum gap between packets.
// A single fixed timeout is either too short for big uploads on slow radios or too long to notice a
// dead link; splitting it lets each phase fail fast. Pure functions: integer milliseconds in and out,
// integer division as in Mars's uint64 arithmetic.

export type NetworkType = 'wifi' | 'mobile';
/** Mars's dynamic-timeout verdict; only `excellent` changes anything (shorter first-packet timeout). */
export type DynamicTimeoutStatus = 'evaluating' | 'excellent' | 'bad';

interface NetworkTimeouts {
  baseFirstPacket: number;
  maxFirstPacket: number;
  excellentFirstPacket: number;
  /** Bytes per second assumed for the slowest acceptable link. */
  minRate: number;
  /** Added per task already in flight on the channel. */
  perQueuedTask: number;
  packetToPacket: number;
}

export const NETWORK_TIMEOUTS: Readonly<Record<NetworkType, Readonly<NetworkTimeouts>>> = {
  wifi: {
    baseFirstPacket: 12_000,
    maxFirstPacket: 22_000,
    excellentFirstPacket: 7_000,
    minRate: 12 * 1024,
    perQueuedTask: 1_500,
    packetToPacket: 8_000,
  },
  mobile: {
    baseFirstPacket: 15_000,
    maxFirstPacket: 30_000,
    excellentFirstPacket: 10_000,
    minRate: 4 * 1024,
    perQueuedTask: 3_000,
    packetToPacket: 12_000,
  },
};

/** Read/write deadline assumes up to this many response bytes at the minimum rate. */
export const MAX_RECV_BYTES = 64 * 1024;
/** Tasks in flight counted towards the first-packet timeout. */
export const MAX_COUNTED_IN_FLIGHT = 5;
const BASE_READ_WRITE = 15_000;
const PER_ATTEMPT_SLACK = 5_000;

export interface FirstPacketInput {
  /** The task's expected server processing time; > 0 replaces the base timeout. */
  serverProcessCost: number;
  sendBytes: number;
  /** Tasks already sent and unanswered on the same channel. */
  inFlight: number;
  network: NetworkType;
  dynamic?: DynamicTimeoutStatus;
}

export function firstPacketTimeout(input: FirstPacketInput): number {
  const t = NETWORK_TIMEOUTS[input.network];
  const queueDelay = Math.min(input.inFlight, MAX_COUNTED_IN_FLIGHT) * t.perQueuedTask;
  if (input.dynamic === 'excellent' && input.serverProcessCost === 0) {
    return t.excellentFirstPacket + queueDelay;
  }
  const transfer = Math.floor((1000 * input.sendBytes) / t.minRate);
  if (input.serverProcessCost > 0) return input.serverProcessCost + transfer + queueDelay;
  return Math.min(t.baseFirstPacket + transfer, t.maxFirstPacket) + queueDelay;
}

export function readWriteTimeout(firstPacket: number, network: NetworkType): number {
  return firstPacket + Math.floor((1000 * MAX_RECV_BYTES) / NETWORK_TIMEOUTS[network].minRate);
}

export function packetToPacketTimeout(network: NetworkType): number {
  return NETWORK_TIMEOUTS[network].packetToPacket;
}

export interface TaskTimeoutInput {
  retryCount: number;
  serverProcessCost: number;
  /** The app's cap; ≤ 0 means none. */
  totalTimeout: number;
}

/** Whole-task budget including every retry (TaskProfile::ComputeTaskTimeout). */
export function taskTimeout(input: TaskTimeoutInput): number {
  const readWrite = BASE_READ_WRITE + Math.max(0, input.serverProcessCost);
  const computed = (readWrite + PER_ATTEMPT_SLACK) * (input.retryCount + 1);
  return input.totalTimeout > 0 && input.totalTimeout < computed ? input.totalTimeout : computed;
}

export interface AttemptTimeouts {
  firstPacket: number;
  readWrite: number;
  packetToPacket: number;
}

export function attemptTimeouts(input: FirstPacketInput): AttemptTimeouts {
  const firstPacket = firstPacketTimeout(input);
  return {
    firstPacket,
    readWrite: readWriteTimeout(firstPacket, input.network),
    packetToPacket: packetToPacketTimeout(input.network),
  };
}
