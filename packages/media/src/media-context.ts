// What every edge of the media server (RTMP connections, HTTP viewers) shares.
import type { StreamHub } from './hub/stream-hub.ts';
import type { FlushScheduler } from './delivery/flush-scheduler.ts';
import type { FanoutGroups } from './delivery/fanout-group.ts';
import type { MediaServerConfig } from './config.ts';
import type { MediaLog } from './log.ts';
import type { Authorizer } from './auth/authorizer.ts';
import type { ClientRegistry } from './metrics/client-registry.ts';

export interface MediaContext {
  hub: StreamHub;
  scheduler: FlushScheduler;
  fanout: FanoutGroups;
  config: MediaServerConfig;
  log: MediaLog;
  authorizer: Authorizer;
  clients: ClientRegistry;
}
