// The app API: contract (schemas + EarshotApi), data models, and the DOM-free web transport.
export * from './models.js';
export * from './contract.js';
export * from './wire.js';
export * from './ipc.js';
export * from './settings-validation.js';
export * from './ws-client.js';
export * from './connect.js';
