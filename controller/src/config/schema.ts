/**
 * The controller's configuration: one schema with defaults, units and descriptions next to the types.
 * Unknown keys fail start-up with a message that names them.
 */
import Type from 'typebox';

const closed = { additionalProperties: false } as const;

export const ConfigSchema = Type.Object(
  {
    dataDir: Type.String({ default: 'var/data', description: 'directory for the SQLite database and the credentials file' }),
    registryFile: Type.String({
      default: 'controller/config/rong-county.json',
      description: 'the county registry the operator edits: streets, communities, compounds, lantern groups, kiosks',
    }),
    timezone: Type.String({ default: 'Asia/Shanghai', description: 'local time zone for people (schedules, reports)' }),
    http: Type.Object(
      {
        host: Type.String({ default: '0.0.0.0' }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080, description: '0 picks a free port' }),
        bodyLimitBytes: Type.Integer({ minimum: 1024, default: 65536 }),
      },
      { ...closed, default: {} },
    ),
    mqtt: Type.Object(
      {
        host: Type.String({ default: '0.0.0.0' }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 1883, description: 'MQTT over TCP; 0 picks a free port' }),
        wsPath: Type.String({ default: '/mqtt', description: 'MQTT over WebSocket, on the HTTP port' }),
        tls: Type.Optional(
          Type.Object(
            {
              port: Type.Integer({ minimum: 0, maximum: 65535, default: 8883 }),
              certFile: Type.String(),
              keyFile: Type.String(),
            },
            closed,
          ),
        ),
        maxPayloadBytes: Type.Integer({ minimum: 256, maximum: 262144, default: 8192 }),
        keepaliveLimitS: Type.Integer({ minimum: 0, default: 300, description: 'largest keepalive a device may ask for' }),
        rejectionsBeforeDisconnect: Type.Integer({
          minimum: 1,
          default: 100,
          description: 'a client rejected this many times within a minute is disconnected',
        }),
      },
      { ...closed, default: {} },
    ),
    realtime: Type.Object(
      {
        batchMs: Type.Integer({ minimum: 0, maximum: 5000, default: 50, description: 'device changes are pushed to browsers in batches at most this often' }),
      },
      { ...closed, default: {} },
    ),
    storage: Type.Object(
      {
        telemetryFlushMs: Type.Integer({ minimum: 10, default: 100, description: 'telemetry rows are written in one transaction at this interval' }),
        telemetryRetentionDays: Type.Integer({ minimum: 1, default: 30 }),
        telemetryBufferMax: Type.Integer({
          minimum: 100,
          default: 50_000,
          description: 'most telemetry rows held while the store is slow or failing; beyond it the oldest unstored rows are dropped (counted)',
        }),
        rejectionRetentionDays: Type.Integer({ minimum: 1, default: 30, description: 'stored rejected messages are kept this long' }),
        pruneIntervalMs: Type.Integer({ minimum: 1000, default: 3_600_000, description: 'how often rows past their retention are removed' }),
        pruneChunkRows: Type.Integer({ minimum: 100, default: 5000, description: 'rows removed per statement while pruning (a turn of the event loop between two)' }),
      },
      { ...closed, default: {} },
    ),
    commands: Type.Object(
      {
        ackTimeoutMs: Type.Integer({ minimum: 100, default: 10000, description: 'a delivery without an ack after this long is marked timeout' }),
        defaultExpiryMs: Type.Integer({ minimum: 1000, default: 60000, description: 'commands expire this long after issue unless the body says otherwise' }),
      },
      { ...closed, default: {} },
    ),
    deadlines: Type.Object(
      {
        maxAttempts: Type.Integer({ minimum: 1, default: 5, description: 'a deadline whose handler throws runs again, up to this many attempts in all, then is marked failed' }),
        retryBaseMs: Type.Integer({ minimum: 10, default: 1000, description: 'wait before the second attempt; doubles for each further one' }),
        retryMaxMs: Type.Integer({ minimum: 10, default: 300_000, description: 'longest wait between two attempts' }),
        retentionDays: Type.Integer({ minimum: 1, default: 30, description: 'fired and failed deadlines are kept this long' }),
      },
      { ...closed, default: {} },
    ),
    log: Type.Object(
      {
        level: Type.Union(
          [Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug'), Type.Literal('trace'), Type.Literal('silent')],
          { default: 'info' },
        ),
        pretty: Type.Boolean({ default: false, description: 'human-readable logs (for a terminal)' }),
      },
      { ...closed, default: {} },
    ),
    demo: Type.Object(
      {
        simulate: Type.Boolean({ default: false, description: 'start a simulated county (one virtual device per registered device)' }),
        telemetryIntervalMs: Type.Integer({ minimum: 100, default: 5000 }),
        pressRatePerMinute: Type.Number({ minimum: 0, default: 0.5 }),
      },
      { ...closed, default: {} },
    ),
  },
  closed,
);

export type Config = Type.Static<typeof ConfigSchema>;
export type ConfigInput = DeepPartial<Config>;
type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };
