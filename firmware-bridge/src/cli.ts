#!/usr/bin/env node
/**
 * `caideng-bridge` — runs a compound gateway.
 *
 *   node firmware-bridge/dist/cli.js --config gateway.json [--port /dev/ttyUSB0]
 *   node firmware-bridge/dist/cli.js --emulated [--credentials var/data/credentials.json] [--compound ID]
 *
 * With --config the gateway file says everything (see README). Without it, a demo gateway is made up from the
 * controller's provisioning file: the compound's bridge credential, and the groups and kiosks the registry says
 * it serves, wired to the Uno's pins in order (dimmers and RGB on the PWM pins, relays and buttons on the
 * others). --emulated runs the board in process (StandardFirmata on an emulated ATmega328P) and prints the pin
 * levels as the scene plays; --port drives a real Uno instead.
 */
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { createJsonLogger, type LogLevel } from '@caideng/simulators';
import { EmulatedUno, UNO_PWM_PINS } from './boards/emulatedUno.js';
import { ensureFirmware } from './boards/firmware.js';
import { Bridge } from './bridge.js';
import { BridgeConfigError, loadBridgeConfigFile, resolveBridgeConfig } from './config/load.js';
import type { BridgeConfig } from './config/schema.js';

const USAGE = `Usage: caideng-bridge [options]      (npm run bridge -- --emulated)
  --config FILE          the gateway's config (boards, pins, broker); see firmware-bridge/README.md
  --port PATH            the board's serial port (/dev/ttyUSB0) or tcp://host:port; overrides the config's first board
  --emulated             run the board in process: StandardFirmata on an emulated Uno, pin levels printed
  --credentials FILE     without --config: the controller's provisioning file (default var/data/credentials.json)
  --compound ID          without --config: which compound's bridge to run (default: the first with one)
  --url URL              broker URL (default: the provisioning file's, or the config's)
  --data-dir DIR         where the press queue lives (default var/bridge/{compound}-{bridge})
  --print-ms N           --emulated: print pin levels every N ms (default 500; 0 = never)
  --play SCENE           without --config: once connected, ask the controller (operator token from the provisioning
                         file) to play SCENE on the bridge's groups (default lotus, 荷花灯; none = do not ask)
  --log-level LEVEL      debug, info, warn, error (default info)
  -h, --help`;

interface ProvisionedDevice {
  username: string;
  password: string;
  compound: string;
  role: string;
  device: string;
  fixture?: string;
  bridge?: string;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      config: { type: 'string' },
      port: { type: 'string' },
      emulated: { type: 'boolean', default: false },
      credentials: { type: 'string', default: 'var/data/credentials.json' },
      compound: { type: 'string' },
      url: { type: 'string' },
      'data-dir': { type: 'string' },
      'print-ms': { type: 'string', default: '500' },
      play: { type: 'string', default: 'lotus' },
      'log-level': { type: 'string', default: 'info' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (!values.emulated && !values.port && !values.config) fail('give --config FILE, --port PATH or --emulated');
  const level = values['log-level'] as LogLevel;
  // Logs go to stderr as JSON lines; stdout carries the pin levels in --emulated mode.
  const log = createJsonLogger({ ns: 'bridge', level, write: (line) => void process.stderr.write(line) });
  let config: BridgeConfig;
  try {
    config = values.config ? loadBridgeConfigFile(values.config) : demoConfig(values.credentials, values.compound, values.url, values['data-dir']);
    if (values.config && (values.url || values['data-dir'])) {
      config = resolveBridgeConfig({ ...config, mqtt: { ...config.mqtt, ...(values.url ? { url: values.url } : {}) }, ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}) });
    }
    if (values.port || values.emulated) {
      const [first, ...rest] = config.boards;
      config = { ...config, boards: [{ ...first!, port: values.emulated ? 'emulated' : values.port! }, ...rest] };
    }
  } catch (err) {
    return fail(err instanceof BridgeConfigError ? err.message : (err as Error).message);
  }

  const transports: Record<string, () => ReturnType<EmulatedUno['connect']>> = {};
  const emulated = new Map<string, EmulatedUno>();
  for (const b of config.boards) {
    if (b.port !== 'emulated') continue;
    const uno = EmulatedUno.fromFile(ensureFirmware());
    emulated.set(b.id, uno);
    transports[b.id] = () => uno.connect();
  }

  const bridge = new Bridge(config, { transports, log });
  bridge.on('boardReady', (board) => log.info('board ready', { board }));
  bridge.on('boardLost', (board, reason) => log.warn('board lost', { board, reason }));
  bridge.on('connect', () => log.info('connected', { url: config.mqtt.url, groups: config.groups.length, kiosks: config.kiosks.length }));
  bridge.on('close', () => log.info('disconnected'));
  bridge.on('command', (group, status, reason) => log.info('command', { group, status, ...(reason ? { reason } : {}) }));
  bridge.on('press', (p) => log.info('press queued', { kiosk: p.kiosk, button: p.event.button, seq: p.event.seq, boot: p.event.boot, ts: p.event.ts }));
  bridge.on('receipt', (kiosk, r) => log.info('press confirmed', { kiosk, seq: r.seq, status: r.status }));
  if (!values.config && values.play !== 'none') {
    let asked = false;
    bridge.on('connect', () => {
      if (asked) return;
      asked = true;
      void playDemo(values.credentials, config, values.play).then(
        (msg) => log.info(msg),
        (err: Error) => log.warn('could not ask the controller to play', { err }),
      );
    });
  }
  bridge.start().catch((err: Error) => {
    log.error('cannot connect to the controller', { err });
    process.exitCode = 1;
    void bridge.stop();
  });

  const printMs = Number(values['print-ms']);
  let printer: NodeJS.Timeout | null = null;
  if (emulated.size > 0 && printMs > 0) {
    printer = setInterval(() => process.stdout.write(`${pinLine(config, emulated)}\n`), printMs);
  }
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    if (printer) clearInterval(printer);
    bridge.stop().finally(() => {
      for (const uno of emulated.values()) uno.disconnect();
      process.exit();
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // A reader that goes away (`| head`) ends the pin printout, not the bridge with a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    if (printer) clearInterval(printer);
    printer = null;
  });
}

