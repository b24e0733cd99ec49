/**
 * `feedback-night`: every kiosk of the county (22 compounds in the demo) through one festival evening on a
 * fast clock, against a real controller. Residents press a few times each (mostly 满意, some 不满意 / 太晚了 /
 * 太亮了); at one compound a lantern group reports `lamp_failure` and both of its kiosks press 灯坏了; one
 * resident asks for help elsewhere; halfway through, one kiosk's button sticks — the clock drops to real
 * speed for that minute so the burst is abnormally fast by any clock, and the controller should flag it as
 * misuse and raise one kiosk-health alert. The report lists every press sent (kiosk, boot, seq, button,
 * device time), so a test can check that the controller stored each exactly once.
 *
 * The schedule is deterministic (seeded) and keeps ordinary kiosks well under the misuse rate and their
 * same-button presses over the repeat window apart, whatever clock the controller judges them by.
 */
import type { KioskReceipt } from '@caideng/protocol';
import { isGroupCredential, isKioskCredential, loadCredentials, type CredentialsFile } from '../credentials.js';
import { Kiosk } from '../kiosk.js';
import { LanternGroup } from '../lanternGroup.js';
import { silentLogger, type Logger } from '../log.js';
import { createRandom, hashString, weightedPick } from '../prng.js';
import type { KioskButton } from '../wire.js';
import { ScenarioClock } from './clock.js';

const MINUTE = 60_000;

export interface FeedbackNightOptions {
  /** The credentials file's content, or its path. */
  credentials: CredentialsFile | string;
  /** Broker URL. Default: the file's mqtt.url. */
  url?: string;
  /** How many times faster than real time the evening runs. Default 600 (four hours in 24 s). */
  speed?: number;
  /** Length of the evening, simulated minutes. Default 240 (18:00–22:00). */
  eveningMinutes?: number;
  /** Ordinary presses per kiosk over the evening. Default 5. */
  pressesPerKiosk?: number;
  /** Presses of the stuck button. Default 15. */
  stuckPresses?: number;
  /** The kiosk whose button sticks (username). Default: the first kiosk of the fourth compound. */
  stuckKiosk?: string;
  /** The lantern group that breaks (username); its compound's kiosks press 灯坏了. Default: the second group of the fourth-but-one compound. */
  brokenGroup?: string;
  seed?: number;
  /** Simulated start of the evening, epoch ms. Default: now (the evening runs ahead of the wall clock). */
  start?: number;
  log?: Logger;
}

export interface SentPress {
  compound: string;
  kiosk: string;
  boot: string;
  seq: number;
  button: KioskButton;
  /** Device time (the scenario's clock), epoch ms. */
  ts: number;
  /** Why the scenario pressed it. */
  why: 'resident' | 'stuck' | 'broken' | 'help';
  receipt: KioskReceipt['status'] | 'none';
}

export interface FeedbackNightReport {
  scenario: 'feedback-night';
  start: number;
  end: number;
  speed: number;
  compounds: number;
  kiosks: number;
  stuckKiosk: string;
  brokenGroup: string;
  helpKiosk: string;
  sent: number;
  stored: number;
  duplicates: number;
  unconfirmed: number;
  realMs: number;
  presses: SentPress[];
}

export interface FeedbackNight {
  report: FeedbackNightReport;
  /** Stops every simulated device (kiosks go offline gracefully). */
  stop(): Promise<void>;
}

/** Between two 满意 presses, what else an ordinary resident says (never 满意 twice in a row: the repeat window). */
const OTHER_BUTTONS: ReadonlyArray<readonly [KioskButton, number]> = [
  ['unsatisfied', 40],
  ['too_late', 20],
  ['too_bright', 10],
];

