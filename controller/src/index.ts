export { startController, VERSION, type ControllerHandle, type StartOptions } from './controller.js';
export { resolveConfig } from './config/load.js';
export type { Config, ConfigInput } from './config/schema.js';
export { readProvisioning, provisioningPath, type ProvisioningFile, type ProvisionedDevice } from './credentials/provisioning.js';
export { publishDenied, subscribeDenied } from './broker/acl.js';
export { apiRoutes, type ApiRoute } from './http/openapi.js';
export { Clock, parseClockStart, type ClockOptions, type ClockView } from './clock.js';
