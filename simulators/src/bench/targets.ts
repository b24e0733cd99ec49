/**
 * The systems the benchmark drives with the same simulated devices: the caideng controller (a child
 * process started from its built entry point), the same controller with no devices registered (the
 * memory baseline), and a bare aedes broker (the throughput and latency baseline).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import mqtt, { type MqttClient } from 'mqtt';
import { io, type Socket } from 'socket.io-client';
import { PROTOCOL_VERSION, topic, type ClientToServerEvents, type GroupAck, type ServerToClientEvents } from '@caideng/protocol';
import type { DeviceCredential, GroupCredential } from '../credentials.js';
import { ONE_ADDRESS_MAX } from './fleet.js';
import type { BridgeShare } from './fleetProtocol.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The city's compounds: 20 lantern groups each (controller/src/registry/city.ts). */
const GROUPS_PER_COMPOUND = 20;
/** File descriptors a measured process may need: a socket per device, and room for the store and the API. */
const fdsFor = (devices: number) => devices + 4096;
/** Extra Node flags for the measured process, e.g. CAIDENG_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=prof". */
const NODE_ARGS = (process.env.CAIDENG_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);

/**
 * A live viewer connected for the whole run, so the measured system always pays for its realtime path:
 * the dashboard's socket.io feed subscribed to every compound (controller), or an MQTT subscriber to every
 * topic (baseline).
 */
export interface Viewer {
  /** What it has received so far: messages, and device changes in them (one per MQTT message for the baseline). */
  received(): { messages: number; changes: number };
  /** Records publish → viewer latency of each new telemetry reading until `stop()`. */
  recordLatency(): { samples: number[]; stop(): void };
  close(): Promise<void>;
}

export interface Target {
  name: 'controller' | 'bare-aedes';
  /**
   * Kills the measured process (SIGKILL: no DISCONNECT, no goodbye) and starts it again on the same data and
   * MQTT port; resolves once it serves, with how long that took and the start phases it reports. Controller only.
   */
  restart?(): Promise<{ startMs: number; phasesMs: Record<string, number> | null }>;
  pid: number;
  /** Inspector WebSocket of the measured process, to collect garbage before reading RSS. */
  inspectorUrl: Promise<string>;
  mqttUrl: string;
  groups: GroupCredential[];
  /** The compounds' bridges with their groups, when the registry has bridges (`--via-bridges`). */
  bridges?: BridgeShare[];
  compounds: Map<string, GroupCredential[]>;
  /**
   * Telemetry messages the system has fully ingested so far: rows stored (controller, `telemetry.stored` of
   * /api/metrics) or messages its in-process consumer has processed (baseline); null when it does not say.
   */
  ingested(): Promise<number | null>;
  /**
   * One command to one group; resolves with the round trip in ms once the ack is stored (controller) or
   * received, and for the controller the bus part alone (publish → ack received, from its stored delivery).
   */
  command(group: GroupCredential): Promise<{ ms: number; busMs?: number; failed?: boolean }>;
  /** One command to every group of a compound; resolves with the time until every group has acked. */
  compoundCommand(compound: string): Promise<{ ms: number; busMs?: number; failed?: boolean }>;
  /** The measured process's own figures, where it reports any (the controller's /api/metrics). */
  metrics(): Promise<unknown>;
  openViewer(): Promise<Viewer>;
  /** Log lines of the measured process at warn level or above (the controller logs JSON). */
  logCounts: { warn: number; error: number };
  stop(): Promise<void>;
}

interface CityRegistry {
  streets: Array<{ communities: Array<{ compounds: Array<{ id: string; groups: Array<{ id: string }>; bridges?: Array<{ id: string; name: string; groups: string[] }> }> }> }>;
}
/** The bridge (gateway) of each compound in the `--via-bridges` topology. */
const BRIDGE_ID = 'gw';

