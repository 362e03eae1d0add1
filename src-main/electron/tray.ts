// The tray icon: its colour follows the connection state of the active gateway, and its
// menu starts/stops dictation (through the renderer, which owns the microphone), shows
// the window, or quits.
import { Menu, Tray, nativeImage } from 'electron';
import type { ConnectionState } from '../../src-shared/api/status.js';
import { trayColour, type TrayColour } from './tray-colour.js';
import { assetPath } from '../paths.js';

export interface TrayActions {
  toggleDictation(): void;
  show(): void;
  quit(): void;
}

export class AppTray {
  private readonly tray: Tray;
  private colour: TrayColour = 'grey';
  private recording = false;

  constructor(private readonly actions: TrayActions) {
    this.tray = new Tray(this.icon('grey'));
    this.tray.on('click', () => actions.show());
    this.render('idle');
  }

  private icon(colour: TrayColour) {
    return nativeImage.createFromPath(assetPath(`tray-${colour}.png`));
  }

  update(
    state: ConnectionState | undefined,
    healthy: boolean,
    embeddedUnavailable: boolean,
    recording: boolean,
  ): void {
    const colour = trayColour(state, healthy, embeddedUnavailable);
    if (colour !== this.colour) {
      this.colour = colour;
      this.tray.setImage(this.icon(colour));
    }
    if (recording !== this.recording) {
      this.recording = recording;
    }
    this.render(state ?? 'idle');
  }

  private render(state: string): void {
    this.tray.setToolTip(`Earshot: ${state.replace('_', ' ')}${this.recording ? ', recording' : ''}`);
    this.tray.setContextMenu(
      Menu.buildFromTemplate([
        {
          label: this.recording ? 'Stop dictation' : 'Start dictation',
          click: () => this.actions.toggleDictation(),
        },
        { label: 'Show Earshot', click: () => this.actions.show() },
        { type: 'separator' },
        { label: 'Quit', click: () => this.actions.quit() },
      ]),
    );
  }

  destroy(): void {
    this.tray.destroy();
  }
}
