import { describe, expect, it } from 'vitest';
import { resolveConfig } from '@caideng/controller';
import { parseRegistry } from '../src/registry/load.js';

describe('configuration', () => {
  it('fills defaults', () => {
    const c = resolveConfig({});
    expect(c.http.port).toBe(8080);
    expect(c.mqtt.port).toBe(1883);
    expect(c.timezone).toBe('Asia/Shanghai');
  });

  it('fails on unknown keys, naming each of them', () => {
    expect(() => resolveConfig({ htpp: { port: 1 }, mqtt: { prot: 1 } } as never)).toThrowError(/unknown key 'htpp'.*unknown key 'mqtt\.prot'|unknown key 'mqtt\.prot'.*unknown key 'htpp'/);
  });

  it('fails on bad values with the path', () => {
    expect(() => resolveConfig({ http: { port: 70000 } })).toThrowError(/CAIDENG|\/http\/port/);
    try {
      resolveConfig({ http: { port: 70000 } });
    } catch (err) {
      expect((err as { code: string }).code).toBe('CAIDENG_ERR_CONFIG');
      expect((err as Error).message).toContain('/http/port');
    }
  });
});

describe('registry file', () => {
  const base = {
    city: { id: 'c', name: '市' },
    county: { id: 'k', name: '县' },
    streets: [{ id: 's', name: '街', communities: [{ id: 'm', name: '社区', compounds: [{ id: 'a', name: '甲', groups: [], kiosks: [] }] }] }],
  };
  it('accepts a minimal county', () => {
    expect(parseRegistry(base).compounds.map((c) => c.id)).toEqual(['a']);
  });
  it('rejects bad ids, unknown keys and duplicates with a message', () => {
    const badId = structuredClone(base) as any;
    badId.streets[0].communities[0].compounds[0].id = 'Bad Id';
    expect(() => parseRegistry(badId)).toThrowError(/compounds\/0\/id/);
    const extra = structuredClone(base) as any;
    extra.streets[0].colour = 'red';
    expect(() => parseRegistry(extra)).toThrowError(/colour/);
    const dup = structuredClone(base) as any;
    dup.streets[0].communities[0].compounds.push({ id: 'a', name: '乙', groups: [], kiosks: [] });
    expect(() => parseRegistry(dup)).toThrowError(/duplicate compound id 'a'/);
  });
});
