#!/usr/bin/env node
/**
 * `caideng` — starts the controller. `--demo` adds a simulated county of every registered device.
 *   node controller/dist/main.js [--config file.json] [--demo] [--http-port N] [--mqtt-port N] [--data-dir DIR]
 */
import { parseArgs } from 'node:util';
import { CaidengError } from '@caideng/protocol';
import { loadConfigFile } from './config/load.js';
import type { ConfigInput } from './config/schema.js';
import { startController } from './controller.js';
import { lightDemoCounty, startSimulation, type Simulation } from './demo.js';
import { createLogger } from './logger.js';
import { installProcessGuard } from './processGuard.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      config: { type: 'string', short: 'c' },
      demo: { type: 'boolean', default: false },
      'http-port': { type: 'string' },
      'mqtt-port': { type: 'string' },
      'data-dir': { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write('usage: caideng [--config file.json] [--demo] [--http-port N] [--mqtt-port N] [--data-dir DIR] [--log-level info]\n');
    return;
  }
  const configFile = values.config ?? process.env.CAIDENG_CONFIG;
  const input: ConfigInput & Record<string, unknown> = configFile ? (loadConfigFile(configFile) as ConfigInput & Record<string, unknown>) : {};
  const section = <K extends 'http' | 'mqtt' | 'demo' | 'log'>(k: K) => (input[k] ??= {}) as NonNullable<ConfigInput[K]>;
  if (values['http-port'] !== undefined) section('http').port = Number(values['http-port']);
  if (values['mqtt-port'] !== undefined) section('mqtt').port = Number(values['mqtt-port']);
  if (values['data-dir'] !== undefined) input.dataDir = values['data-dir'];
  if (values['log-level'] !== undefined) section('log').level = values['log-level'] as never;
  if (values.demo) {
    section('demo').simulate = true;
    if (section('log').pretty === undefined && process.stdout.isTTY) section('log').pretty = true;
  }

  // Installed before anything starts, so a rejection during start-up is logged too.
  const guard = installProcessGuard({ log: createLogger({ level: 'info', pretty: false }) });
  const controller = await startController(input);
  let simulation: Simulation | null = null;
  if (controller.config.demo.simulate) {
    simulation = startSimulation(controller.config, controller.mqttUrl, controller.log);
    simulation.connected
      .then(async () => {
        controller.log.info({ compounds: controller.registry.county.compounds.length }, 'simulated county connected');
        const groups = await lightDemoCounty(controller);
        controller.log.info({ groups }, 'demo county lit');
      })
      .catch((err: unknown) => controller.log.error({ err }, 'simulated county failed'));
  }
  process.stdout.write(
    `\n  caideng is running\n  Dashboard 仪表盘:  ${controller.httpUrl}/\n  API:               ${controller.httpUrl}/api/compounds\n  MQTT:              ${controller.mqttUrl}  (WebSocket ${controller.wsUrl})\n  Credentials:       npm run credentials\n\n`,
  );

  const stopAll = async () => {
    await simulation?.stop();
    await controller.stop();
  };
  guard.attach(controller.log, stopAll);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    controller.log.info({ signal }, 'stopping');
    await stopAll();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  if (err instanceof CaidengError) {
    process.stderr.write(`caideng: ${err.code}: ${err.message}\n`);
  } else {
    process.stderr.write(`caideng: ${(err as Error).stack ?? String(err)}\n`);
  }
  process.exit(1);
});
