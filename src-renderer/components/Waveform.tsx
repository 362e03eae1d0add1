// A recording's waveform (wavesurfer.js) with its chunks as regions, and playback.
// The WAV comes from main through the API (`history.audio`), never from a file path.
import { useEffect, useRef, useState } from 'react';
import WaveSurfer from 'wavesurfer.js';
import RegionsPlugin from 'wavesurfer.js/dist/plugins/regions.esm.js';
import type { ChunkInfo } from '../../src-shared/api/history.js';
import { formatElapsed } from '../util/format.js';
import { themeColor } from '../util/theme.js';

export interface WaveformProps {
  recordingId: string;
  chunks: readonly ChunkInfo[];
  loadAudio(): Promise<Uint8Array>;
}

export function Waveform({ recordingId, chunks, loadAudio }: WaveformProps) {
  const container = useRef<HTMLDivElement>(null);
  const surfer = useRef<WaveSurfer | undefined>(undefined);
  const regions = useRef<ReturnType<typeof RegionsPlugin.create> | undefined>(undefined);
  const [ready, setReady] = useState(false);
  const [playing, setPlaying] = useState(false);
  const [position, setPosition] = useState(0);
  const [duration, setDuration] = useState(0);
  const [error, setError] = useState<string>();

  useEffect(() => {
    const el = container.current;
    if (!el) return;
    let cancelled = false;
    const plugin = RegionsPlugin.create();
    const ws = WaveSurfer.create({
      container: el,
      height: 72,
      waveColor: themeColor('--text-muted', '#888'),
      progressColor: themeColor('--accent', '#3b5bdb'),
      cursorColor: themeColor('--text', '#222'),
      barWidth: 2,
      barGap: 1,
      barRadius: 2,
      normalize: true,
      plugins: [plugin],
    });
    surfer.current = ws;
    regions.current = plugin;
    ws.on('ready', (d: number) => {
      setDuration(d);
      setReady(true);
    });
    ws.on('play', () => setPlaying(true));
    ws.on('pause', () => setPlaying(false));
    ws.on('finish', () => setPlaying(false));
    ws.on('timeupdate', (t: number) => setPosition(t));
    loadAudio()
      .then((wav) => {
        if (cancelled) return undefined;
        return ws.loadBlob(new Blob([wav as BlobPart], { type: 'audio/wav' }));
      })
      .catch((e: unknown) => {
        if (!cancelled) setError(`Could not load the audio: ${(e as Error).message}`);
      });
    return () => {
      cancelled = true;
      ws.destroy();
      surfer.current = undefined;
      regions.current = undefined;
      setReady(false);
    };
    // loadAudio is tied to recordingId; a new function identity must not reload the audio.
  }, [recordingId]);

  const chunkKey = chunks.map((c) => `${c.index}:${c.startMs}:${c.endMs}`).join(',');
  useEffect(() => {
    const plugin = regions.current;
    if (!ready || !plugin) return;
    plugin.clearRegions();
    const accent = themeColor('--accent', '#3b5bdb');
    chunks.forEach((chunk, i) => {
      if (chunk.endMs <= chunk.startMs) return;
      plugin.addRegion({
        id: `chunk-${chunk.index}`,
        start: chunk.startMs / 1000,
        end: chunk.endMs / 1000,
        drag: false,
        resize: false,
        color: `color-mix(in srgb, ${accent} ${i % 2 ? 10 : 18}%, transparent)`,
        content: `#${chunk.index + 1}`,
      });
    });
  }, [ready, chunkKey]);

  return (
    <div className="grid waveform-panel">
      <div
        className="waveform"
        ref={container}
        data-testid="waveform"
        data-ready={ready ? 'true' : 'false'}
        data-regions={ready ? chunks.length : 0}
        data-duration={ready ? duration : undefined}
      />
      <div className="row small muted">
        <button
          type="button"
          className="btn btn-small"
          disabled={!ready}
          onClick={() => void surfer.current?.playPause()}
          aria-label={playing ? 'Pause playback' : 'Play recording'}
          data-testid="play"
          data-playing={playing ? 'true' : 'false'}
        >
          {playing ? '❚❚ Pause' : '▶ Play'}
        </button>
        <span className="mono" data-testid="play-position">
          {formatElapsed(position * 1000)} / {formatElapsed(duration * 1000)}
        </span>
        <span>
          {chunks.length} chunk{chunks.length === 1 ? '' : 's'}
        </span>
        {error && <span className="field-error">{error}</span>}
      </div>
    </div>
  );
}