/** The controller's city generator (its built module: the simulators do not depend on the controller). */
async function cityOf(devices: number, registered: boolean, bridged = false): Promise<CityRegistry> {
  const { cityRegistry } = (await import(pathToFileURL(join(ROOT, 'controller/dist/registry/city.js')).href)) as {
    cityRegistry: (o: { compounds: number; groupsPerCompound: number; kiosksPerCompound: number }) => CityRegistry;
  };
  const city = cityRegistry({ compounds: Math.ceil(devices / GROUPS_PER_COMPOUND), groupsPerCompound: GROUPS_PER_COMPOUND, kiosksPerCompound: 0 });
  let left = devices;
  for (const street of city.streets) {
    for (const community of street.communities) {
      for (const compound of community.compounds) {
        compound.groups = registered ? compound.groups.slice(0, Math.max(0, left)) : [];
        // The gateway drives every group of its compound (a bridge that goes offline takes them with it).
        if (bridged && registered) compound.bridges = [{ id: BRIDGE_ID, name: '网关', groups: compound.groups.map((g) => g.id) }];
        left -= GROUPS_PER_COMPOUND;
      }
    }
  }
  return city;
}

async function groupLayout(devices: number): Promise<Array<{ compound: string; group: string }>> {
  const out: Array<{ compound: string; group: string }> = [];
  for (const street of (await cityOf(devices, true)).streets) {
    for (const community of street.communities) for (const c of community.compounds) for (const g of c.groups) out.push({ compound: c.id, group: g.id });
  }
  return out;
}

/** Where the measured broker listens: every address once the fleet needs more than one (fleet.ts). */
const mqttHost = (devices: number) => (devices > ONE_ADDRESS_MAX ? '0.0.0.0' : '127.0.0.1');

/** The open-files limit of this process (and so of the measured ones): one socket per connection. */
export function openFilesLimit(): number {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
  const soft = Number(line?.split(/\s{2,}/)[1]);
  return Number.isFinite(soft) ? soft : Infinity;
}

/** Connections one measured process can hold: its file limit less room for the store, the API and the viewer. */
export const maxConnections = () => openFilesLimit() - fdsFor(0);

function spawnNode(args: string[], stdio: Array<'ignore' | 'pipe'>): ChildProcess {
  return spawn(process.execPath, args, { stdio: stdio as never });
}

function byCompound(groups: GroupCredential[]): Map<string, GroupCredential[]> {
  const m = new Map<string, GroupCredential[]>();
  for (const g of groups) {
    const list = m.get(g.compound) ?? [];
    list.push(g);
    m.set(g.compound, list);
  }
  return m;
}

/** Measured processes still running: killed if the benchmark itself ends early (an error, Ctrl-C). */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});
process.once('SIGINT', () => {
  for (const c of live) c.kill('SIGKILL');
  process.kill(process.pid, 'SIGINT');
});

function track(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** The measured processes run with an inspector on a free port; its URL is printed on stderr. */
const INSPECT = '--inspect=127.0.0.1:0';

function inspectorUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let err = '';
    const onData = (d: Buffer) => {
      err = (err + d.toString()).slice(-4096);
      const m = /Debugger listening on (ws:\/\/\S+)/.exec(err);
      if (m) {
        child.stderr!.off('data', onData);
        resolve(m[1]!);
      }
    };
    child.stderr!.on('data', onData);
    child.once('exit', () => reject(new Error('process exited before its inspector was up')));
  });
}

/**
 * Reads the child's stdout line by line for as long as it runs (an unread pipe would block the child's
 * logger), and resolves with the first `match` of the text so far.
 */
function waitForLine<T>(child: ChildProcess, match: (text: string) => T | null, onLine: (line: string) => void, timeoutMs = 60_000): Promise<T> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    let done = false;
    const timer = setTimeout(() => fail(new Error(`timed out waiting for the process to start: ${out}${err}`)), timeoutMs);
    const fail = (e: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      reject(e);
    };
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (done) return onLine(line);
      out += line + '\n';
      const m = match(out);
      if (m !== null) {
        done = true;
        clearTimeout(timer);
        resolve(m);
      }
    });
    child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4096)));
    child.once('exit', (code) => fail(new Error(`process exited with ${code}: ${err.trim()}`)));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  });
}

function connectClient(url: string, options: mqtt.IClientOptions = {}): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { reconnectPeriod: 0, protocolVersion: 4, ...options });
    c.once('connect', () => {
      (c.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
      resolve(c);
    });
    c.once('error', reject);
  });
}

