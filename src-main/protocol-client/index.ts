export {
  ProtocolClient,
  type ConnectOptions,
  type ProtocolClientEvents,
  type StartResult,
} from './client.js';
export {
  AckTimeoutError,
  ConnectError,
  ConnectionClosedError,
  ServerError,
  inferErrorCode,
} from './errors.js';
export { healthUrlOf, httpBaseOf, redactUrl } from './urls.js';
export { transcribeChunks, type TranscribeOptions, type TranscribeResult } from './transcribe-session.js';
