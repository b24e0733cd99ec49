/**
 * The indexed retained store: aedes-persistence's own abstract suite (the one every aedes persistence must
 * pass), run here under vitest through a small adapter for its node:test-style `t`; then what the index is
 * for: a device's subscription looks at its own retained messages only, however many the city holds; and
 * the same answers as the stock matcher for arbitrary topics and filters.
 */
import assert from 'node:assert';
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import net from 'node:net';
import { IndexedRetainedPersistence, RetainedTrie, type RetainedPacket } from '../src/broker/retainedStore.js';

const require = createRequire(import.meta.url);
type AbstractOptions = { test: (name: string, fn: (t: unknown) => Promise<void>) => void; persistence: () => unknown; testAsync?: boolean };
const abstractSuite = require('aedes-persistence/abstract.js') as (opts: AbstractOptions) => void;
const { CallBackPersistence } = require('aedes-persistence/callBackPersistence.js') as {
  CallBackPersistence: new (factory: (opts: unknown) => unknown, opts?: unknown) => unknown;
};
const { QlobberTrue } = require('qlobber') as { QlobberTrue: new (o: object) => { add(p: string): void; test(t: string): boolean } };

/** node:test's `t` as the abstract suite uses it: plan, assert (counted against the plan), diagnostic. */
function nodeTestAdapter(name: string, fn: (t: unknown) => Promise<void>) {
  it(name, async () => {
    let planned: number | null = null;
    let made = 0;
    const counted =
      <A extends unknown[]>(f: (...args: A) => void) =>
      (...args: A) => {
        made++;
        f(...args);
      };
    const t = {
      plan: (n: number) => void (planned = n),
      diagnostic: () => undefined,
      assert: { equal: counted(assert.equal), deepEqual: counted(assert.deepEqual), notEqual: counted(assert.notEqual), ok: counted(assert.ok) },
    };
    await fn(t);
    if (planned !== null) expect(made, 'assertions made against t.plan()').toBe(planned);
  });
}

describe("aedes-persistence's abstract suite, async API (as aedes 1.x calls it)", () => {
  abstractSuite({ test: nodeTestAdapter, persistence: () => new IndexedRetainedPersistence(), testAsync: true });
});

describe("aedes-persistence's abstract suite, through its callback layer", () => {
  abstractSuite({ test: nodeTestAdapter, persistence: () => new CallBackPersistence(() => new IndexedRetainedPersistence()) });
});

const packet = (topic: string, payload = 'x'): RetainedPacket => ({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain: true });

function drain(stream: Readable): Promise<RetainedPacket[]> {
  return stream.toArray() as Promise<RetainedPacket[]>;
}

describe('retained lookups cost what they return', () => {
  it("a device's subscription touches only its own two messages in a city of 80,000", async () => {
    const store = new IndexedRetainedPersistence();
    await store.setup({ id: 'test' });
    for (let c = 0; c < 2000; c++) {
      for (let g = 0; g < 20; g++) {
        const base = `caideng/v1/c${c}/group/g${g}`;
        await store.storeRetained(packet(`${base}/state`));
        await store.storeRetained(packet(`${base}/availability`));
      }
    }
    expect(store.retainedCount).toBe(80_000);
    const before = { ...store.retainedCounters };
    // What a lantern group subscribes to when it connects: its own channels, plus its compound's.
    const found = await drain(
      store.createRetainedStreamCombi(['caideng/v1/c1234/group/g7/#', 'caideng/v1/c1234/group/g7/set', 'caideng/v1/c1234/compound/-/+']),
    );
    const after = store.retainedCounters;
    expect(found.map((p) => p.topic).sort()).toEqual(['caideng/v1/c1234/group/g7/availability', 'caideng/v1/c1234/group/g7/state']);
    expect(after.packetsExamined - before.packetsExamined).toBe(2);
    expect(after.packetsReturned - before.packetsReturned).toBe(2);
    // The walk: 6 levels to the device plus its two leaves for `#`; 5 levels of the `set` path; 3 for the compound.
    expect(after.nodesVisited - before.nodesVisited).toBeLessThanOrEqual(20);
    await store.destroy();
  });

  it('a compound-wide filter touches that compound only', async () => {
    const trie = new RetainedTrie();
    for (let c = 0; c < 100; c++) for (let g = 0; g < 20; g++) trie.set(packet(`caideng/v1/c${c}/group/g${g}/state`));
    const found = [...trie.match('caideng/v1/c42/group/+/state')];
    expect(found).toHaveLength(20);
    expect(trie.counters.packetsExamined).toBe(20);
    expect(trie.counters.nodesVisited).toBeLessThanOrEqual(5 + 20 * 2);
  });

  it('a removed message leaves no branch behind', () => {
    const trie = new RetainedTrie();
    trie.set(packet('a/b/c'));
    trie.set(packet('a/b'));
    trie.delete('a/b/c');
    trie.delete('a/b');
    trie.delete('a/x'); // unknown: nothing happens
    expect(trie.size).toBe(0);
    expect((trie as unknown as { root: { children: unknown } }).root.children).toBeNull();
  });

  it('answers as the stock matcher does, for any topics and filters', () => {
    const level = fc.constantFrom('a', 'b', '', '$s', 'c');
    const topic = fc.array(level, { minLength: 1, maxLength: 4 }).map((l) => l.join('/'));
    const filter = fc
      .array(fc.constantFrom('a', 'b', '', '+', '$s'), { minLength: 1, maxLength: 4 })
      .chain((l) => fc.boolean().map((hash) => (hash ? [...l, '#'] : l).join('/')));
    fc.assert(
      fc.property(fc.uniqueArray(topic, { maxLength: 20 }), fc.array(filter, { minLength: 1, maxLength: 3 }), (topics, filters) => {
        const trie = new RetainedTrie();
        for (const t of topics) trie.set(packet(t));
        const expected = new Set<string>();
        for (const f of filters) {
          const q = new QlobberTrue({ wildcard_one: '+', wildcard_some: '#', separator: '/' });
          q.add(f);
          for (const t of topics) if (q.test(t)) expected.add(t);
        }
        const got = [...trie.matchAny(filters)].map((p) => p.topic);
        expect(new Set(got).size).toBe(got.length); // each message once
        expect(new Set(got)).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('aedes delivers retained messages from it on subscribe', async () => {
    const broker = await Aedes.createBroker({ persistence: new IndexedRetainedPersistence() });
    const server = net.createServer(broker.handle);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `mqtt://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    const pub = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
    const sub = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
    try {
      await pub.publishAsync('caideng/v1/c1/group/g1/state', 'on', { qos: 1, retain: true });
      await pub.publishAsync('caideng/v1/c2/group/g1/state', 'other', { qos: 1, retain: true });
      const got = new Promise<[string, string]>((resolve) => sub.once('message', (t, p) => resolve([t, p.toString()])));
      await sub.subscribeAsync('caideng/v1/c1/group/g1/#', { qos: 1 });
      expect(await got).toEqual(['caideng/v1/c1/group/g1/state', 'on']);
    } finally {
      await Promise.all([pub.endAsync(), sub.endAsync()]);
      await new Promise<void>((r) => broker.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
