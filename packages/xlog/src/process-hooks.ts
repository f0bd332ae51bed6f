// Flushes every open logger synchronously when the process is going away: on 'exit' (normal
// end, process.exit), on an uncaught exception (via the monitor event, which does not change
// Node's crash behaviour), and on SIGINT/SIGTERM/SIGHUP. A signal we caught is raised again
// once we are the only listener, so the process still dies of it as it would have.

export interface SyncFlushable {
  flushSync(): void;
}

const open = new Set<SyncFlushable>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function flushAll(): void {
  for (const logger of open) {
    try {
      logger.flushSync();
    } catch {
      // Nothing can be reported this late; the next logger still gets its chance.
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  flushAll();
  if (process.listenerCount(signal) === 1) {
    uninstall();
    open.clear();
    process.kill(process.pid, signal);
  }
}

function install(): void {
  process.on('exit', flushAll);
  process.on('uncaughtExceptionMonitor', flushAll);
  for (const signal of SIGNALS) process.on(signal, onSignal);
}

function uninstall(): void {
  process.off('exit', flushAll);
  process.off('uncaughtExceptionMonitor', flushAll);
  for (const signal of SIGNALS) process.off(signal, onSignal);
}

export function registerForExit(logger: SyncFlushable): void {
  if (open.size === 0) install();
  open.add(logger);
}

export function unregisterForExit(logger: SyncFlushable): void {
  if (open.delete(logger) && open.size === 0) uninstall();
}