interface Planned {
  kiosk: Kiosk;
  at: number;
  button: KioskButton;
  why: SentPress['why'];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function runFeedbackNight(options: FeedbackNightOptions): Promise<FeedbackNight> {
  const file = typeof options.credentials === 'string' ? await loadCredentials(options.credentials) : options.credentials;
  const url = options.url ?? file.mqtt.url;
  const log = (options.log ?? silentLogger).child('feedback-night');
  const speed = options.speed ?? 600;
  const evening = (options.eveningMinutes ?? 240) * MINUTE;
  const perKiosk = options.pressesPerKiosk ?? 5;
  const random = createRandom(options.seed ?? 9);

  const kioskCredentials = file.devices.filter(isKioskCredential).filter((d) => d.bridge === undefined);
  const compounds = [...new Set(kioskCredentials.map((k) => k.compound))];
  if (compounds.length === 0) throw new Error('feedback-night: the credentials file has no kiosks');
  const groupCredentials = file.devices.filter(isGroupCredential).filter((d) => d.bridge === undefined);
  const brokenGroup = options.brokenGroup ?? groupCredentials.filter((g) => g.compound === compounds[Math.min(3, compounds.length - 1)])[1]?.username ?? groupCredentials[0]?.username;
  if (!brokenGroup) throw new Error('feedback-night: the credentials file has no lantern groups');
  const brokenCompound = brokenGroup.split('/')[0]!;
  const stuckCompound = compounds[Math.min(2, compounds.length - 1)]!;
  const stuckKiosk = options.stuckKiosk ?? kioskCredentials.find((k) => k.compound === stuckCompound)!.username;
  const helpKiosk = kioskCredentials.find((k) => k.compound !== brokenCompound && k.username !== stuckKiosk)?.username ?? stuckKiosk;

  // Real time while connecting; the evening's fast clock starts once everything is online.
  let clock = new ScenarioClock(Date.now(), 1);
  const common = { url, now: () => clock.now(), reconnectPeriodMs: 1000, connectTimeoutMs: 20_000, log: options.log };
  // Presses are sent in bursts: a receipt may take a while on a busy machine, and an unconfirmed press is re-sent.
  const kiosks = kioskCredentials.map((c) => new Kiosk(c, { ...common, receiptTimeoutMs: 60_000, resendAfterMs: 15_000, firstSeq: 1 }));
  // The broken lantern's compound has its lantern groups online, so what was lit at each press is known.
  const groups = groupCredentials.filter((g) => g.compound === brokenCompound).map((c) => new LanternGroup(c, { ...common, now: Date.now, telemetryIntervalMs: 2000 }));
  const devices = [...groups, ...kiosks];
  const stop = async () => {
    await Promise.all(devices.map((d) => d.stop().catch(() => undefined)));
  };

  const realStart = Date.now();
  try {
    for (let i = 0; i < devices.length; i += 25) await Promise.all(devices.slice(i, i + 25).map((d) => d.start()));
    const broken = groups.find((g) => g.username === brokenGroup);
    if (!broken) throw new Error(`feedback-night: no lantern group '${brokenGroup}' in the credentials file`);
    broken.injectFault('lamp_failure');
    broken.publishTelemetry();
    log.info('connected', { kiosks: kiosks.length, groups: groups.length, compounds: compounds.length });

    const start = options.start ?? Date.now();
    clock = new ScenarioClock(start, speed);
    const plan = schedule({ kiosks, start, evening, perKiosk, random, brokenCompound, helpKiosk });
    const stuck = kiosks.find((k) => k.username === stuckKiosk)!;
    const stuckAt = start + evening / 2;

    const sent: SentPress[] = [];
    const receipts: Array<Promise<void>> = [];
    const send = (p: Planned) => {
      const seq = p.kiosk.nextSeq;
      const press: SentPress = { compound: p.kiosk.address.compound, kiosk: p.kiosk.address.device, boot: p.kiosk.boot, seq, button: p.button, ts: clock.now(), why: p.why, receipt: 'none' };
      sent.push(press);
      receipts.push(
        p.kiosk.press(p.button).then(
          (r) => void (press.receipt = r.status),
          () => undefined,
        ),
      );
    };

    let stuckDone = false;
    for (const p of plan) {
      if (!stuckDone && p.at >= stuckAt) {
        await sleep(clock.realMsUntil(stuckAt));
        // The button sticks: real speed for the burst, so it is abnormally fast by the device clock and the controller's.
        clock.setSpeed(1);
        for (let n = 0; n < (options.stuckPresses ?? 15); n++) {
          send({ kiosk: stuck, at: clock.now(), button: 'satisfied', why: 'stuck' });
          await sleep(100);
        }
        clock.setSpeed(speed);
        stuckDone = true;
      }
      await sleep(clock.realMsUntil(p.at));
      send(p);
    }
    await Promise.all(receipts);
    const report: FeedbackNightReport = {
      scenario: 'feedback-night',
      start,
      end: clock.now(),
      speed,
      compounds: compounds.length,
      kiosks: kiosks.length,
      stuckKiosk,
      brokenGroup,
      helpKiosk,
      sent: sent.length,
      stored: sent.filter((p) => p.receipt === 'stored').length,
      duplicates: sent.filter((p) => p.receipt === 'duplicate').length,
      unconfirmed: sent.filter((p) => p.receipt === 'none').length,
      realMs: Date.now() - realStart,
      presses: sent,
    };
    log.info('evening over', { sent: report.sent, stored: report.stored, unconfirmed: report.unconfirmed, realMs: report.realMs });
    return { report, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Each kiosk's ordinary presses at evenly spread moments (jittered, never closer than half a slot), a
 * satisfied press every other slot and something else between, so no button repeats on a kiosk within a
 * slot's length; then the broken lantern's two presses and the help request. Sorted by time.
 */
function schedule(p: { kiosks: readonly Kiosk[]; start: number; evening: number; perKiosk: number; random: () => number; brokenCompound: string; helpKiosk: string }): Planned[] {
  const plan: Planned[] = [];
  const slot = p.evening / (p.perKiosk + 1);
  for (const kiosk of p.kiosks) {
    const offset = (hashString(kiosk.username) % 1000) / 1000;
    for (let n = 0; n < p.perKiosk; n++) {
      const at = p.start + slot * (n + 0.5 + offset * 0.5) + (p.random() - 0.5) * slot * 0.2;
      const button = n % 2 === 0 ? 'satisfied' : weightedPick(p.random, OTHER_BUTTONS);
      plan.push({ kiosk, at: Math.round(at), button, why: 'resident' });
    }
  }
  const brokenKiosks = p.kiosks.filter((k) => k.address.compound === p.brokenCompound);
  brokenKiosks.forEach((kiosk, n) => plan.push({ kiosk, at: Math.round(p.start + p.evening * (0.3 + n * 0.04)), button: 'broken_lantern', why: 'broken' }));
  const help = p.kiosks.find((k) => k.username === p.helpKiosk);
  if (help) plan.push({ kiosk: help, at: Math.round(p.start + p.evening * 0.75), button: 'help', why: 'help' });
  return plan.sort((a, b) => a.at - b.at);
}
