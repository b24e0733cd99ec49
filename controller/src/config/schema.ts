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
        rateLimitWindowMs: Type.Integer({ minimum: 1000, default: 60000, description: 'the window of the request limits below, ms' }),
        rateLimitMax: Type.Integer({ minimum: 1, default: 1200, description: 'API requests per client address and window (reads; /api/health is exempt)' }),
        rateLimitMutatingMax: Type.Integer({
          minimum: 1,
          default: 600,
          description: 'POST, PUT and DELETE requests per client address and window, counted apart from reads',
        }),
        trustProxy: Type.Boolean({
          default: false,
          description: 'behind a reverse proxy: take the client address and https from X-Forwarded-* (rate limits, audit, Secure cookies)',
        }),
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
        maxSessionsPerDevice: Type.Integer({
          minimum: 1,
          default: 4,
          description: "concurrent sessions of one device: its own client id and 'username/<suffix>' ones; one more is refused (CONNACK 5)",
        }),
        deviceMessagesPerS: Type.Number({
          minimum: 0.001,
          default: 5,
          description: "accepted 'req' and 'event' messages per device and second, sustained (token bucket refill); more are rejected CAIDENG_MQTT_RATE_LIMITED",
        }),
        deviceMessageBurst: Type.Integer({ minimum: 1, default: 30, description: "'req' and 'event' messages a device may send at once (token bucket size)" }),
        connectFailuresPerAddress: Type.Integer({
          minimum: 1,
          default: 30,
          description: 'failed CONNECTs from one source address within connectFailureWindowS before that address is refused at once for connectBlockS',
        }),
        connectFailureWindowS: Type.Integer({ minimum: 1, default: 60, description: 'seconds' }),
        connectBlockS: Type.Integer({ minimum: 1, default: 60, description: 'seconds an address is refused after too many failed CONNECTs' }),
        connectRatePerS: Type.Number({
          exclusiveMinimum: 0,
          default: 2000,
          description: 'CONNECTs let in per second, sustained: a restart is a reconnect storm; the others wait in the admission queue',
        }),
        connectBurst: Type.Integer({ minimum: 1, default: 200, description: 'CONNECTs let in at once before the rate applies' }),
        connectQueueMax: Type.Integer({
          minimum: 0,
          default: 20_000,
          description: 'CONNECTs waiting for their turn at most; one more is refused (its socket closed) and the device retries after its backoff',
        }),
      },
      { ...closed, default: {} },
    ),
    realtime: Type.Object(
      {
        batchMs: Type.Integer({ minimum: 0, maximum: 5000, default: 50, description: 'device changes are pushed to browsers in batches at most this often' }),
        snapshotChunkDevices: Type.Integer({ minimum: 1, maximum: 10000, default: 500, description: 'devices per part of the snapshot that answers a subscribe' }),
        subscribeBurst: Type.Integer({ minimum: 1, default: 5, description: 'subscribes a connection may send at once' }),
        subscribePerS: Type.Number({ exclusiveMinimum: 0, default: 1, description: 'subscribes per second a connection may keep sending' }),
        eventBurst: Type.Integer({ minimum: 1, default: 20, description: 'socket.io events of any kind a connection may send at once' }),
        eventsPerS: Type.Number({ exclusiveMinimum: 0, default: 10, description: 'socket.io events per second a connection may keep sending' }),
        floodDisconnectAfter: Type.Integer({
          minimum: 1,
          default: 20,
          description: 'a connection with this many refused events within 10 s is disconnected',
        }),
      },
      { ...closed, default: {} },
    ),
    storage: Type.Object(
      {
        telemetryFlushMs: Type.Integer({ minimum: 10, default: 100, description: 'telemetry rows are written in one transaction at this interval' }),
        telemetryRetentionDays: Type.Integer({ minimum: 1, default: 30 }),
        commandRetentionDays: Type.Integer({ minimum: 1, default: 90, description: 'commands and their deliveries are deleted this many days after issue' }),
        telemetryBufferMax: Type.Integer({
          minimum: 100,
          default: 200_000,
          description: 'most telemetry rows held while the store is slow or failing; beyond it the oldest unstored rows are dropped (counted)',
        }),
        rejectionRetentionDays: Type.Integer({ minimum: 1, default: 30, description: 'stored rejected messages are kept this long' }),
        pruneIntervalMs: Type.Integer({ minimum: 1000, default: 3_600_000, description: 'how often rows past their retention are removed' }),
        pruneChunkRows: Type.Integer({ minimum: 100, default: 5000, description: 'rows removed per statement while pruning (a turn of the event loop between two)' }),
        telemetryWriter: Type.Union([Type.Literal('worker'), Type.Literal('in-thread')], {
          default: 'worker',
          description: "where telemetry inserts run: a writer thread with its own connection, or the main thread ('in-thread'; always for ':memory:')",
        }),
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
    auth: Type.Object(
      {
        sessionIdleMinutes: Type.Integer({ minimum: 1, default: 120, description: 'a session unused this long ends' }),
        sessionMaxHours: Type.Integer({ minimum: 1, default: 12, description: 'a session ends this long after sign-in, used or not' }),
        lockoutAfter: Type.Integer({ minimum: 1, default: 5, description: 'failed sign-ins for one username within lockoutMinutes before it is locked' }),
        lockoutMinutes: Type.Integer({ minimum: 1, default: 15, description: 'how long a locked username stays locked, and the window failures are counted in' }),
        loginPerAddress: Type.Integer({
          minimum: 1,
          default: 30,
          description: 'sign-in attempts per client address and lockoutMinutes, whatever the username',
        }),
        demoUsers: Type.Boolean({ default: false, description: 'on first start, also create one user per role for the demo county (npm start)' }),
        auditRetentionDays: Type.Integer({ minimum: 1, default: 400, description: 'audit entries older than this are pruned' }),
      },
      { ...closed, default: {} },
    ),
    demo: Type.Object(
      {
        simulate: Type.Boolean({ default: false, description: 'start a simulated county (one virtual device per registered device)' }),
        telemetryIntervalMs: Type.Integer({ minimum: 100, default: 5000 }),
        pressRatePerMinute: Type.Number({ minimum: 0, default: 0.5 }),
        compounds: Type.Optional(Type.Integer({ minimum: 1, description: 'simulate only the first N compounds of the registry (a city is more than one simulator carries)' })),
      },
      { ...closed, default: {} },
    ),
    scenes: Type.Object(
      {
        estimateQueue: Type.Integer({ minimum: 0, default: 4, description: 'energy estimates waiting behind the running one; more are refused (503)' }),
        estimateTimeoutMs: Type.Integer({ minimum: 10, default: 10000, description: 'an energy estimate running longer is stopped (503)' }),
        estimateMaxWork: Type.Integer({
          minimum: 1000,
          default: 20_000_000,
          description: 'largest energy estimate: frames x (pixels + 128) summed over the groups; about 2.5 s of one core',
        }),
      },
      { ...closed, default: {} },
    ),
    metrics: Type.Object(
      {
        backend: Type.Union([Type.Literal('sqlite'), Type.Literal('influx')], {
          default: 'sqlite',
          description: "where time series go: the controller's own SQLite database, or InfluxDB 1.x (set `influx`)",
        }),
        influx: Type.Optional(
          Type.Object(
            {
              url: Type.String({ default: 'http://127.0.0.1:8086', description: 'InfluxDB 1.x HTTP API' }),
              database: Type.String({ default: 'caideng', minLength: 1, description: 'created at start with its retention policies and continuous queries' }),
              username: Type.Optional(Type.String({ description: 'with auth-enabled; needs admin rights to create the database' })),
              password: Type.Optional(Type.String()),
              requestTimeoutMs: Type.Integer({ minimum: 100, default: 5000, description: 'a write not answered in this time counts as failed (its batch goes to the outbox)' }),
            },
            { ...closed, default: {} },
          ),
        ),
        rawRetentionDays: Type.Integer({ minimum: 1, default: 30, description: 'raw points are kept this long' }),
        minuteRetentionDays: Type.Integer({ minimum: 1, default: 180, description: 'minute roll-ups are kept this long' }),
        hourRetentionDays: Type.Integer({ minimum: 1, default: 1095, description: 'hourly roll-ups are kept this long' }),
        dayRetentionDays: Type.Integer({ minimum: 0, default: 0, description: 'daily roll-ups are kept this long; 0 keeps them for ever' }),
        batchPoints: Type.Integer({ minimum: 1, maximum: 100_000, default: 5000, description: 'points per write to the store' }),
        flushMs: Type.Integer({ minimum: 10, default: 1000, description: 'a batch that has not filled up is written after this long' }),
        writeConcurrency: Type.Integer({ minimum: 1, maximum: 8, default: 2, description: 'InfluxDB writes in flight at once (the embedded store takes one at a time)' }),
        bufferMaxPoints: Type.Integer({ minimum: 100, default: 100_000, description: 'points held in memory while a write runs; more spill to the outbox' }),
        outboxMaxPoints: Type.Integer({
          minimum: 1000,
          default: 5_000_000,
          description: 'points the on-disk outbox holds while the store is away; when full its oldest batches are dropped (counted)',
        }),
        outboxWarnShare: Type.Number({ minimum: 0.1, maximum: 1, default: 0.8, description: 'a warning is logged (and counted) once the outbox holds this share of its bound' }),
        retryBaseMs: Type.Integer({ minimum: 10, default: 1000, description: 'first wait before replaying the outbox again; doubles per failure' }),
        retryMaxMs: Type.Integer({ minimum: 10, default: 30_000, description: 'longest wait between two replay attempts' }),
        maintainIntervalMs: Type.Integer({ minimum: 1000, default: 60_000, description: 'SQLite: how often roll-ups are brought up to date and old points pruned' }),
        sampleMs: Type.Integer({ minimum: 100, default: 10_000, description: 'how often broker figures and online counts are sampled' }),
        energyGapMs: Type.Integer({
          minimum: 1000,
          default: 60_000,
          description: "a group's watts count until its next reading, but not across a silence longer than this",
        }),
        tariff: Type.Object(
          {
            currency: Type.String({ default: 'CNY' }),
            perKWh: Type.Number({ minimum: 0, default: 0.6, description: 'price per kWh outside every period' }),
            periods: Type.Array(
              Type.Object(
                {
                  name: Type.String({ minLength: 1, maxLength: 32, description: "'peak', 'valley', …" }),
                  fromHour: Type.Integer({ minimum: 0, maximum: 23, description: 'local hour the period starts' }),
                  toHour: Type.Integer({ minimum: 0, maximum: 24, description: 'local hour it ends (exclusive); below fromHour when it runs past midnight' }),
                  perKWh: Type.Number({ minimum: 0 }),
                },
                closed,
              ),
              { default: [], maxItems: 24, description: 'time-of-use periods (分时电价), first match wins' },
            ),
          },
          { ...closed, default: {} },
        ),
      },
      { ...closed, default: {} },
    ),
    schedule: Type.Object(
      {
        leadMs: Type.Integer({
          minimum: 0,
          maximum: 10_000,
          default: 300,
          description: 'a scheduled change starts this long after it is sent, ms, so every group of a show starts on the same frame',
        }),
        latitude: Type.Number({ minimum: -90, maximum: 90, default: 29.45, description: "compounds' latitude for sunset and sunrise (Rong County)" }),
        longitude: Type.Number({ minimum: -180, maximum: 180, default: 104.42, description: "compounds' longitude for sunset and sunrise" }),
        planHours: Type.Integer({ minimum: 1, maximum: 168, default: 48, description: "hours of each compound's plan published retained for devices to follow offline" }),
        republishMs: Type.Integer({ minimum: 60_000, default: 3_600_000, description: 'how often the plans are published again (they also are on every change), ms' }),
        clockJumpMs: Type.Integer({ minimum: 100, default: 2000, description: 'a timer that fires this much late or early means the clock jumped: everything is sent again' }),
        seedDemoProgramme: Type.Boolean({ default: false, description: "seed the demo county's programme into a fresh store (set by --demo)" }),
      },
      { ...closed, default: {} },
    ),
  },
  closed,
);

export type Config = Type.Static<typeof ConfigSchema>;
export type ConfigInput = DeepPartial<Config>;
type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };
