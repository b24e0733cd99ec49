/**
 * Commands at city scale: a sweep writes its timed-out deliveries with one UPDATE per chunk and never runs
 * twice at once; old commands are pruned by the configured retention, in chunks, without ever throwing.
 * A second Commands service runs on the real controller's store, bus and broker, with a Kysely plugin that
 * counts the statements it issues (and can make deletes fail, as a broken disk would).
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { Commands } from '../src/features/commands/commands.js';
import type { BusEvents } from '../src/bus/eventBus.js';
import { SMALL_COUNTY, startTestController, tempDir, type TestController } from './helpers.js';

/** Two compounds of 300 lantern groups each (a compound holds at most 512). */
const PER_PLAZA = 300;
const GROUPS = 2 * PER_PLAZA;

class StatementCounter implements KyselyPlugin {
  readonly kinds: string[] = [];
  failDeletes = false;
  transformQuery({ node }: PluginTransformQueryArgs): RootOperationNode {
    this.kinds.push(node.kind);
    if (this.failDeletes && node.kind === 'DeleteQueryNode') throw new Error('disk I/O error');
    return node;
  }
  async transformResult({ result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return result;
  }
  count(kind: string): number {
    return this.kinds.filter((k) => k === kind).length;
  }
}

let ctl: TestController;
let dir: string;
let commands: Commands;
const counter = new StatementCounter();
const origin = { source: 'schedule' as const, issuer: 'rule-evening' };

beforeAll(async () => {
  // Two large compounds, none of their groups connected: every delivery times out.
  dir = tempDir();
  const county = JSON.parse(readFileSync(SMALL_COUNTY, 'utf8'));
  for (const id of ['plaza-east', 'plaza-west']) {
    county.streets[0].communities[0].compounds.push({
      id,
      name: '大广场',
      groups: Array.from({ length: PER_PLAZA }, (_, i) => ({ id: `g${i}`, name: `灯组${i}`, fixture: 'dimmer', channels: 1, ratedWatts: 10 })),
      kiosks: [],
    });
  }
  const registryFile = join(dir, 'county.json');
  writeFileSync(registryFile, JSON.stringify(county));
  ctl = await startTestController({ registryFile, storage: { commandRetentionDays: 7 } });
  commands = new Commands(
    { config: ctl.config, log: ctl.log, db: ctl.db.withPlugin(counter), bus: ctl.bus },
    ctl.registry,
    ctl.broker,
    ctl.scenes,
  );
  await commands.start();
});
afterAll(async () => {
  await commands.stop();
  await ctl.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('command sweep', () => {
  it('times out 600 deliveries of two commands with one UPDATE per chunk, once, even when sweeps are started together', async () => {
    const settled: BusEvents['command.settled'][] = [];
    const owner = {};
    ctl.bus.on('command.settled', owner, (e) => void settled.push(e));
    const ids = [(await commands.send('plaza-east', { power: 'on' }, origin)).id, (await commands.send('plaza-west', { power: 'on' }, origin)).id];
    const done = Promise.all(ids.map((id) => commands.wait(id, 10_000)));
    counter.kinds.length = 0;
    const later = Date.now() + ctl.config.commands.ackTimeoutMs;
    await Promise.all([commands.sweep(later), commands.sweep(later), commands.sweep(later)]);
    await done;
    ctl.bus.removeOwner(owner);
    // 600 deliveries in chunks of 64: ten statements (one per delivery before).
    expect(counter.count('UpdateQueryNode')).toBe(Math.ceil(GROUPS / 64));
    const mine = settled.filter((e) => ids.includes(e.delivery.commandId));
    expect(mine).toHaveLength(GROUPS);
    expect(new Set(mine.map((e) => `${e.delivery.compound}/${e.delivery.group}`)).size).toBe(GROUPS);
    expect(mine.every((e) => e.delivery.status === 'timeout' && e.delivery.source === 'schedule' && e.delivery.issuer === 'rule-evening')).toBe(true);
    for (const id of ids) {
      expect(mine.filter((e) => e.delivery.commandId === id).at(-1)!.remaining).toBe(0);
      const record = (await commands.get(id))!;
      expect(record.pending).toBe(0);
      expect(record.deliveries).toHaveLength(PER_PLAZA);
      expect(record.deliveries.every((d) => d.status === 'timeout' && d.settledAt === later)).toBe(true);
    }
    expect(commands.counters.timeouts).toBe(GROUPS);
  });

  it('leaves deliveries within the ack timeout alone', async () => {
    const { id } = await commands.send('alpha', { power: 'off' }, origin);
    counter.kinds.length = 0;
    await commands.sweep(Date.now());
    expect(counter.count('UpdateQueryNode')).toBe(0);
    expect((await commands.get(id))!.pending).toBe(3);
    await commands.sweep(Date.now() + ctl.config.commands.ackTimeoutMs);
    expect((await commands.get(id))!.pending).toBe(0);
  });
});

describe('command retention', () => {
  it('deletes commands and deliveries older than storage.commandRetentionDays, a chunk at a time', async () => {
    const issued = [];
    for (let i = 0; i < 5; i++) issued.push((await commands.send('beta', { brightness: i }, origin)).id);
    await commands.sweep(Date.now() + ctl.config.commands.ackTimeoutMs);
    const day = 86_400_000;
    // Six days on: nothing is old enough.
    expect(await commands.prune(Date.now() + 6 * day, 2)).toBe(0);
    expect(await commands.get(issued[0]!)).not.toBeNull();
    counter.kinds.length = 0;
    const all = (await ctl.db.selectFrom('commands').select('id').execute()).length;
    // Eight days on, in chunks of two: every command goes, with its deliveries.
    expect(await commands.prune(Date.now() + 8 * day, 2)).toBe(all);
    expect(counter.count('DeleteQueryNode')).toBe(2 * Math.ceil(all / 2));
    for (const id of issued) expect(await commands.get(id)).toBeNull();
    expect(await ctl.db.selectFrom('command_deliveries').selectAll().execute()).toEqual([]);
    expect(commands.counters.pruned).toBe(all);
  });

  it('stops tracking deliveries of the commands it prunes', async () => {
    const { id } = await commands.send('beta', { power: 'on' }, origin);
    const later = Date.now() + 8 * 86_400_000;
    expect(await commands.prune(later)).toBe(1);
    // Nothing left to wait for or to sweep: the delivery was forgotten with its command.
    await commands.wait(id, 60_000);
    counter.kinds.length = 0;
    await commands.sweep(later);
    expect(counter.count('UpdateQueryNode')).toBe(0);
  });

  it('logs and counts a failed prune instead of throwing, and prunes on the next run', async () => {
    const { id } = await commands.send('beta', { power: 'on' }, origin);
    const later = Date.now() + 8 * 86_400_000;
    counter.failDeletes = true;
    try {
      await expect(commands.prune(later)).resolves.toBe(0);
    } finally {
      counter.failDeletes = false;
    }
    expect(commands.counters.pruneErrors).toBe(1);
    expect(await commands.get(id)).not.toBeNull();
    expect(await commands.prune(later)).toBe(1);
    expect(await commands.get(id)).toBeNull();
  });
});
