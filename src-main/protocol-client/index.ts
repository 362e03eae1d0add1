export {
  BASE_FINISH_BLOCK_MS,
  ProtocolClient,
  type GatewayDialect,
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
export { DEFAULT_RESULTS_GRACE_MS, ResultTracker, type Coverage } from './result-tracker.js';
export { transcribeChunks, type TranscribeOptions, type TranscribeResult } from './transcribe-session.js';
