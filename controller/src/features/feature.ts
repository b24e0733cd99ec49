import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { EventBus } from '../bus/eventBus.js';
import type { Db } from '../store/db.js';

/** What every feature gets: config, a namespaced logger, the store and the bus. */
export interface FeatureContext {
  config: Config;
  log: Logger;
  db: Db;
  bus: EventBus;
}

/**
 * A feature module with a lifecycle. Constructors only assign fields; start() subscribes and starts
 * timers; stop() clears its own timers and listeners and flushes what it buffered.
 */
export abstract class Feature {
  protected readonly log: Logger;
  constructor(
    protected readonly ctx: FeatureContext,
    readonly name: string,
  ) {
    this.log = ctx.log.child({ module: name });
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {
    this.ctx.bus.removeOwner(this);
  }
}
