/**
 * The benchmark's simulated fleet, split over several processes (fleetProcess.ts): each holds a share of the
 * lantern groups with their own MQTT connections. Process k connects to 127.0.0.(k+1) when the fleet is
 * larger than one source address's ephemeral ports allow (about 28,000 connections to one address and port),
 * so the measured broker then listens on 0.0.0.0. The generator's own CPU is the sum of its processes'.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { GroupCredential } from '../credentials.js';
import type { BridgeShare, FleetReply, FleetRequest } from './fleetProtocol.js';

/** Devices per process at most: the file limit (often 20,000) must hold them with room to spare. */
export const DEVICES_PER_PROCESS = 10_000;
/** Above this many devices the fleet spreads over several loopback addresses. */
export const ONE_ADDRESS_MAX = 20_000;

class Share {
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly child: ChildProcess;

  constructor() {
    this.child = fork(fileURLToPath(new URL('./fleetProcess.js', import.meta.url)), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    this.child.on('message', (m: FleetReply) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.ok) w.resolve(m.result);
      else w.reject(new Error(`fleet process: ${m.error}`));
    });
    this.child.on('error', () => undefined); // a send after the process died: its call is rejected at exit
    this.child.once('exit', (code) => {
      for (const w of this.waiting.values()) w.reject(new Error(`fleet process exited (${code})`));
      this.waiting.clear();
    });
  }

  call<T>(req: FleetRequest): Promise<T> {
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      if (!this.child.connected) return reject(new Error('fleet process gone'));
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, req });
    });
  }
}

export interface FleetStatus {
  connected: number;
  reconnectAttempts: number;
  /** CPU seconds used by the fleet processes so far. */
  cpuS: number;
}

export class Fleet {
  private constructor(
    private readonly shares: Share[],
    readonly devices: number,
  ) {}

  /** Forks the processes and creates their devices (not connected yet). */
  /** `bridges`: the groups are carried by their compounds' bridges, one connection per compound. */
  static async start(
    groups: GroupCredential[],
    mqttUrl: string,
    options: { processes?: number; reconnectBaseMs?: number; reconnectMaxMs?: number; bridges?: BridgeShare[] } = {},
  ): Promise<Fleet> {
    const connections = options.bridges ? options.bridges.length : groups.length;
    const n = Math.max(options.processes ?? 2, Math.ceil(connections / DEVICES_PER_PROCESS));
    const shares = Array.from({ length: n }, () => new Share());
    const url = new URL(mqttUrl);
    await Promise.all(
      shares.map((s, k) => {
        const part = groups.filter((_, i) => i % n === k);
        const bridges = options.bridges?.filter((_, i) => i % n === k);
        const u = new URL(url);
        if (connections > ONE_ADDRESS_MAX) u.hostname = `127.0.0.${k + 1}`;
        return s.call({
          op: 'init',
          url: u.toString(),
          groups: bridges ? [] : part,
          ...(bridges ? { bridges } : {}),
          reconnectBaseMs: options.reconnectBaseMs ?? 0,
          reconnectMaxMs: options.reconnectMaxMs ?? 30_000,
        });
      }),
    );
    return new Fleet(shares, groups.length);
  }

  get processes(): number {
    return this.shares.length;
  }

  /** Connects every device (`concurrency` at a time per process); the slowest process's time and every device's. */
  async connect(concurrency: number): Promise<{ ms: number; samples: number[] }> {
    const parts = await Promise.all(this.shares.map((s) => s.call<{ ms: number; samples: number[] }>({ op: 'connect', concurrency })));
    return { ms: Math.max(...parts.map((p) => p.ms)), samples: parts.flatMap((p) => p.samples) };
  }

  /** Every device publishes `perDevice` QoS 1 telemetry messages, `window` in flight; resolves at the last PUBACK. */
  async ingest(perDevice: number, window: number): Promise<void> {
    await Promise.all(this.shares.map((s) => s.call({ op: 'ingest', perDevice, window })));
  }

  async startSteady(ratePerS: number): Promise<void> {
    await Promise.all(this.shares.map((s) => s.call({ op: 'steady', ratePerS: ratePerS / this.shares.length })));
  }

  /** Stops the steady telemetry: messages sent, and the worst event-loop delay p99 of the fleet processes. */
  async stopSteady(): Promise<{ sent: number; loopDelayP99Ms: number }> {
    const parts = await Promise.all(this.shares.map((s) => s.call<{ sent: number; loopDelayP99Ms: number }>({ op: 'steadyStop' })));
    return { sent: parts.reduce((n, p) => n + p.sent, 0), loopDelayP99Ms: Math.max(...parts.map((p) => p.loopDelayP99Ms)) };
  }

  async status(): Promise<FleetStatus> {
    const parts = await Promise.all(this.shares.map((s) => s.call<FleetStatus>({ op: 'status' })));
    return parts.reduce((a, p) => ({ connected: a.connected + p.connected, reconnectAttempts: a.reconnectAttempts + p.reconnectAttempts, cpuS: a.cpuS + p.cpuS }), {
      connected: 0,
      reconnectAttempts: 0,
      cpuS: 0,
    });
  }

  /** Stops every device gracefully and ends the processes. */
  async stop(): Promise<void> {
    await Promise.all(this.shares.map((s) => s.call({ op: 'stop' }).catch(() => undefined)));
    await Promise.all(
      this.shares.map(
        (s) =>
          new Promise<void>((resolve) => {
            if (s.child.exitCode !== null) return resolve();
            s.child.once('exit', () => resolve());
            s.child.disconnect();
            setTimeout(() => s.child.kill('SIGKILL'), 5000).unref();
          }),
      ),
    );
  }
}
