export { Uploader, type UploaderEvents, type UploaderOptions } from './uploader.js';
export { Connector, type ConnectorOptions } from './connector.js';
export type { UploadEvent, UploadOutcome } from './recording-upload.js';
export { LivePreviews, type ProvisionalText } from './live-previews.js';
