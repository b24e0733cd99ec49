/**
 * Process-level safety net, installed by the controller's process (main.ts). An unhandled rejection is
 * logged and counted and the controller keeps running: it is a bug to fix, not a reason to drop every
 * device's session. An uncaught exception is logged and counted, then the controller stops cleanly and
 * exits with status 1: after a throw nobody caught, in-memory state may be half-updated, and the service
 * manager restarts a fresh process (Node's own guidance for 'uncaughtException').
 */
import type { Logger } from 'pino';

/** For /api/metrics (`process`): counts since this process started. */
export const processCounters = { unhandledRejections: 0, uncaughtExceptions: 0 };

export interface ProcessGuardOptions {
  log: Logger;
  /** Longest wait for the clean stop after an uncaught exception; default 10 s. */
  exitTimeoutMs?: number;
}

export interface ProcessGuard {
  /** Replaces the logger (once the controller's own exists) and sets the clean stop to run before exiting. */
  attach(log: Logger, shutdown: () => Promise<void>): void;
  uninstall(): void;
}

export function installProcessGuard(options: ProcessGuardOptions): ProcessGuard {
  let log = options.log;
  let shutdown: (() => Promise<void>) | null = null;
  let exiting = false;

  const onRejection = (reason: unknown) => {
    processCounters.unhandledRejections++;
    log.error({ err: reason, unhandledRejections: processCounters.unhandledRejections }, 'unhandled promise rejection (a bug); the controller keeps running');
  };
  const onException = (err: Error) => {
    processCounters.uncaughtExceptions++;
    if (exiting) {
      log.fatal({ err }, 'uncaught exception while stopping after another; exiting now');
      process.exit(1);
    }
    exiting = true;
    log.fatal({ err }, 'uncaught exception (a bug); stopping the controller and exiting');
    const timer = setTimeout(() => {
      log.fatal('clean stop did not finish in time; exiting');
      process.exit(1);
    }, options.exitTimeoutMs ?? 10_000);
    timer.unref();
    void (shutdown ?? (async () => undefined))()
      .catch((stopErr: unknown) => log.error({ err: stopErr }, 'clean stop failed'))
      .finally(() => {
        log.flush?.();
        process.exit(1);
      });
  };
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    attach(next, stop) {
      log = next;
      shutdown = stop;
    },
    uninstall() {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}
