// Stress (QA): configure a run, start/stop it, watch live charts, export the report.
// The engine runs in main's worker threads; this view only draws what main reports.
// The form (stress/StressRunForm.tsx), the totals (stress/StressStats.tsx) and the charts
// (stress/StressCharts.tsx) are components of their own; this view wires them to the stores.
import { useState } from 'react';
import { useStore } from 'zustand';
import type { ReportFormat } from '../../src-shared/api/stress.js';
import { useAppContext } from '../context.js';
import { ErrorBanner } from '../components/Banner.js';
import { FORMAT_LABEL } from '../components/FormatButtons.js';
import { StressStatePill } from '../components/StatePill.js';
import { ViewHeader } from '../components/ViewHeader.js';
import { errorTotal } from '../stores/stress.js';
import { downloadTextFile } from '../util/files.js';
import { formatCount } from '../util/format.js';
import { ERROR_KEY, formStore, toConfig, type StressForm } from './stress/form-model.js';
import { StressCharts } from './stress/StressCharts.js';
import { StressRunForm } from './stress/StressRunForm.js';
import { StressStats } from './stress/StressStats.js';
import { StressThresholds } from './stress/StressThresholds.js';

export function StressView() {
  const { stress, app } = useAppContext();
  const { status, latest, series, fieldErrors, error } = useStore(stress);
  const form = useStore(formStore);
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});
  const errors = { ...fieldErrors, ...localErrors };
  const failedSessions = latest ? errorTotal(latest) : 0;
  const breached = status.thresholds?.filter((t) => !t.passed).length ?? 0;
  const active = status.state === 'starting' || status.state === 'running' || status.state === 'stopping';

  const edit = (change: Partial<StressForm>) => {
    formStore.setState(change);
    setLocalErrors((e) => {
      const next = { ...e };
      for (const key of Object.keys(change) as (keyof StressForm)[]) delete next[ERROR_KEY[key] ?? key];
      return next;
    });
  };

  const start = async () => {
    const { config, errors: parseErrors } = toConfig(form);
    setLocalErrors(parseErrors);
    if (!config) return;
    await stress.getState().start(config);
  };

  const exportReport = async (format: ReportFormat) => {
    try {
      downloadTextFile(await stress.getState().report(format));
      app.getState().notify(`Report exported as ${FORMAT_LABEL[format]}.`);
    } catch (e) {
      app.getState().notify(`Could not export the report: ${(e as Error).message}`, 'error');
    }
  };

  return (
    <section aria-labelledby="stress-title">
      <ViewHeader
        id="stress-title"
        title="Stress"
        description="Drive simulated dictation sessions at a gateway and count every outcome honestly."
      >
        {latest && <span className="small muted mono">{latest.elapsedSec.toFixed(0)} s</span>}
        {status.state === 'finished' && latest && failedSessions > 0 && (
          <span className="small" data-testid="stress-error-summary">
            {formatCount(failedSessions)} of {formatCount(latest.attempted)} sessions ended without a final
            result
          </span>
        )}
        <StressStatePill
          state={status.state}
          testId="stress-state"
          errors={failedSessions}
          completed={latest?.completed ?? 0}
          breached={breached}
        />
      </ViewHeader>
      {(error || status.error) && <ErrorBanner testId="stress-error">{error ?? status.error}</ErrorBanner>}
      <div className="grid stress-layout">
        <StressRunForm
          form={form}
          errors={errors}
          active={active}
          stopping={status.state === 'stopping'}
          edit={edit}
          onStart={() => void start()}
          onStop={() => void stress.getState().stop()}
        />
        <div className="grid">
          <StressThresholds expressions={status.config?.thresholds ?? []} results={status.thresholds} />
          <StressStats
            latest={latest}
            reportReady={status.reportReady}
            onExport={(f) => void exportReport(f)}
          />
          <StressCharts series={series} />
        </div>
      </div>
    </section>
  );
}
