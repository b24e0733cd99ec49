/** Version of the bus contract. It is the second topic level and the `v` field of every payload. */
export const PROTOCOL_VERSION = 1 as const;
/** First topic level of every caideng topic. */
export const TOPIC_ROOT = 'caideng' as const;
/** `caideng/v1` */
export const TOPIC_BASE = `${TOPIC_ROOT}/v${PROTOCOL_VERSION}` as const;
/** Largest payload the controller accepts on any topic, in bytes. */
export const MAX_PAYLOAD_BYTES = 8192;
