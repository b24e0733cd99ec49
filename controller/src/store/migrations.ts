/**
 * Schema migrations, in order. Written with Kysely's schema builder only, so they run unchanged on
 * SQLite (embedded default) and PostgreSQL. Never edit a released migration; add a new one.
 */
import { type Kysely, type Migration, type MigrationProvider } from 'kysely';

const m0001: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('areas')
      .addColumn('id', 'varchar(48)', (c) => c.primaryKey())
      .addColumn('level', 'varchar(16)', (c) => c.notNull())
      .addColumn('parent_id', 'varchar(48)')
      .addColumn('name', 'varchar(64)', (c) => c.notNull())
      .addColumn('name_en', 'varchar(64)')
      .execute();
    await db.schema
      .createTable('compounds')
      .addColumn('id', 'varchar(48)', (c) => c.primaryKey())
      .addColumn('community_id', 'varchar(48)', (c) => c.notNull())
      .addColumn('name', 'varchar(64)', (c) => c.notNull())
      .addColumn('name_en', 'varchar(64)')
      .addColumn('retired', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .createTable('lantern_groups')
      .addColumn('compound_id', 'varchar(48)', (c) => c.notNull())
      .addColumn('id', 'varchar(48)', (c) => c.notNull())
      .addColumn('name', 'varchar(64)', (c) => c.notNull())
      .addColumn('name_en', 'varchar(64)')
      .addColumn('lantern', 'varchar(48)')
      .addColumn('fixture', 'varchar(16)', (c) => c.notNull())
      .addColumn('channels', 'integer', (c) => c.notNull())
      .addColumn('rated_watts', 'double precision', (c) => c.notNull())
      .addColumn('retired', 'integer', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('lantern_groups_pk', ['compound_id', 'id'])
      .execute();
    await db.schema
      .createTable('kiosks')
      .addColumn('compound_id', 'varchar(48)', (c) => c.notNull())
      .addColumn('id', 'varchar(48)', (c) => c.notNull())
      .addColumn('name', 'varchar(64)', (c) => c.notNull())
      .addColumn('name_en', 'varchar(64)')
      .addColumn('retired', 'integer', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('kiosks_pk', ['compound_id', 'id'])
      .execute();
    await db.schema
      .createTable('credentials')
      .addColumn('username', 'varchar(160)', (c) => c.primaryKey())
      .addColumn('compound_id', 'varchar(48)', (c) => c.notNull())
      .addColumn('role', 'varchar(16)', (c) => c.notNull())
      .addColumn('device_id', 'varchar(48)', (c) => c.notNull())
      .addColumn('salt', 'varchar(64)', (c) => c.notNull())
      .addColumn('secret_hash', 'varchar(128)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('rotated_at', 'bigint')
      .execute();
    await db.schema
      .createTable('device_status')
      .addColumn('username', 'varchar(160)', (c) => c.primaryKey())
      .addColumn('online', 'integer', (c) => c.notNull())
      .addColumn('since', 'bigint', (c) => c.notNull())
      .addColumn('state_json', 'text')
      .addColumn('watts', 'double precision')
      .addColumn('faults_json', 'text')
      .addColumn('seen_at', 'bigint')
      .execute();
    await db.schema
      .createTable('commands')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('compound_id', 'varchar(48)', (c) => c.notNull())
      .addColumn('issued_at', 'bigint', (c) => c.notNull())
      .addColumn('body_json', 'text', (c) => c.notNull())
      .addColumn('targets', 'integer', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('command_deliveries')
      .addColumn('command_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('compound_id', 'varchar(48)', (c) => c.notNull())
      .addColumn('group_id', 'varchar(48)', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('sent_at', 'bigint', (c) => c.notNull())
      .addColumn('acked_at', 'bigint')
      .addColumn('code', 'varchar(64)')
      .addColumn('error', 'varchar(512)')
      .addPrimaryKeyConstraint('command_deliveries_pk', ['command_id', 'compound_id', 'group_id'])
      .execute();
    await db.schema
      .createTable('telemetry')
      .addColumn('compound_id', 'varchar(48)', (c) => c.notNull())
      .addColumn('group_id', 'varchar(48)', (c) => c.notNull())
      .addColumn('ts', 'bigint', (c) => c.notNull())
      .addColumn('received_at', 'bigint', (c) => c.notNull())
      .addColumn('watts', 'double precision', (c) => c.notNull())
      .addColumn('temperature_c', 'double precision')
      .addColumn('energy_wh', 'double precision')
      .addColumn('faults_json', 'text')
      .execute();
    await db.schema.createIndex('telemetry_group_ts').on('telemetry').columns(['compound_id', 'group_id', 'ts']).execute();
    await db.schema.createIndex('telemetry_received').on('telemetry').column('received_at').execute();
    await db.schema
      .createTable('kiosk_presses')
      .addColumn('compound_id', 'varchar(48)', (c) => c.notNull())
      .addColumn('kiosk_id', 'varchar(48)', (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('button', 'varchar(32)', (c) => c.notNull())
      .addColumn('device_ts', 'bigint', (c) => c.notNull())
      .addColumn('received_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('kiosk_presses_pk', ['compound_id', 'kiosk_id', 'seq'])
      .execute();
    await db.schema
      .createTable('rejections')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('ts', 'bigint', (c) => c.notNull())
      .addColumn('username', 'varchar(160)')
      .addColumn('topic', 'varchar(512)', (c) => c.notNull())
      .addColumn('code', 'varchar(64)', (c) => c.notNull())
      .addColumn('reason', 'varchar(1024)', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('secrets')
      .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('salt', 'varchar(64)', (c) => c.notNull())
      .addColumn('secret_hash', 'varchar(128)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};

/** User scenes (the built-in catalog lives in the scenes library, not in the store). */
const m0002: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('scenes')
      .addColumn('name', 'varchar(48)', (c) => c.primaryKey())
      .addColumn('title_zh', 'varchar(64)')
      .addColumn('title_en', 'varchar(64)')
      .addColumn('body_json', 'text', (c) => c.notNull())
      .addColumn('revision', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};

/**
 * Durable deadlines (features/deadlines): one row per key. `due_at` is what the feature asked for,
 * `next_at` when the next attempt runs (later than `due_at` after a failed attempt).
 */
const m0003: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('deadlines')
      .addColumn('key', 'varchar(200)', (c) => c.primaryKey())
      .addColumn('kind', 'varchar(64)', (c) => c.notNull())
      .addColumn('token', 'varchar(36)', (c) => c.notNull())
      .addColumn('due_at', 'bigint', (c) => c.notNull())
      .addColumn('next_at', 'bigint', (c) => c.notNull())
      .addColumn('payload_json', 'text', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('claimed_at', 'bigint')
      .addColumn('finished_at', 'bigint')
      .addColumn('last_error', 'varchar(1024)')
      .execute();
    await db.schema.createIndex('deadlines_next').on('deadlines').columns(['status', 'next_at']).execute();
    await db.schema.createIndex('deadlines_finished').on('deadlines').column('finished_at').execute();
  },
};

/** Rejections are pruned by age: the prune walks this index instead of scanning the table. */
const m0003b: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.createIndex('rejections_ts').on('rejections').column('ts').execute();
  },
};

export const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_scenes': m0002,
  '0003_deadlines': m0003,
  '0003b_rejections_ts': m0003b,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