/** A number at `path` of a JSON document, or null: other parts of /api/metrics may change shape. */
function numberAt(doc: unknown, path: string[]): number | null {
  let v: unknown = doc;
  for (const k of path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export interface ControllerOptions {
  /** Each compound has a bridge that carries its groups (one connection per compound). */
  bridged?: boolean;
  /**
   * false: the same county tree (streets, communities, compounds) with no lantern groups or kiosks, so its
   * memory is the controller's own, without any device's registry entry, credential or state.
   */
  registered?: boolean;
}

export async function startController(devices: number, options: ControllerOptions = {}): Promise<Target> {
  const registered = options.registered ?? true;
  const dir = mkdtempSync(join(tmpdir(), 'caideng-bench-'));
  const bridged = options.bridged ?? false;
  writeFileSync(join(dir, 'county.json'), JSON.stringify(await cityOf(devices, registered, bridged)));
  const connections = bridged ? Math.ceil(devices / GROUPS_PER_COMPOUND) : devices;
  const writeConfig = (mqttPort: number) =>
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({
        dataDir: join(dir, 'data'),
        registryFile: join(dir, 'county.json'),
        // The benchmark is the operator: its hundreds of commands a minute are the load, not abuse.
        http: { host: '127.0.0.1', port: 0, rateLimitMax: 1_000_000, rateLimitMutatingMax: 1_000_000 },
        mqtt: { host: mqttHost(connections), port: mqttPort },
        log: { level: 'warn' },
      }),
    );
  writeConfig(0);
  // CAIDENG_BENCH_TARGET_LOG=file keeps the controller's output (e.g. with --trace-gc in CAIDENG_BENCH_NODE_ARGS).
  const keep = process.env.CAIDENG_BENCH_TARGET_LOG && registered ? createWriteStream(process.env.CAIDENG_BENCH_TARGET_LOG) : null;
  const logCounts = { warn: 0, error: 0 };
  const onLine = (line: string) => {
    keep?.write(line + '\n');
    const level = /^\{"level":(\d+)/.exec(line)?.[1];
    if (level === '40') logCounts.warn++;
    else if (level !== undefined && Number(level) >= 50) logCounts.error++;
  };
  /** The running process and its addresses; replaced by restart(). */
  let current: { child: ChildProcess; httpUrl: string; mqttUrl: string; inspector: Promise<string> };
  const launch = async () => {
    const child = track(spawnNode([INSPECT, ...NODE_ARGS, join(ROOT, 'controller/dist/main.js'), '--config', join(dir, 'config.json')], ['ignore', 'pipe', 'pipe']));
    const inspector = inspectorUrl(child);
    inspector.catch(() => undefined); // the start below reports a failed start
    try {
      const urls = await waitForLine(
        child,
        (text) => {
          const http = /Dashboard[^:]*:\s+(http:\/\/[0-9.:]+)\//.exec(text);
          const mq = /MQTT:\s+(mqtt:\/\/[0-9.:]+)/.exec(text);
          return http && mq ? { httpUrl: http[1]!, mqttUrl: mq[1]! } : null;
        },
        onLine,
        180_000,
      );
      return { child, inspector, ...urls };
    } catch (err) {
      await stopChild(child);
      throw err;
    }
  };
  const stop = async () => {
    await stopChild(current.child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    current = await launch();
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const mqttUrl = current.mqttUrl;
  const provisioning = JSON.parse(readFileSync(join(dir, 'data', 'credentials.json'), 'utf8')) as {
    operator: { token: string };
    devices: Array<GroupCredential | { role: string }>;
  };
  const groups = provisioning.devices.filter((d): d is GroupCredential => d.role === 'group');
  const compounds = byCompound(groups);
  const bridges: BridgeShare[] | undefined = bridged
    ? provisioning.devices
        .filter((d): d is DeviceCredential => d.role === 'bridge')
        .map((bridge) => ({ bridge, groups: compounds.get(bridge.compound) ?? [] }))
    : undefined;
  const token = provisioning.operator.token;
  const post = async (path: string, body: object): Promise<{ ms: number; busMs?: number; failed?: boolean }> => {
    const t0 = performance.now();
    const res = await fetch(`${current.httpUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    const record = (await res.json()) as { deliveries?: Array<{ status: string; latencyMs: number | null }> };
    const ms = performance.now() - t0;
    if (res.status !== 200 || !record.deliveries) throw new Error(`command failed: ${res.status} ${JSON.stringify(record).slice(0, 300)}`);
    // A delivery not acked in time (a starved machine) is counted and reported, not the end of the run.
    const failed = !record.deliveries.every((d) => d.status === 'ok');
    return { ms, busMs: Math.max(...record.deliveries.map((d) => d.latencyMs ?? 0)), ...(failed ? { failed } : {}) };
  };
  const metrics = async (): Promise<unknown> => (await fetch(`${current.httpUrl}/api/metrics`, { headers: { authorization: `Bearer ${token}` } })).json();
  let brightness = 0;
  const target: Target = {
    name: 'controller',
    metrics,
    ingested: async () => numberAt(await metrics(), ['telemetry', 'stored']),
    get pid() {
      return current.child.pid!;
    },
    get inspectorUrl() {
      return current.inspector;
    },
    mqttUrl,
    groups,
    ...(bridges ? { bridges } : {}),
    compounds,
    command: (g) => post(`/api/compounds/${g.compound}/groups/${g.device}/commands?wait=5000`, { brightness: ++brightness % 256 }),
    compoundCommand: (c) => post(`/api/compounds/${c}/commands?wait=5000`, { brightness: ++brightness % 256 }),
    restart: async () => {
      const port = Number(new URL(mqttUrl).port);
      current.child.kill('SIGKILL');
      await new Promise<void>((resolve) => (current.child.exitCode !== null || current.child.signalCode !== null ? resolve() : current.child.once('exit', () => resolve())));
      writeConfig(port);
      const t0 = performance.now();
      current = await launch();
      const startMs = performance.now() - t0;
      const phasesMs = ((await metrics()) as { start?: { phasesMs?: Record<string, number> } }).start?.phasesMs ?? null;
      return { startMs, phasesMs };
    },
    openViewer: async () => {
      const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(current.httpUrl, {
        path: '/socket.io',
        transports: ['websocket'],
        reconnection: false,
        auth: { token },
      });
      const counts = { messages: 0, changes: 0 };
      let recorder: ((batch: Parameters<ServerToClientEvents['devices']>[0]) => void) | null = null;
      socket.on('devices', (batch) => {
        counts.messages++;
        counts.changes += batch.changes.length;
        recorder?.(batch);
      });
      socket.on('snapshot', () => void counts.messages++);
      socket.on('summaries', () => void counts.messages++);
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () =>
          socket.emit('subscribe', '*', (ack) => (ack?.ok === false ? reject(new Error(`viewer subscription refused: ${ack.error ?? ''}`)) : resolve())),
        );
        socket.once('connect_error', reject);
      });
      return {
        received: () => ({ ...counts }),
        recordLatency: () => {
          const samples: number[] = [];
          const last = new Map<string, number>();
          recorder = ({ changes }) => {
            const now = Date.now();
            for (const c of changes) {
              if (c.telemetryTs === undefined) continue;
              const key = `${c.compound}/${c.id}`;
              if (c.telemetryTs <= (last.get(key) ?? 0)) continue;
              last.set(key, c.telemetryTs);
              samples.push(now - c.telemetryTs);
            }
          };
          return { samples, stop: () => void (recorder = null) };
        },
        close: async () => void socket.close(),
      };
    },
    logCounts,
    stop,
  };
  return target;
}

/**
 * The baseline. Its retained store is the controller's indexed one unless `retained: 'stock'`: with the stock
 * store, connecting 10,000 devices takes minutes and 40,000 about an hour (docs/upstream-aedes-retained-index.md),
 * which measures that store, not the broker.
 */
export async function startBareAedes(devices: number, options: { retained?: 'indexed' | 'stock'; bridged?: boolean } = {}): Promise<Target> {
  const connections = options.bridged ? Math.ceil(devices / GROUPS_PER_COMPOUND) : devices;
  const args = [INSPECT, ...NODE_ARGS, fileURLToPath(new URL('./bareBroker.js', import.meta.url)), '--host', mqttHost(connections), '--retained', options.retained ?? 'indexed'];
  const child = track(spawnNode(args, ['pipe', 'pipe', 'pipe']));
  const inspector = inspectorUrl(child);
  inspector.catch(() => undefined);
  // After the port, the broker answers each line on its stdin with one `{"consumed":N}` line.
  const answers: Array<(consumed: number) => void> = [];
  const port = await waitForLine(
    child,
    (text) => {
      const m = /\{"port":(\d+)\}/.exec(text);
      return m ? Number(m[1]) : null;
    },
    (line) => {
      const m = /^\{"consumed":(\d+)\}$/.exec(line);
      if (m) answers.shift()?.(Number(m[1]));
    },
  ).catch(async (err: unknown) => {
    await stopChild(child);
    throw err;
  });
  const mqttUrl = `mqtt://127.0.0.1:${port}`;
  const groups: GroupCredential[] = (await groupLayout(devices)).map((l) => ({
    username: `${l.compound}/group/${l.group}`,
    password: 'unused',
    role: 'group',
    compound: l.compound,
    device: l.group,
    fixture: 'dimmer',
    channels: 1,
    ratedWatts: 100,
  }));
  // The baseline's "controller": one MQTT client that commands groups and collects their acks.
  const ctl = await connectClient(mqttUrl, { clientId: 'bench-controller' });
  await ctl.subscribeAsync('caideng/v1/+/group/+/ack', { qos: 1 });
  const waiting = new Map<string, () => void>();
  ctl.on('message', (t, payload) => {
    const ack = JSON.parse(payload.toString()) as GroupAck;
    const parts = t.split('/');
    waiting.get(`${ack.tx}/${parts[2]}/${parts[4]}`)?.();
  });
  let seq = 0;
  const send = (targets: GroupCredential[]): Promise<{ ms: number }> => {
    const tx = `b${++seq}`;
    const t0 = performance.now();
    const acked = targets.map(
      (g) =>
        new Promise<void>((resolve) => {
          waiting.set(`${tx}/${g.compound}/${g.device}`, () => {
            waiting.delete(`${tx}/${g.compound}/${g.device}`);
            resolve();
          });
        }),
    );
    const now = Date.now();
    for (const g of targets) {
      const cmd = { v: PROTOCOL_VERSION, tx, ts: now, brightness: seq % 256, expiresAt: now + 60_000 };
      ctl.publish(topic({ compound: g.compound, role: 'group', device: g.device }, 'set'), JSON.stringify(cmd), { qos: 1 });
    }
    return Promise.all(acked).then(() => ({ ms: performance.now() - t0 }));
  };
  const compounds = byCompound(groups);
  // No authentication here: a bridge's credential is its client id.
  const bridges: BridgeShare[] | undefined = options.bridged
    ? [...compounds].map(([compound, list]) => ({
        bridge: { username: `${compound}/bridge/${BRIDGE_ID}`, password: 'unused', role: 'bridge', compound, device: BRIDGE_ID },
        groups: list,
      }))
    : undefined;
  return {
    name: 'bare-aedes',
    metrics: async () => null,
    ingested: () =>
      new Promise<number>((resolve, reject) => {
        if (child.exitCode !== null) return reject(new Error('bare aedes exited'));
        answers.push(resolve);
        child.stdin!.write('\n');
      }),
    pid: child.pid!,
    inspectorUrl: inspector,
    mqttUrl,
    groups,
    ...(bridges ? { bridges } : {}),
    compounds,
    command: (g) => send([g]),
    compoundCommand: (c) => send(compounds.get(c) ?? []),
    openViewer: async () => {
      const sub = await connectClient(mqttUrl, { clientId: 'bench-viewer' });
      let messages = 0;
      let recorder: ((t: string, payload: Buffer) => void) | null = null;
      sub.on('message', (t, payload) => {
        messages++;
        recorder?.(t, payload);
      });
      // Everything the devices publish, as a dashboard fed straight from MQTT would need.
      await sub.subscribeAsync('caideng/v1/#', { qos: 0 });
      return {
        received: () => ({ messages, changes: messages }),
        recordLatency: () => {
          const samples: number[] = [];
          recorder = (t, payload) => {
            if (!t.endsWith('/telemetry')) return;
            samples.push(Date.now() - (JSON.parse(payload.toString()) as { ts: number }).ts);
          };
          return { samples, stop: () => void (recorder = null) };
        },
        close: () => sub.endAsync(),
      };
    },
    logCounts: { warn: 0, error: 0 },
    stop: async () => {
      await ctl.endAsync();
      child.stdin!.end();
      await stopChild(child);
    },
  };
}
