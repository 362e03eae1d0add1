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

export function DictateView() {
  const { dictation, microphone } = useAppContext();
  const error = useStore(dictation, (s) => s.error);
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
      <div className="dictate">
        <Recorder />
        <TranscriptCard />
      </div>
    </section>
  );
}
