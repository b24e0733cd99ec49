/**
 * Schema migrations, in order. Written with Kysely's schema builder only, so they run unchanged on
 * SQLite (embedded default) and PostgreSQL. Never edit a released migration; add a new one.
 */
import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

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

/** A revoked credential stays as a row, so the next start does not issue the device a new one. */
const m0005CredentialRevocation: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('credentials').addColumn('revoked_at', 'bigint').execute();
  },
};

/**
 * Who issued a command (source, issuer), when each delivery settled, and the indexes the start-up
 * reconciliation (pending deliveries) and the retention prune (old commands) read by.
 */
const m0004CommandOrigin: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('commands').addColumn('source', 'varchar(16)').execute();
    await db.schema.alterTable('commands').addColumn('issuer', 'varchar(160)').execute();
    await db.schema.alterTable('command_deliveries').addColumn('settled_at', 'bigint').execute();
    await db.schema.createIndex('commands_issued_at').on('commands').column('issued_at').execute();
    // Partial: only pending deliveries are looked up by status (at start), and a full status index would
    // lure the planner away from the primary key in the sweep's batched UPDATE.
    await db.schema
      .createIndex('command_deliveries_sent')
      .on('command_deliveries')
      .column('status')
      .where(sql.ref('status'), '=', 'sent')
      .execute();
  },
};

/**
 * Kiosk presses keyed by (compound, kiosk, boot, seq, variant): a kiosk's optional boot id separates runs of
 * its counter, and a press that reuses a key with other content gets the next variant instead of being taken
 * for a re-send. SQLite cannot change a primary key in place, so the table is rebuilt: create, copy, drop, rename.
 */
const m0004KioskPressBoot: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('kiosk_presses_v2')
      .addColumn('compound_id', 'varchar(48)', (c) => c.notNull())
      .addColumn('kiosk_id', 'varchar(48)', (c) => c.notNull())
      .addColumn('boot', 'varchar(36)', (c) => c.notNull().defaultTo(''))
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('variant', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('button', 'varchar(32)', (c) => c.notNull())
      .addColumn('device_ts', 'bigint', (c) => c.notNull())
      .addColumn('received_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('kiosk_presses_key', ['compound_id', 'kiosk_id', 'boot', 'seq', 'variant'])
      .execute();
    const columns = ['compound_id', 'kiosk_id', 'seq', 'button', 'device_ts', 'received_at'] as const;
    await (db as Kysely<Record<string, Record<string, unknown>>>)
      .insertInto('kiosk_presses_v2')
      .columns([...columns, 'boot', 'variant'])
      .expression((eb) => eb.selectFrom('kiosk_presses').select([...columns, sql.lit('').as('boot'), sql.lit(0).as('variant')]))
      .execute();
    await db.schema.dropTable('kiosk_presses').execute();
    await db.schema.alterTable('kiosk_presses_v2').renameTo('kiosk_presses').execute();
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

/** How many rows each background writer has stored in its current run, written in the rows' own transaction (store/batchWriter.ts). */
const m0006StoreWriters: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('store_writers')
      .addColumn('writer', 'varchar(48)', (c) => c.primaryKey())
      .addColumn('run', 'varchar(48)', (c) => c.notNull())
      .addColumn('stored', 'bigint', (c) => c.notNull())
      .execute();
  },
};

/**
 * The embedded metrics store (features/metrics): raw points, one row per point with its numeric fields in
 * v0…v6 (the catalog's order), and minute, hour and day roll-ups with count, sum and max per field.
 */
