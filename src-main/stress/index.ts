// The stress module's public surface, for `earshot stress` and the app's Stress view:
//
//   const report = await runStress(config, { onSnapshot, signal, thresholds });
//   writeReportFolder(report, dir);
//
// `config` is validated by stressConfigSchema (zod); onSnapshot receives one
// StressSnapshot per second (batch them to the renderer, never one IPC per session).
export { runStress, type RunStressOptions } from './engine.js';
export {
  STRESS_MODES,
  PACING,
  stressConfigSchema,
  resolveStressConfig,
  parseDuration,
  parseRate,
  parseStage,
  type StressConfig,
  type StressConfigInput,
  type ResolvedStressConfig,
  type StressMode,
} from './config.js';
export type { StressSnapshot } from './aggregate.js';
export type { StressReport } from './report.js';
export { OUTCOMES, LATENCY_METRICS, type Outcome, type LatencyMetric } from './metrics.js';
export {
  parseThreshold,
  evaluateThresholds,
  THRESHOLD_EXIT_CODE,
  type Threshold,
  type ThresholdResult,
} from './thresholds.js';
export { writeReportFolder, defaultReportDir } from './report-writers/write.js';
export { renderMarkdown } from './report-writers/markdown.js';
export { renderHtml } from './report-writers/html.js';