/** One line per print: each group's pins and their duty (0–255) on the emulated board. */
function pinLine(config: BridgeConfig, boards: Map<string, EmulatedUno>): string {
  const parts: string[] = [];
  for (const g of config.groups) {
    const pins = g.fixtures.flatMap((f) => f.pins.map((pin) => ({ pin, uno: boards.get(f.board ?? config.boards[0]!.id) })));
    parts.push(`${g.id} ${pins.map(({ pin, uno }) => `D${pin}=${String(uno?.duty(pin) ?? '-').padStart(3)}`).join(' ')}`);
  }
  return `${new Date().toISOString().slice(11, 23)}  ${parts.join('  |  ')}`;
}

/** The demo's first scene: asked of the controller like an operator would, so it reaches the bridge as a command. */
async function playDemo(file: string, config: BridgeConfig, scene: string): Promise<string> {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { http?: { url?: string }; operator?: { token?: string } };
  const url = parsed.http?.url;
  const token = parsed.operator?.token;
  if (!url || !token) throw new Error(`${file} names no HTTP API or operator token`);
  const groups = config.groups.map((g) => g.id);
  const res = await fetch(`${url}/api/compounds/${config.compound}/commands?wait=5000`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ power: 'on', scene: { name: scene }, groups }),
  });
  if (!res.ok) throw new Error(`the controller answered ${res.status}: ${await res.text()}`);
  return `asked the controller to play ${scene} on ${groups.join(', ')}`;
}

/** A gateway made up from the provisioning file, for the demo (see the header). */
function demoConfig(file: string, compound: string | undefined, url: string | undefined, dataDir: string | undefined): BridgeConfig {
  let parsed: { mqtt?: { url?: string }; devices?: ProvisionedDevice[] };
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as typeof parsed;
  } catch (err) {
    throw new Error(`cannot read the provisioning file ${file} (start the controller first: npm start): ${(err as Error).message}`);
  }
  const devices = parsed.devices ?? [];
  const bridgeCred = devices.find((d) => d.role === 'bridge' && (compound === undefined || d.compound === compound));
  if (!bridgeCred) throw new Error(`${file} has no bridge credential${compound ? ` for compound '${compound}'` : ''}: add a bridge to the compound in the registry`);
  const served = devices.filter((d) => d.compound === bridgeCred.compound && d.bridge === bridgeCred.device);
  const pwm = [...UNO_PWM_PINS];
  const digital = [7, 8, 12, 4, 2, 13];
  const groups: unknown[] = [];
  for (const d of served.filter((x) => x.role === 'group')) {
    const kind = d.fixture === 'relay' ? 'relay' : d.fixture === 'rgb' ? 'rgb' : d.fixture === 'dimmer' ? 'dimmer' : null;
    if (!kind) continue; // pixel strings and RGBW need more than an Uno's six PWM pins
    const need = kind === 'rgb' ? 3 : 1;
    const pool = kind === 'relay' ? digital : pwm;
    if (pool.length < need) continue;
    groups.push({ id: d.device, fixtures: [{ kind, pins: pool.splice(0, need) }] });
  }
  const kiosks: unknown[] = [];
  const buttons = ['satisfied', 'unsatisfied', 'too_bright'];
  for (const d of served.filter((x) => x.role === 'kiosk')) {
    const pins = digital.splice(0, buttons.length);
    if (pins.length === 0) break;
    kiosks.push({ id: d.device, buttons: pins.map((pin, i) => ({ pin, button: buttons[i] })) });
  }
  return resolveBridgeConfig({
    compound: bridgeCred.compound,
    bridge: bridgeCred.device,
    mqtt: { url: url ?? parsed.mqtt?.url, password: bridgeCred.password },
    dataDir: dataDir ?? `var/bridge/${bridgeCred.compound}-${bridgeCred.device}`,
    boards: [{ id: 'uno', port: 'emulated' }],
    groups,
    kiosks,
  });
}

function fail(message: string): never {
  process.stderr.write(`caideng-bridge: ${message}\n${USAGE}\n`);
  process.exit(2);
}

main();
