/**
 * The simulated county of the sync benchmark (sync.ts), in its own process: every lantern group of the
 * credentials file with its own MQTT connection and clock sync, the background telemetry those groups send
 * (paced, round robin), and a record of each start: the startedAt the group reported (on the controller's
 * clock as its time.sync estimates it) and the real time it happened (the benchmark's machine shares one
 * clock, so the true skew is known too). Answers its parent over IPC.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startCounty, type County } from '../county.js';

export type SyncCountyRequest =
  | { op: 'start'; credentials: string; url: string }
  | { op: 'load'; ratePerS: number }
  | { op: 'loadStop' }
  | { op: 'starts'; tx: string[]; count: number; timeoutMs: number }
  | { op: 'stop' };

export interface StartRecord {
  username: string;
  tx: string;
  /** The command's startAt. */
  startAt: number;
  /** As reported (controller clock, estimated). */
  startedAt: number;
  /** Real time of the first frame (startedAt less the group's offset: the group's clock is this machine's). */
  realAt: number;
  /** Real time the command arrived: startAt − this is the lead it had. */
  receivedAt: number;
  /** The group's measured clock offset and the round trip it came from. */
  offsetMs: number;
  rttMs: number | null;
}

let county: County | null = null;
const received = new Map<string, number>();
const starts = new Map<string, StartRecord[]>();
const waiting = new Set<() => void>();
let load: { timer: NodeJS.Timeout; sent: number; loop: ReturnType<typeof monitorEventLoopDelay> } | null = null;

async function handle(req: SyncCountyRequest): Promise<unknown> {
  switch (req.op) {
    case 'start': {
      county = await startCounty({ credentials: req.credentials, url: req.url, kiosksPerCompound: 0, telemetryIntervalMs: 0, connectConcurrency: 50, keepaliveS: 120 });
      for (const g of county.groups) {
        g.on('command', (cmd) => received.set(`${g.username} ${cmd.tx}`, Date.now()));
        g.on('started', (state, why) => {
          // The report comes after the frame: the frame's real time is its controller-clock time less the
          // offset the group used (its own clock is this machine's).
          const realAt = (state.startedAt ?? 0) - g.clockOffsetMs;
          if (why !== 'command' || !state.tx || state.startAt === undefined || state.startedAt === undefined) return;
          const list = starts.get(state.tx) ?? [];
          list.push({
            username: g.username,
            tx: state.tx,
            startAt: state.startAt,
            startedAt: state.startedAt,
            realAt,
            receivedAt: received.get(`${g.username} ${state.tx}`) ?? Date.now(),
            offsetMs: g.clockOffsetMs,
            rttMs: g.clockRttMs,
          });
          starts.set(state.tx, list);
          for (const w of waiting) w();
        });
      }
      // Every group has taken its first three clock samples (the connect storm's and two after it) before the first show.
      await Promise.all(
        county.groups.map(
          (g) =>
            new Promise<void>((resolve) => {
              const check = () => {
                if (g.counters.timeSyncs + g.counters.timeSyncFailures < 3) return;
                g.off('clockSync', check);
                resolve();
              };
              g.on('clockSync', check);
              check();
            }),
        ),
      );
      return { groups: county.groups.length };
    }
    case 'load': {
      const groups = county!.groups;
      const loop = monitorEventLoopDelay({ resolution: 5 });
      loop.enable();
      const t0 = Date.now();
      let next = 0;
      let sent = 0;
      // Every 5 ms, as many readings as the rate owes by now, round robin over the groups.
      const timer = setInterval(() => {
        const due = Math.floor(((Date.now() - t0) * req.ratePerS) / 1000);
        while (sent < due) {
          groups[next++ % groups.length]!.publishTelemetry();
          sent++;
        }
        if (load) load.sent = sent;
      }, 5);
      load = { timer, sent: 0, loop };
      return { ok: true };
    }
    case 'loadStop': {
      if (!load) return { sent: 0, loopDelayP99Ms: 0 };
      clearInterval(load.timer);
      load.loop.disable();
      const out = { sent: load.sent, loopDelayP99Ms: load.loop.percentile(99) / 1e6, loopDelayMaxMs: load.loop.max / 1e6 };
      load = null;
      return out;
    }
    case 'starts': {
      const collect = () => req.tx.flatMap((tx) => starts.get(tx) ?? []);
      if (collect().length < req.count) {
        await new Promise<void>((resolve) => {
          const check = () => {
            if (collect().length >= req.count) done();
          };
          const done = () => {
            clearTimeout(timer);
            waiting.delete(check);
            resolve();
          };
          const timer = setTimeout(done, req.timeoutMs);
          waiting.add(check);
        });
      }
      return collect();
    }
    case 'stop': {
      if (load) clearInterval(load.timer);
      await county?.stop();
      county = null;
      return { ok: true };
    }
  }
}

process.on('message', (m: { id: number; req: SyncCountyRequest }) => {
  handle(m.req).then(
    (result) => process.send!({ id: m.id, ok: true, result }),
    (err: unknown) => process.send!({ id: m.id, ok: false, error: err instanceof Error ? err.message : String(err) }),
  );
});
process.on('disconnect', () => {
  void county?.stop().finally(() => process.exit(0));
  if (!county) process.exit(0);
});
