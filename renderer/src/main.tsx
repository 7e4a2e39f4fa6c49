/**
 * Start-up: make sure `window.sightline` exists (preload in the desktop app, WebSocket bridge in a browser), wire
 * main's events into the stores once, report stray errors as messages, then render.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { installBrowserBridge } from './bridge/browserBridge';
import { useApp } from './stores/appStore';
import { wireEvents } from './stores/events';
import { toastError } from './stores/toastStore';
import './styles.css';

const onConnection = installBrowserBridge();
if (onConnection) onConnection((s) => useApp.getState().setConnection(s));
else useApp.getState().setConnection('open');

if (window.sightline) {
  wireEvents(window.sightline);
  void useApp.getState().load();
} else {
  useApp.setState({ fatal: 'No bridge to the Sightline service: open the address printed by npm start (it carries the access token).' });
}

// Anything thrown outside React's render (a handler, a promise nobody awaited) becomes a message, not silence.
window.addEventListener('unhandledrejection', (ev) => toastError('Unexpected error', ev.reason));
window.addEventListener('error', (ev) => toastError('Unexpected error', ev.error ?? ev.message));

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
