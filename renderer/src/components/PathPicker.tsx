import { useEffect, useRef } from 'react';
import type { FolderEntry } from '../../../app/contract';
import { bytes, dateTime } from '../lib/format';
import { usePicker } from '../stores/pickerStore';

/**
 * The browser shell's file dialog (the desktop app uses the system's). Files: click to tick one or several.
 * Folders: double-click or Enter to go in. A path can be typed or pasted in the location field.
 */
export function PathPicker() {
  const { request, listing, location, selected, fileName, error, loading, browse, setLocation, setFileName, toggle, confirm, cancel } = usePicker();
  const list = useRef<HTMLUListElement>(null);

  useEffect(() => {
    if (!request) return;
    const onKey = (ev: KeyboardEvent): void => {
      if (ev.key === 'Escape') {
        ev.preventDefault();
        cancel();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [request, cancel]);

  if (!request) return null;
  const folderMode = request.mode === 'folder';
  const saveMode = request.mode === 'save';
  const selectable = (e: FolderEntry): boolean => (folderMode ? e.kind !== 'file' : e.kind === 'file');
  const enter = (e: FolderEntry): void => {
    if (saveMode && e.kind === 'file') {
      setFileName(e.name);
      return;
    }
    if (e.kind === 'folder') void browse(e.path);
    else if (e.kind === 'case' && folderMode) confirm([e.path]);
    else if (e.kind === 'file' && !folderMode) confirm(selected.includes(e.path) ? selected : [...selected, e.path]);
  };
  const moveFocus = (ev: React.KeyboardEvent, delta: number): void => {
    ev.preventDefault();
    const items = Array.from(list.current?.querySelectorAll<HTMLElement>('[data-entry]') ?? []);
    const i = items.indexOf(document.activeElement as HTMLElement);
    items[Math.max(0, Math.min(items.length - 1, i + delta))]?.focus();
  };

  const confirmLabel = saveMode ? 'Save' : folderMode ? (selected.length ? 'Choose selected folder' : 'Choose this folder') : `Choose ${selected.length || ''} file${selected.length === 1 ? '' : 's'}`.replace('  ', ' ');

  return (
    <div className="modal-backdrop">
      <div className="modal picker" role="dialog" aria-modal="true" aria-labelledby="picker-title" aria-busy={loading} data-testid="path-picker">
        <header className="panel-head">
          <h2 id="picker-title">{request.title}</h2>
          <span className="muted small">{saveMode ? 'Choose a folder and a file name' : folderMode ? 'Choose a folder' : 'Tick one or more files'}</span>
        </header>
        <form
          className="row picker-location"
          onSubmit={(ev) => {
            ev.preventDefault();
            void browse(location.trim());
          }}
        >
          <button type="button" className="small" disabled={!listing?.parent} onClick={() => listing?.parent && void browse(listing.parent)} title="Up one folder">
            ↑ Up
          </button>
          <input className="mono grow" aria-label="Location" data-testid="picker-location" value={location} onChange={(e) => setLocation(e.target.value)} />
          <button type="submit" className="small">
            Go
          </button>
        </form>
        <div className="picker-body">
          <nav className="picker-places" aria-label="Places">
            {listing?.places.map((p) => (
              <button key={p.path} type="button" className="link" onClick={() => void browse(p.path)} title={p.path}>
                {p.label}
              </button>
            ))}
          </nav>
          <ul className="picker-list" ref={list} role="listbox" aria-label="Folder contents" aria-busy={loading} aria-multiselectable={!folderMode}>
            {error && (
              <li className="error-text" role="alert" aria-live="assertive">
                {error}
              </li>
            )}
            {listing?.entries.length === 0 && !error && (
              <li className="empty" role="presentation">
                This folder is empty.
              </li>
            )}
            {listing?.entries.map((e) => {
              const isSel = selected.includes(e.path);
              return (
                <li key={e.path} role="presentation">
                  <div
                    role="option"
                    aria-selected={isSel}
                    tabIndex={0}
                    data-entry={e.kind}
                    data-testid="picker-entry"
                    data-name={e.name}
                    className={`picker-entry ${e.kind} ${isSel ? 'selected' : ''} ${selectable(e) ? '' : 'dim'}`}
                    onClick={(ev) => {
                      if (saveMode) {
                        if (e.kind === 'file') setFileName(e.name);
                        else if (e.kind === 'folder') void browse(e.path);
                        return;
                      }
                      if (selectable(e)) toggle(e.path, !folderMode || ev.ctrlKey || ev.metaKey);
                      else if (e.kind === 'folder') void browse(e.path);
                    }}
                    onDoubleClick={() => enter(e)}
                    onKeyDown={(ev) => {
                      if (ev.key === 'ArrowDown') moveFocus(ev, 1);
                      else if (ev.key === 'ArrowUp') moveFocus(ev, -1);
                      else if (ev.key === ' ' && selectable(e)) {
                        ev.preventDefault();
                        toggle(e.path, true);
                      } else if (ev.key === 'Enter') {
                        ev.preventDefault();
                        enter(e);
                      } else if (ev.key === 'Backspace' && listing.parent) {
                        ev.preventDefault();
                        void browse(listing.parent);
                      }
                    }}
                  >
                    <span className="picker-icon" aria-hidden>
                      {e.kind === 'file' ? (isSel ? '☑' : '☐') : e.kind === 'case' ? '◆' : '▸'}
                    </span>
                    <span className="picker-name">{e.name}</span>
                    <span className="picker-size mono muted">{e.kind === 'file' ? bytes(e.size) : e.kind === 'case' ? 'case' : ''}</span>
                    <span className="picker-date muted">{dateTime(e.modifiedAt)}</span>
                  </div>
                </li>
              );
            })}
          </ul>
        </div>
        <footer className="row end">
          {saveMode ? (
            <label className="row grow picker-filename">
              <span className="small">File name</span>
              <input
                className="mono grow"
                data-testid="picker-filename"
                aria-label="File name"
                value={fileName}
                onChange={(ev) => setFileName(ev.target.value)}
                onKeyDown={(ev) => {
                  if (ev.key === 'Enter') {
                    ev.preventDefault();
                    confirm();
                  }
                }}
              />
            </label>
          ) : (
            <span className="muted small grow mono picker-selection">{selected.length > 0 ? selected.join('  ·  ') : listing?.dir}</span>
          )}
          <button type="button" onClick={cancel}>
            Cancel
          </button>
          <button type="button" className="primary" data-testid="picker-confirm" disabled={saveMode ? !fileName.trim() : !folderMode && selected.length === 0} onClick={() => confirm()}>
            {confirmLabel}
          </button>
        </footer>
      </div>
    </div>
  );
}
