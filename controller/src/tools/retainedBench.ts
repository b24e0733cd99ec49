/**
 * `node controller/dist/tools/retainedBench.js [devices…]`: what a reconnect of every device costs the
 * retained store, stock aedes-persistence against the indexed one. Each device holds two retained messages
 * (state, availability) and subscribes to `caideng/v1/{compound}/group/{id}/#`, as a lantern group does.
 * Prints one JSON line per store and size. The stock store is skipped above 10,000 devices (it is quadratic:
 * its figure at 40,000 is extrapolated, not waited for).
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { IndexedRetainedPersistence, type RetainedPacket } from '../broker/retainedStore.js';

interface Store {
  setup(broker: unknown): Promise<void>;
  storeRetained(p: RetainedPacket): Promise<void>;
  createRetainedStreamCombi(patterns: string[]): Readable;
  destroy(): Promise<void>;
}
const require = createRequire(import.meta.url);
const Stock = require('aedes-persistence/asyncPersistence.js') as new () => Store;
const STOCK_MAX = 10_000;

async function run(name: string, store: Store, devices: number): Promise<void> {
  await store.setup({ id: 'bench' });
  const topics: string[] = [];
  for (let i = 0; i < devices; i++) topics.push(`caideng/v1/c${Math.floor(i / 20)}/group/g${i % 20}`);
  for (const t of topics) {
    await store.storeRetained({ cmd: 'publish', topic: `${t}/state`, payload: Buffer.from('{}'), qos: 1, retain: true });
    await store.storeRetained({ cmd: 'publish', topic: `${t}/availability`, payload: Buffer.from('{}'), qos: 1, retain: true });
  }
  const t0 = performance.now();
  let found = 0;
  for (const t of topics) found += (await store.createRetainedStreamCombi([`${t}/#`]).toArray()).length;
  const ms = performance.now() - t0;
  process.stdout.write(JSON.stringify({ store: name, devices, retained: devices * 2, found, allSubscriptionsMs: Math.round(ms), perSubscriptionUs: Math.round((ms / devices) * 1000 * 10) / 10 }) + '\n');
  await store.destroy();
}

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
for (const devices of sizes.length > 0 ? sizes : [2000, 10_000, 40_000]) {
  if (devices <= STOCK_MAX) await run('aedes-persistence (stock)', new Stock(), devices);
  await run('indexed', new IndexedRetainedPersistence() as unknown as Store, devices);
}
