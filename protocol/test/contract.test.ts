import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CHANNELS,
  ERRORS,
  ROLES,
  channelAllowed,
  decodePayload,
  deviceUsername,
  encodePayload,
  parseDeviceUsername,
  parseTopic,
  topic,
  type Channel,
} from '@caideng/protocol';

const doc = (name: string) => readFileSync(new URL(`../../docs/${name}`, import.meta.url), 'utf8');

describe('topics', () => {
  it('builds and parses every channel of every role', () => {
    for (const role of ROLES) {
      for (const channel of Object.keys(CHANNELS) as Channel[]) {
        const address = { compound: 'xinghe-jiayuan', role, device: 'g01' };
        if (!channelAllowed(role, channel)) {
          expect(() => topic(address, channel)).toThrow(TypeError);
          continue;
        }
        const t = topic(address, channel);
        expect(t).toBe(`caideng/v1/xinghe-jiayuan/${role}/g01/${channel}`);
        expect(parseTopic(t)).toEqual({ ok: true, parts: { ...address, channel } });
      }
    }
  });

  it('refuses wildcards and bad ids when building', () => {
    expect(() => topic({ compound: '+', role: 'group', device: 'g01' }, 'set')).toThrow(/compound/);
    expect(() => topic({ compound: 'a', role: 'group', device: '#' }, 'set')).toThrow(/device/);
    expect(() => topic({ compound: 'A', role: 'group', device: 'g' }, 'set')).toThrow(/compound/);
  });

  it('explains why a topic does not parse', () => {
    expect(parseTopic('caideng/v1/a/group/g/set/x')).toMatchObject({ ok: false, reason: expect.stringContaining('6 levels') });
    expect(parseTopic('caideng/v9/a/group/g/set')).toMatchObject({ ok: false, reason: expect.stringContaining('v9') });
    expect(parseTopic('caideng/v1/a/lamp/g/set')).toMatchObject({ ok: false, reason: expect.stringContaining("unknown role 'lamp'") });
    expect(parseTopic('caideng/v1/a/kiosk/k/set')).toMatchObject({ ok: false, reason: expect.stringContaining("'set' does not exist for role 'kiosk'") });
  });

  it('round-trips device usernames', () => {
    const a = { compound: 'nanhu-yidu', role: 'kiosk' as const, device: 'k2' };
    expect(parseDeviceUsername(deviceUsername(a))).toEqual(a);
    expect(parseDeviceUsername('nanhu-yidu/kiosk')).toBeNull();
    expect(parseDeviceUsername('nanhu-yidu/robot/k2')).toBeNull();
  });
});

describe('payloads', () => {
  it('accepts the documented examples and rejects them with one field broken', () => {
    const command = { v: 1, tx: 'abc', ts: 1, power: 'on', brightness: 10 };
    expect(decodePayload('set', JSON.stringify(command)).ok).toBe(true);
    const bad = decodePayload('set', JSON.stringify({ ...command, brightness: -1 }));
    expect(bad).toMatchObject({ ok: false, code: 'CAIDENG_MQTT_BAD_PAYLOAD' });
    expect(decodePayload('set', JSON.stringify({ v: 1, tx: 'abc', ts: 1 }))).toMatchObject({ ok: false });
    expect(decodePayload('event', JSON.stringify({ v: 1, button: 'help', ts: 1, seq: 0 })).ok).toBe(true);
    expect(decodePayload('event', JSON.stringify({ v: 1, button: 'dance', ts: 1, seq: 0 })).ok).toBe(false);
  });

  it('refuses to encode what it would reject', () => {
    expect(() => encodePayload('availability', { v: 1, state: 'maybe', ts: 1 } as never)).toThrow(TypeError);
    expect(encodePayload('availability', { v: 1, state: 'online', ts: 1 }).toString()).toBe('{"v":1,"state":"online","ts":1}');
  });

  it('checks size before parsing', () => {
    expect(decodePayload('telemetry', 'x'.repeat(9000))).toMatchObject({ ok: false, code: 'CAIDENG_MQTT_TOO_LARGE' });
  });
});

describe('documentation', () => {
  it('docs/protocol.md lists every channel with its QoS and retain flag', () => {
    const text = doc('protocol.md');
    for (const [name, spec] of Object.entries(CHANNELS)) {
      const row = text.split('\n').find((l) => l.startsWith(`| ${name} |`));
      expect(row, `row for ${name}`).toBeDefined();
      const cells = row!.split(/(?<!\\)\|/).map((c) => c.trim());
      expect(cells[4], `QoS of ${name}`).toBe(String(spec.qos));
      expect(cells[5], `retained of ${name}`).toBe(spec.retained ? 'yes' : 'no');
      expect(text, `section for ${name}`).toMatch(new RegExp(`^### (.+ )?${name}( .*)?$`, 'm'));
    }
  });

  it('docs/errors.md documents every error code', () => {
    const text = doc('errors.md');
    for (const code of Object.keys(ERRORS)) expect(text, code).toContain(`\`${code}\``);
  });
});