const METRIC_FIELDS = 7;
const m0008Metrics: Migration = {
  async up(db: Kysely<unknown>) {
    let raw = db.schema
      .createTable('metric_points')
      .addColumn('measurement', 'varchar(32)', (c) => c.notNull())
      .addColumn('series', 'varchar(240)', (c) => c.notNull())
      .addColumn('ts', 'bigint', (c) => c.notNull());
    for (let i = 0; i < METRIC_FIELDS; i++) raw = raw.addColumn(`v${i}`, 'double precision');
    await raw.addPrimaryKeyConstraint('metric_points_pk', ['measurement', 'series', 'ts']).execute();
    await db.schema.createIndex('metric_points_ts').on('metric_points').column('ts').execute();
    for (const level of ['minute', 'hour', 'day']) {
      let t = db.schema
        .createTable(`metric_${level}`)
        .addColumn('measurement', 'varchar(32)', (c) => c.notNull())
        .addColumn('series', 'varchar(240)', (c) => c.notNull())
        .addColumn('ts', 'bigint', (c) => c.notNull());
      for (let i = 0; i < METRIC_FIELDS; i++) t = t.addColumn(`n${i}`, 'integer').addColumn(`s${i}`, 'double precision').addColumn(`m${i}`, 'double precision');
      await t.addPrimaryKeyConstraint(`metric_${level}_pk`, ['measurement', 'series', 'ts']).execute();
      await db.schema.createIndex(`metric_${level}_ts`).on(`metric_${level}`).column('ts').execute();
    }
    // Batches of points the InfluxDB store could not take yet, in order (features/metrics/outbox.ts).
    await db.schema
      .createTable('metric_outbox')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('points', 'integer', (c) => c.notNull())
      .addColumn('min_ts', 'bigint', (c) => c.notNull())
      .addColumn('max_ts', 'bigint', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .execute();
  },
};

/** Accounts: users (scrypt password hashes), personal API tokens (salted hashes), sessions (hashed ids) and the audit log. */
const m0007Accounts: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('users')
      .addColumn('username', 'varchar(32)', (c) => c.primaryKey())
      .addColumn('display_name', 'varchar(64)', (c) => c.notNull())
      .addColumn('role', 'varchar(16)', (c) => c.notNull())
      .addColumn('scopes', 'text', (c) => c.notNull())
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('password_changed_at', 'bigint', (c) => c.notNull())
      .addColumn('last_login_at', 'bigint')
      .execute();
    await db.schema
      .createTable('api_tokens')
      .addColumn('id', 'varchar(16)', (c) => c.primaryKey())
      .addColumn('username', 'varchar(32)', (c) => c.notNull())
      .addColumn('name', 'varchar(64)', (c) => c.notNull())
      .addColumn('salt', 'varchar(32)', (c) => c.notNull())
      .addColumn('hash', 'varchar(64)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('last_used_at', 'bigint')
      .addColumn('expires_at', 'bigint')
      .execute();
    await db.schema.createIndex('api_tokens_user').on('api_tokens').column('username').execute();
    await db.schema
      .createTable('sessions')
      .addColumn('id_hash', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('username', 'varchar(32)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('last_seen', 'bigint', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('sessions_user').on('sessions').column('username').execute();
    await db.schema
      .createTable('audit')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('ts', 'bigint', (c) => c.notNull())
      .addColumn('actor', 'varchar(64)')
      .addColumn('role', 'varchar(16)')
      .addColumn('via', 'varchar(16)')
      .addColumn('ip', 'varchar(64)', (c) => c.notNull())
      .addColumn('action', 'varchar(64)', (c) => c.notNull())
      .addColumn('target', 'text')
      .addColumn('compound', 'varchar(48)')
      .addColumn('outcome', 'varchar(8)', (c) => c.notNull())
      .addColumn('status', 'integer', (c) => c.notNull())
      .addColumn('detail', 'text')
      .execute();
    await db.schema.createIndex('audit_ts').on('audit').column('ts').execute();
    await db.schema.createIndex('audit_actor').on('audit').columns(['actor', 'ts']).execute();
    await db.schema.createIndex('audit_compound').on('audit').columns(['compound', 'ts']).execute();
  },
};

/** 0009: the scheduler's rules, manual overrides and its own small facts (revision, demo programme seeded). */
const m0009Schedule: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('schedule_rules')
      .addColumn('id', 'varchar(24)', (c) => c.primaryKey())
      .addColumn('revision', 'integer', (c) => c.notNull())
      .addColumn('name', 'varchar(64)', (c) => c.notNull())
      .addColumn('kind', 'varchar(16)', (c) => c.notNull())
      .addColumn('body_json', 'text', (c) => c.notNull())
      .addColumn('created_by', 'varchar(64)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('schedule_overrides')
      .addColumn('id', 'varchar(24)', (c) => c.primaryKey())
      .addColumn('compound_id', 'varchar(48)', (c) => c.notNull())
      .addColumn('body_json', 'text', (c) => c.notNull())
      .addColumn('from_at', 'bigint', (c) => c.notNull())
      .addColumn('until_at', 'bigint', (c) => c.notNull())
      .addColumn('created_by', 'varchar(64)', (c) => c.notNull())
      .addColumn('breaks_curfew', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('ended_at', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('schedule_overrides_compound').on('schedule_overrides').columns(['compound_id', 'until_at']).execute();
    await db.schema
      .createTable('schedule_meta')
      .addColumn('key', 'varchar(32)', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();
  },
};

export const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_scenes': m0002,
  '0003_deadlines': m0003,
  '0003b_rejections_ts': m0003b,
  '0004_command_origin': m0004CommandOrigin,
  '0004_kiosk_press_boot': m0004KioskPressBoot,
  '0005_credential_revocation': m0005CredentialRevocation,
  '0006_store_writers': m0006StoreWriters,
  '0007_accounts': m0007Accounts,
  '0008_metrics': m0008Metrics,
  '0009_schedule': m0009Schedule,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
