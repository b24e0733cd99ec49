/**
 * The outage: the controller (and its broker) stopped while the bridge plays and residents press buttons; the
 * bridge process killed and restarted during the outage (a gateway reboot); then the controller back. The
 * bridge runs as its own process (the built CLI) talking to the emulated Uno over TCP, as to a serial server,
 * so the board and the test's hand on its button pins stay in this process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestController, tempDir, waitForDevice, type TestController } from '../../controller/test/helpers.js';
import { EmulatedUno, ensureFirmware, serveBoard, type SerialServer } from '../src/index.js';
import { BRIDGE_COUNTY, CLI, PINS, bridgeConfig, operatorPost, until } from './helpers.js';

interface LogLine {
  msg: string;
  [key: string]: unknown;
}

/** The bridge CLI as a child process; its JSON log lines (stderr) are collected and can be awaited. */
class BridgeProcess {
  readonly lines: LogLine[] = [];
  readonly proc: ChildProcess;
  readonly exited: Promise<void>;
  #waiters: Array<() => void> = [];

  constructor(configFile: string) {
    this.proc = spawn(process.execPath, [CLI, '--config', configFile, '--log-level', 'info'], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.exited = new Promise((resolve) => this.proc.once('exit', () => resolve()));
    let buffer = '';
    this.proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        try {
          this.lines.push(JSON.parse(line) as LogLine);
        } catch {
          this.lines.push({ msg: line });
        }
        for (const w of this.#waiters) w();
      }
    });
  }

  /** The n-th (1-based) line with this message, once it is there. */
  wait(msg: string, n = 1, timeoutMs = 10_000): Promise<LogLine> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.lines.filter((l) => l.msg === msg);
        if (found.length < n) return false;
        clearTimeout(timer);
        this.#waiters = this.#waiters.filter((w) => w !== check);
        resolve(found[n - 1]!);
        return true;
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== check);
        reject(new Error(`no '${msg}' #${n} from the bridge within ${timeoutMs} ms; its log: ${JSON.stringify(this.lines.slice(-8))}`));
      }, timeoutMs);
      if (!check()) this.#waiters.push(check);
    });
  }

  async kill(): Promise<void> {
    this.proc.kill('SIGKILL');
    await this.exited;
  }
}

let ctl: TestController | null = null;
let uno: EmulatedUno;
let server: SerialServer;
let child: BridgeProcess | null = null;
const ctlDir = tempDir('caideng-bridge-offline-');

beforeAll(async () => {
  uno = EmulatedUno.fromFile(ensureFirmware());
  server = await serveBoard(uno);
});

afterAll(async () => {
  await child?.kill();
  await server?.close();
  await ctl?.dispose();
});

/** Presses a button by pulling its pin to ground, and waits until the bridge has the press on disk. */
async function press(pin: number, n: number): Promise<LogLine> {
  uno.setInput(pin, false);
  const line = await child!.wait('press queued', n);
  uno.setInput(pin, true);
  return line;
}

/** The PWM duty of pin 9 keeps changing: the scene plays. */
async function scenePlays(): Promise<void> {
  const seen = new Set<number>();
  await until(() => seen.add(uno.duty(PINS.dimmer)).size >= 5, 2000, 'the dimmer to take five different levels');
}

it('keeps playing and queues presses through a controller outage and a bridge restart; every press is stored once, in order, with its device time', async () => {
  ctl = await startTestController({ registryFile: BRIDGE_COUNTY }, ctlDir);
  const mqttPort = Number(new URL(ctl.mqttUrl).port);
  const configFile = join(ctlDir, 'gateway.json');
  writeFileSync(configFile, JSON.stringify(bridgeConfig(ctl, ctlDir, {}, server.url)));

  child = new BridgeProcess(configFile);
  await Promise.all([child.wait('board ready'), child.wait('connected')]);
  await waitForDevice(ctl, 'alpha/group/g01', (s) => s.online);
  const post = (path: string, body: unknown) => operatorPost(ctl!, `/api/compounds/alpha${path}?wait=5000`, body);
  expect((await post('/groups/g01/commands', { power: 'on', scene: { name: 'lotus', params: { bloomMs: 2000 } } })).body.deliveries[0].status).toBe('ok');
  expect((await post('/groups/g02/commands', { power: 'on' })).body.deliveries[0].status).toBe('ok');
  await until(() => uno.digital(PINS.relay), 1000, 'the relay on');

  const presses: LogLine[] = [];
  presses.push(await press(PINS.satisfied, 1));
  await until(() => child!.lines.some((l) => l.msg === 'press confirmed'), 5000, 'the first press confirmed online');

  // The controller goes away, broker and all.
  await ctl.stop();
  ctl = null;
  await child.wait('disconnected');
  await scenePlays();
  expect(uno.digital(PINS.relay)).toBe(true);
  presses.push(await press(PINS.tooBright, 2));
  presses.push(await press(PINS.satisfied, 3));

  // The gateway reboots during the outage: the process dies without warning, the board with it.
  await child.kill();
  child = new BridgeProcess(configFile);
  await child.wait('board ready');
  // It goes on with the last command, from its own store, with the controller still down.
  await scenePlays();
  await until(() => uno.digital(PINS.relay), 1000, 'the relay on again after the reboot');
  presses.push(await press(PINS.tooBright, 1));

  // The controller comes back on the same address; the queue drains.
  ctl = await startTestController({ registryFile: BRIDGE_COUNTY, mqtt: { port: mqttPort } }, ctlDir);
  await child.wait('press confirmed', 3, 15_000);
  const rows = await ctl.db.selectFrom('kiosk_presses').selectAll().where('kiosk_id', '=', 'k1').orderBy('received_at').orderBy('seq').execute();
  expect(rows.map((r) => [Number(r.seq), r.button, Number(r.device_ts), r.boot])).toEqual(
    presses.map((p) => [p['seq'], p['button'], p['ts'], presses[0]!['boot']]),
  );
  expect(presses.map((p) => p['seq'])).toEqual([0, 1, 2, 3]);
});
