/**
 * The county registry (city → county → street → community → compound → lantern groups and kiosks),
 * loaded from the operator's file and synced into the store. Devices removed from the file are
 * retired, not deleted, so their history stays readable.
 */
import type { CompoundInfo, CountyInfo, LanternGroupInfo } from '@caideng/protocol';
import type { DeviceDirectory } from '../broker/ports.js';
import { Feature, type FeatureContext } from '../features/feature.js';
import { loadRegistryFile } from './load.js';

export class Registry extends Feature implements DeviceDirectory {
  county!: CountyInfo;
  private readonly compounds = new Map<string, CompoundInfo>();
  private readonly groups = new Map<string, LanternGroupInfo>();
  private readonly devices = new Set<string>();
  /** `compound/bridge/id` → the device keys it speaks for. */
  private bridgeServes = new Map<string, string[]>();

  constructor(ctx: FeatureContext) {
    super(ctx, 'registry');
  }

  override async start(): Promise<void> {
    const loaded = loadRegistryFile(this.ctx.config.registryFile);
    this.load(loaded.county, loaded.bridgeServes);
    await this.sync();
    this.log.info(
      { compounds: this.county.compounds.length, groups: this.groups.size, file: this.ctx.config.registryFile },
      'registry loaded',
    );
  }

  load(county: CountyInfo, bridgeServes = new Map<string, string[]>()): void {
    this.county = county;
    this.bridgeServes = bridgeServes;
    this.compounds.clear();
    this.groups.clear();
    this.devices.clear();
    for (const c of county.compounds) {
      this.compounds.set(c.id, c);
      for (const g of c.groups) {
        this.groups.set(`${c.id}/${g.id}`, g);
        this.devices.add(`${c.id}/group/${g.id}`);
      }
      for (const k of c.kiosks) this.devices.add(`${c.id}/kiosk/${k.id}`);
      for (const b of c.bridges) this.devices.add(`${c.id}/bridge/${b.id}`);
      this.devices.add(`${c.id}/monitor/ops`);
    }
  }

  compound(id: string): CompoundInfo | undefined {
    return this.compounds.get(id);
  }

  group(compound: string, id: string): LanternGroupInfo | undefined {
    return this.groups.get(`${compound}/${id}`);
  }

  /** Device keys (`compound/kind/id`) a bridge speaks for; reachable only through it. */
  servedBy(bridgeKey: string): readonly string[] {
    return this.bridgeServes.get(bridgeKey) ?? [];
  }

  deviceExists(compound: string, role: string, device: string): boolean {
    return this.devices.has(`${compound}/${role}/${device}`);
  }

  /** Every device that needs credentials, as MQTT usernames. */
  usernames(): string[] {
    return [...this.devices];
  }

  private async sync(): Promise<void> {
    const { db } = this.ctx;
    const county = this.county;
    await db.transaction().execute(async (trx) => {
      const areas = [
        { id: county.city.id, level: 'city' as const, parent_id: null, name: county.city.name, name_en: county.city.nameEn ?? null },
        { id: county.county.id, level: 'county' as const, parent_id: county.city.id, name: county.county.name, name_en: county.county.nameEn ?? null },
        ...county.streets.flatMap((s) => [
          { id: s.id, level: 'street' as const, parent_id: county.county.id, name: s.name, name_en: s.nameEn ?? null },
          ...s.communities.map((c) => ({ id: c.id, level: 'community' as const, parent_id: s.id, name: c.name, name_en: c.nameEn ?? null })),
        ]),
      ];
      await trx.deleteFrom('areas').execute();
      await trx.insertInto('areas').values(areas).execute();
      await trx.updateTable('compounds').set({ retired: 1 }).execute();
      await trx.updateTable('lantern_groups').set({ retired: 1 }).execute();
      await trx.updateTable('kiosks').set({ retired: 1 }).execute();
      for (const c of county.compounds) {
        const row = { id: c.id, community_id: c.community, name: c.name, name_en: c.nameEn ?? null, retired: 0 };
        await trx
          .insertInto('compounds')
          .values(row)
          .onConflict((oc) => oc.column('id').doUpdateSet({ community_id: row.community_id, name: row.name, name_en: row.name_en, retired: 0 }))
          .execute();
        for (const g of c.groups) {
          const grow = {
            compound_id: c.id,
            id: g.id,
            name: g.name,
            name_en: g.nameEn ?? null,
            lantern: g.lantern ?? null,
            fixture: g.fixture,
            channels: g.channels,
            rated_watts: g.ratedWatts,
            retired: 0,
          };
          const { compound_id: _c, id: _i, ...update } = grow;
          await trx
            .insertInto('lantern_groups')
            .values(grow)
            .onConflict((oc) => oc.columns(['compound_id', 'id']).doUpdateSet(update))
            .execute();
        }
        for (const k of c.kiosks) {
          const krow = { compound_id: c.id, id: k.id, name: k.name, name_en: k.nameEn ?? null, retired: 0 };
          await trx
            .insertInto('kiosks')
            .values(krow)
            .onConflict((oc) => oc.columns(['compound_id', 'id']).doUpdateSet({ name: krow.name, name_en: krow.name_en, retired: 0 }))
            .execute();
        }
      }
    });
  }
}
