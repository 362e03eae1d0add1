// The microphone in the browser: getUserMedia -> AudioContext(16 kHz) -> capture worklet
// -> FrameBatcher. Follows device changes: when the chosen input disappears (unplugged,
// or its track ends) it falls back to the system default and says so through onStatus.
import workletUrl from './capture-worklet.ts?worker&url';
import type { CaptureBlockMessage } from './capture-worklet.js';
import { DEFAULT_BATCHER, FrameBatcher } from './batcher.js';
import { TARGET_RATE } from './pcm.js';

export interface MicrophoneDevice {
  deviceId: string;
  label: string;
}

export interface MicrophoneEvents {
  onLevel(level: { peak: number; rms: number }): void;
  onBatch(pcm: Int16Array): void;
  onDevices(devices: MicrophoneDevice[]): void;
  /** The device actually in use, and a note when it is not the one that was asked for. */
  onActiveDevice(deviceId: string | undefined, note?: string): void;
  onError(message: string): void;
}

export async function listMicrophones(): Promise<MicrophoneDevice[]> {
  if (!navigator.mediaDevices?.enumerateDevices) return [];
  const all = await navigator.mediaDevices.enumerateDevices();
  return all
    .filter((d) => d.kind === 'audioinput')
    .map((d, i) => ({ deviceId: d.deviceId, label: d.label || `Microphone ${i + 1}` }));
}

export function describeMediaError(error: unknown): string {
  const name = (error as { name?: string })?.name;
  if (name === 'NotAllowedError')
    return 'Microphone access was denied. Allow it in the browser or system settings.';
  if (name === 'NotFoundError') return 'No microphone was found. Plug one in and try again.';
  if (name === 'NotReadableError')
    return 'The microphone is busy or unavailable (another application may hold it).';
  return `Could not open the microphone: ${(error as Error)?.message ?? String(error)}`;
}

export class Microphone {
  private context: AudioContext | undefined;
  private stream: MediaStream | undefined;
  private source: MediaStreamAudioSourceNode | undefined;
  private node: AudioWorkletNode | undefined;
  private wantedDeviceId: string | undefined;
  private activeDeviceId: string | undefined;
  private readonly batcher: FrameBatcher;
  private opening: Promise<void> | undefined;
  private readonly onDeviceChange = () => void this.handleDeviceChange();

  constructor(private readonly events: MicrophoneEvents) {
    this.batcher = new FrameBatcher((pcm) => events.onBatch(pcm), DEFAULT_BATCHER);
  }

  get isOpen(): boolean {
    return this.node !== undefined;
  }

  get isRecording(): boolean {
    return this.batcher.isRecording;
  }

  /** Opens (or re-opens on another device) and starts metering; audio is kept only as pre-roll until start(). */
  open(deviceId?: string): Promise<void> {
    this.wantedDeviceId = deviceId || undefined;
    return this.reopen(this.wantedDeviceId);
  }

  /** Switches the stream without forgetting which device the user prefers. */
  private reopen(deviceId: string | undefined): Promise<void> {
    const run = async () => {
      await this.closeStream();
      await this.openStream(deviceId);
    };
    this.opening = (this.opening ?? Promise.resolve()).then(run, run);
    return this.opening;
  }

  start(): void {
    this.batcher.start();
  }

  stop(): void {
    this.batcher.stop();
  }

  async close(): Promise<void> {
    navigator.mediaDevices?.removeEventListener?.('devicechange', this.onDeviceChange);
    if (this.batcher.isRecording) this.batcher.stop();
    await this.closeStream();
    await this.context?.close().catch(() => undefined);
    this.context = undefined;
  }

  private async ensureContext(): Promise<AudioContext> {
    if (!this.context) {
      // Chromium resamples to the rate asked for; the worklet resamples if a browser does not.
      this.context = new AudioContext({ sampleRate: TARGET_RATE });
      await this.context.audioWorklet.addModule(workletUrl);
      navigator.mediaDevices.addEventListener('devicechange', this.onDeviceChange);
    }
    if (this.context.state === 'suspended') await this.context.resume().catch(() => undefined);
    return this.context;
  }

  private async openStream(deviceId: string | undefined): Promise<void> {
    if (!navigator.mediaDevices?.getUserMedia) {
      this.events.onError('This browser offers no microphone access (getUserMedia is unavailable).');
      return;
    }
    let stream: MediaStream;
    let note: string | undefined;
    const constraints = (id?: string): MediaStreamConstraints => ({
      audio: {
        ...(id ? { deviceId: { exact: id } } : {}),
        channelCount: 1,
        echoCancellation: false,
        noiseSuppression: false,
        autoGainControl: false,
      },
    });
    try {
      stream = await navigator.mediaDevices.getUserMedia(constraints(deviceId));
    } catch (error) {
      if (!deviceId) {
        this.events.onError(describeMediaError(error));
        return;
      }
      // The chosen device is gone or busy: fall back to the default input.
      try {
        stream = await navigator.mediaDevices.getUserMedia(constraints());
        note = 'The chosen microphone is not available; using the default one.';
      } catch (fallbackError) {
        this.events.onError(describeMediaError(fallbackError));
        return;
      }
    }
    const context = await this.ensureContext();
    this.stream = stream;
    const track = stream.getAudioTracks()[0];
    this.activeDeviceId = track?.getSettings().deviceId;
    track?.addEventListener('ended', () => void this.handleTrackEnded(track));
    this.source = context.createMediaStreamSource(stream);
    this.node = new AudioWorkletNode(context, 'earshot-capture', { numberOfInputs: 1, numberOfOutputs: 0 });
    this.node.port.onmessage = (event: MessageEvent<CaptureBlockMessage>) => {
      const message = event.data;
      if (message?.type !== 'block') return;
      this.batcher.push(message.pcm);
      this.events.onLevel({ peak: message.peak, rms: message.rms });
    };
    this.source.connect(this.node);
    this.events.onActiveDevice(this.activeDeviceId, note);
    this.events.onDevices(await listMicrophones());
  }

  private async closeStream(): Promise<void> {
    this.source?.disconnect();
    this.node?.port.close();
    this.node?.disconnect();
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    this.source = undefined;
    this.node = undefined;
    this.stream = undefined;
  }

  private async handleTrackEnded(track: MediaStreamTrack): Promise<void> {
    if (this.stream?.getAudioTracks()[0] !== track) return; // an old stream we replaced
    await this.reopen(undefined);
    this.events.onActiveDevice(
      this.activeDeviceId,
      'The microphone was disconnected; switched to the default one.',
    );
  }

  private async handleDeviceChange(): Promise<void> {
    const devices = await listMicrophones();
    this.events.onDevices(devices);
    const stillThere = devices.some((d) => d.deviceId === this.activeDeviceId);
    if (this.activeDeviceId && !stillThere) {
      await this.reopen(undefined);
      this.events.onActiveDevice(
        this.activeDeviceId,
        'The microphone was disconnected; switched to the default one.',
      );
    } else if (
      this.wantedDeviceId &&
      this.wantedDeviceId !== this.activeDeviceId &&
      devices.some((d) => d.deviceId === this.wantedDeviceId)
    ) {
      // The preferred device came back: use it again.
      await this.reopen(this.wantedDeviceId);
    }
  }
}
