// Dictate: one big record button, elapsed time, level meter, microphone picker, and the
// transcript growing from chunk results until the final text replaces it. The two cards
// are components of dictate/; this view opens the microphone and shows its problems.
import { useEffect } from 'react';
import { useStore } from 'zustand';
import { useAppContext } from '../context.js';
import { Banner, ErrorBanner } from '../components/Banner.js';
import { ViewHeader } from '../components/ViewHeader.js';
import { Recorder } from './dictate/Recorder.js';
import { TranscriptCard } from './dictate/TranscriptCard.js';
import { formatTime } from '../util/format.js';
import { gatewayReachable } from '../stores/status.js';

/**
 * Says plainly what happens to a dictation while no gateway can be reached: its audio is
 * saved here and is transcribed when the gateway is back, with the next attempt's time.
 */
function OfflineNote() {
  const { dictation, status } = useAppContext();
  const phase = useStore(dictation, (s) => s.phase);
  const recordingId = useStore(dictation, (s) => s.recordingId);
  const snapshot = useStore(status, (s) => s.snapshot);
  if (phase !== 'recording' && phase !== 'finishing') return null;
  if (!snapshot || gatewayReachable(snapshot)) return null;
  const endpoints = snapshot.endpoints;
  const item = snapshot.queue.items.find((i) => i.recordingId === recordingId);
  const next =
    item?.nextAttemptAt ??
    endpoints
      .map((e) => e.nextAttemptAt)
      .filter((at): at is number => at !== undefined)
      .sort((a, b) => a - b)[0];
  const reason = item?.lastError ?? endpoints.find((e) => e.timeline.at(-1)?.reason)?.timeline.at(-1)?.reason;
  const who = endpoints.length === 1 ? `The gateway (${endpoints[0].label})` : 'No gateway';
  return (
    <Banner tone="warn" role="status" testId="offline-note">
      <strong>
        {endpoints.length === 0
          ? 'No gateway is configured.'
          : endpoints[0].state === 'unauthorized'
            ? `${who} refused the token.`
            : `${who} cannot be reached${reason ? ` (${reason})` : ''}.`}
      </strong>{' '}
      {phase === 'recording'
        ? 'Keep talking: your audio is saved on this computer and will be transcribed when the gateway is back.'
        : 'Your audio is saved on this computer and will be transcribed when the gateway is back.'}
      {next !== undefined && (
        <span data-testid="offline-next-attempt" data-at={next}>
          {' '}
          Next attempt at {formatTime(next)}.
        </span>
      )}
    </Banner>
  );
}

export function DictateView() {
  const { dictation, microphone } = useAppContext();
  const error = useStore(dictation, (s) => s.error);
  const elsewhere = useStore(dictation, (s) => s.elsewhere);
  const mic = useStore(microphone);

  useEffect(() => {
    void microphone.getState().ensureOpen();
  }, [microphone]);

  return (
    <section aria-labelledby="dictate-title">
      <ViewHeader
        id="dictate-title"
        title="Dictate"
        description="Speak; the transcript streams back while you talk and is saved before it is uploaded."
      />
      {mic.error && <ErrorBanner>{mic.error}</ErrorBanner>}
      {mic.note && (
        <Banner tone="warn" role="status">
          {mic.note}
        </Banner>
      )}
      {error && <ErrorBanner testId="dictation-error">{error}</ErrorBanner>}
      <OfflineNote />
      {elsewhere && (
        <Banner tone="warn" role="status" testId="dictation-elsewhere">
          Another Earshot window or tab is recording
          {elsewhere.startedAt ? ` (since ${formatTime(elsewhere.startedAt)})` : ''}; this page is not
          capturing it.{' '}
          <button
            type="button"
            className="btn btn-small"
            onClick={() => void dictation.getState().stopElsewhere()}
          >
            Stop that recording
          </button>
        </Banner>
      )}
      <div className="dictate">
        <Recorder />
        <TranscriptCard />
      </div>
    </section>
  );
}
