export * from './boards/emulatedUno.js';
export * from './boards/firmware.js';
export * from './boards/intelHex.js';
export * from './boards/transport.js';
