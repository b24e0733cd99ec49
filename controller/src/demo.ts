/**
 * Demo mode: a simulated county, one virtual device per registered device, in a child process that
 * speaks the real protocol with the real credentials from the provisioning file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { Config } from './config/schema.js';
import type { ControllerHandle } from './controller.js';
import { provisioningPath } from './credentials/provisioning.js';

const SIMULATOR_CLI = fileURLToPath(new URL('../../simulators/dist/cli.js', import.meta.url));

export interface Simulation {
  child: ChildProcess;
  connected: Promise<void>;
  stop(): Promise<void>;
}

export function startSimulation(config: Config, mqttUrl: string, log: Logger): Simulation {
  if (!existsSync(SIMULATOR_CLI)) throw new Error(`simulator not built: ${SIMULATOR_CLI} (run npm run build)`);
  const args = [
    SIMULATOR_CLI,
    '--credentials',
    provisioningPath(config.dataDir),
    '--url',
    mqttUrl,
    '--telemetry-interval-ms',
    String(config.demo.telemetryIntervalMs),
    '--press-rate',
    String(config.demo.pressRatePerMinute),
    ...(config.demo.compounds !== undefined ? ['--compounds', String(config.demo.compounds)] : []),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const simLog = log.child({ module: 'simulator' });
  let onConnected: () => void = () => undefined;
  let onFailed: (err: Error) => void = () => undefined;
  const connected = new Promise<void>((resolve, reject) => {
    onConnected = resolve;
    onFailed = reject;
  });
  let buffer = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      let entry: { msg?: string; level?: string } | null = null;
      try {
        entry = JSON.parse(line) as { msg?: string };
      } catch {
        simLog.info(line);
        continue;
      }
      if (entry?.msg === 'county connected') onConnected();
      simLog.debug(entry ?? {}, entry?.msg ?? 'simulator');
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => simLog.warn(chunk.trim()));
  child.on('exit', (code, signal) => {
    onFailed(new Error(`simulator exited (${code ?? signal})`));
    if (code !== 0 && signal === null) simLog.error({ code }, 'simulator exited');
  });
  return {
    child,
    connected,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}

/** The scene each lantern type of the demo registry plays when the demo county lights up. */
const DEMO_SCENES: Record<string, string> = {
  ox: 'ox-lantern',
  carp: 'carp',
  lotus: 'lotus',
  'wheat-ear': 'wheat-ear',
  'sky-full-of-stars': 'sky-full-of-stars',
  'meteor-shower': 'meteor-shower',
  'red-lantern': 'red-and-gold',
  'gate-arch': 'red-and-gold',
};

/** Lights the demo county: every compound plays its lanterns' scenes, started together one second from now. */
export async function lightDemoCounty(controller: ControllerHandle): Promise<number> {
  const startAt = Date.now() + 1000;
  let sent = 0;
  // Only the simulated compounds: the others have no device to answer.
  for (const compound of controller.registry.county.compounds.slice(0, controller.config.demo.compounds)) {
    const byScene = new Map<string, string[]>();
    for (const g of compound.groups) {
      const scene = DEMO_SCENES[g.lantern ?? ''] ?? 'warm-white';
      byScene.set(scene, [...(byScene.get(scene) ?? []), g.id]);
    }
    for (const [name, groups] of byScene) {
      await controller.commands.send(compound.id, { power: 'on', brightness: 220, scene: { name }, startAt, groups }, { source: 'manual', issuer: 'demo' });
      sent += groups.length;
    }
  }
  return sent;
}
