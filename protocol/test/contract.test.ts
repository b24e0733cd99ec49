import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CHANNELS,
  ERRORS,
  ROLES,
  channelAllowed,
  compoundAddress,
  compoundLevelFilter,
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

  it('builds and parses the compound-level address, and only its channels', () => {
    const address = compoundAddress('xinghe-jiayuan');
    for (const channel of ['plan', 'notice'] as const) {
      const t = topic(address, channel);
      expect(t).toBe(`caideng/v1/xinghe-jiayuan/compound/-/${channel}`);
      expect(parseTopic(t)).toEqual({ ok: true, parts: { ...address, channel } });
    }
    expect(compoundLevelFilter('xinghe-jiayuan')).toBe('caideng/v1/xinghe-jiayuan/compound/-/#');
    expect(() => topic(address, 'set')).toThrow(/'set' does not exist for role 'compound'/);
    expect(() => topic({ compound: 'a', role: 'compound', device: 'g01' } as never, 'plan')).toThrow(/device/);
    expect(() => topic({ compound: 'a', role: 'group', device: '-' }, 'set')).toThrow(/device/);
    expect(parseTopic('caideng/v1/a/compound/g01/plan')).toMatchObject({ ok: false, reason: expect.stringContaining("device '-'") });
    expect(parseTopic('caideng/v1/a/compound/-/state')).toMatchObject({ ok: false, reason: expect.stringContaining("'state' does not exist for role 'compound'") });
    expect(parseTopic('caideng/v1/a/group/-/plan')).toMatchObject({ ok: false, reason: expect.stringContaining("invalid device id '-'") });
    expect(parseTopic('caideng/v1/a/group/g01/plan')).toMatchObject({ ok: false, reason: expect.stringContaining("'plan' does not exist for role 'group'") });
    // No device can be the compound: it is not a role a username may have.
    expect(parseDeviceUsername('a/compound/-')).toBeNull();
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

  it('requires code and error on an error ack, as protocol.md says', () => {
    const ack = { v: 1, tx: 'abc', ts: 1 };
    expect(decodePayload('ack', JSON.stringify({ ...ack, status: 'ok' })).ok).toBe(true);
    expect(decodePayload('ack', JSON.stringify({ ...ack, status: 'expired', code: 'late' })).ok).toBe(true);
    expect(decodePayload('ack', JSON.stringify({ ...ack, status: 'error', code: 'CAIDENG_MQTT_BAD_PAYLOAD', error: 'brightness' })).ok).toBe(true);
    for (const bad of [{ status: 'error' }, { status: 'error', code: 'X' }, { status: 'error', error: 'why' }, { status: 'error', code: '', error: '' }]) {
      const result = decodePayload('ack', JSON.stringify({ ...ack, ...bad }));
      expect(result, JSON.stringify(bad)).toMatchObject({ ok: false, code: 'CAIDENG_MQTT_BAD_PAYLOAD' });
    }
    expect(() => encodePayload('ack', { ...ack, status: 'error' } as never)).toThrow(TypeError);
  });

  it('validates the compound plan and notice', () => {
    const item = { startAt: 10, endAt: 20, groups: ['g01'], power: 'on', brightness: 200, scene: { name: 'carp' } };
    const plan = { v: 1, ts: 1, revision: 3, validUntil: 100, items: [item, { startAt: 20, power: 'off' }] };
    expect(decodePayload('plan', JSON.stringify(plan)).ok).toBe(true);
    expect(decodePayload('plan', JSON.stringify({ ...plan, items: [] })).ok).toBe(true);
    expect(decodePayload('plan', JSON.stringify({ ...plan, revision: 1.5 })).ok).toBe(false);
    expect(decodePayload('plan', JSON.stringify({ ...plan, items: [{ startAt: 1 }] })).ok).toBe(false); // says nothing
    expect(decodePayload('plan', JSON.stringify({ ...plan, items: [{ ...item, colour: 'red' }] })).ok).toBe(false); // closed
    expect(decodePayload('plan', JSON.stringify({ ...plan, items: [{ ...item, groups: ['G!'] }] })).ok).toBe(false);
    const many = { ...plan, items: Array.from({ length: 501 }, (_, i) => ({ startAt: i, power: 'on' })) };
    expect(decodePayload('plan', JSON.stringify(many), 1 << 20)).toMatchObject({ ok: false, reason: expect.stringContaining('/items') });
    expect(decodePayload('plan', JSON.stringify({ ...plan, validUntil: undefined })).ok).toBe(false);
    expect(decodePayload('notice', JSON.stringify({ v: 1, ts: 1, code: 'maintenance', text: '供电检修' })).ok).toBe(true);
    expect(decodePayload('notice', JSON.stringify({ v: 1, ts: 1, code: 'maintenance', text: 'x'.repeat(257) })).ok).toBe(false);
    expect(decodePayload('notice', JSON.stringify({ v: 1, ts: 1 })).ok).toBe(false);
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
      expect(cells[5], `retained of ${name}`).toBe(spec.retainRequired ? 'required' : spec.retained ? 'yes' : 'no');
      expect(text, `section for ${name}`).toMatch(new RegExp(`^### (.+ )?${name}( .*)?$`, 'm'));
    }
  });

  it('docs/errors.md documents every error code', () => {
    const text = doc('errors.md');
    for (const code of Object.keys(ERRORS)) expect(text, code).toContain(`\`${code}\``);
  });
});
