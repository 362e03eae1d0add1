// Renderer entry: connects to main (Electron preload or the web host's socket), builds
// the stores and renders the app. Nothing here touches Node or Electron.
import './csp.js';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { connectEarshotApi } from '../src-shared/api/connect.js';
import { App } from './App.js';
import { AppContext, createAppContext } from './context.js';
import './theme.css';

function showFatal(message: string): void {
  const root = document.getElementById('root');
  if (!root) return;
  root.replaceChildren();
  const box = document.createElement('div');
  box.className = 'banner banner-error';
  box.style.margin = '24px';
  box.setAttribute('role', 'alert');
  box.textContent = message;
  root.append(box);
}

try {
  const api = connectEarshotApi();
  const context = createAppContext(api, window.location.hash);
  const element = document.getElementById('root');
  if (!element) throw new Error('the page has no #root element');
  createRoot(element).render(
    <StrictMode>
      <AppContext.Provider value={context}>
        <App />
      </AppContext.Provider>
    </StrictMode>,
  );
} catch (error) {
  showFatal(`Earshot could not start: ${(error as Error).message}`);
}
