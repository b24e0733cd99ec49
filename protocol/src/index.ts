export * from './version.js';
export * from './ids.js';
export * from './payloads.js';
export * from './topics.js';
export * from './errors.js';
export * from './validate.js';
export * from './realtime.js';
export * from './history.js';
