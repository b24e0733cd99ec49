/**
 * Demo mode: a simulated county, one virtual device per registered device, in a child process that
 * speaks the real protocol with the real credentials from the provisioning file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { Config } from './config/schema.js';
import { provisioningPath } from './credentials/provisioning.js';

const SIMULATOR_CLI = fileURLToPath(new URL('../../simulators/dist/cli.js', import.meta.url));

export interface Simulation {
  child: ChildProcess;
  connected: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the simulated county. `extraArgs` go to the simulator's command line as they are (the demo clock:
 * `--at ISO --speed N`, so the county's lanterns keep the controller's shifted time).
 */
export function startSimulation(config: Config, mqttUrl: string, log: Logger, extraArgs: readonly string[] = []): Simulation {
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
    ...extraArgs,
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
