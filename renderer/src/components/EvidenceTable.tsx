import { useEffect, useRef, useState } from 'react';
import type { Evidence } from '../../../app/contract';
import { bytes, dateTime, duration, shortHash } from '../lib/format';
import { CopyButton } from './CopyButton';

interface Props {
  readonly evidence: readonly Evidence[];
  readonly onOpen: (e: Evidence) => void;
}

/** The evidence list, keyboard-first: ↑/↓ select, Enter opens the clip. */
export function EvidenceTable({ evidence, onOpen }: Props) {
  const [sel, setSel] = useState(0);
  const body = useRef<HTMLTableSectionElement>(null);
  useEffect(() => {
    if (sel >= evidence.length) setSel(Math.max(0, evidence.length - 1));
  }, [evidence.length, sel]);

  const onKey = (ev: React.KeyboardEvent): void => {
    if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      ev.preventDefault();
      const next = Math.max(0, Math.min(evidence.length - 1, sel + (ev.key === 'ArrowDown' ? 1 : -1)));
      setSel(next);
      body.current?.querySelectorAll<HTMLTableRowElement>('tr')[next]?.focus();
    } else if (ev.key === 'Enter' && evidence[sel]) {
      onOpen(evidence[sel]);
    }
  };

  if (evidence.length === 0) {
    return <p className="empty">No evidence yet. Import clips or images with Import… (Ctrl+I), or drop files here.</p>;
  }
  return (
    <table className="grid evidence" aria-label="Evidence">
      <thead>
        <tr>
          <th className="num">#</th>
          <th>Name</th>
          <th>Type</th>
          <th>SHA-256</th>
          <th className="num">Duration</th>
          <th className="num">Frames</th>
          <th>Resolution</th>
          <th>Codec</th>
          <th className="num">Size</th>
          <th>Imported</th>
        </tr>
      </thead>
      <tbody ref={body} onKeyDown={onKey}>
        {evidence.map((e, i) => (
          <tr
            key={e.id}
            tabIndex={i === sel ? 0 : -1}
            className={i === sel ? 'selected' : undefined}
            data-testid="evidence-row"
            data-evidence-id={e.id}
            onClick={() => setSel(i)}
            onDoubleClick={() => onOpen(e)}
            onFocus={() => setSel(i)}
          >
            <td className="num">{e.id}</td>
            <td>
              <button type="button" className="link" onClick={() => onOpen(e)} title={e.sourcePath}>
                {e.originalName}
              </button>
              {e.warnings.length > 0 && (
                <span className="badge warn" title={e.warnings.join('\n')}>
                  damaged
                </span>
              )}
              {(e.integrity === 'altered' || e.integrity === 'missing') && (
                <span className="badge warn" data-testid="integrity-badge" title={e.integrity === 'altered' ? 'The stored file no longer matches the SHA-256 recorded at import; it is not used' : 'The stored file is missing from the case folder'}>
                  {e.integrity === 'altered' ? 'altered on disk' : 'file missing'}
                </span>
              )}
              {e.vfr && (
                <span className="badge" title="Variable frame rate: frame times come from the file, not from a fixed rate">
                  VFR
                </span>
              )}
            </td>
            <td>{e.kind}</td>
            <td className="hash">
              <span className="mono" title={`SHA-256 ${e.sha256}\nMD5 ${e.md5}`}>
                {shortHash(e.sha256)}…
              </span>
              <CopyButton value={e.sha256} label={`SHA-256 of ${e.originalName}`} />
              <CopyButton value={e.md5} label={`MD5 of ${e.originalName}`} />
            </td>
            <td className="num">{e.kind === 'video' ? duration(e.duration) : '—'}</td>
            <td className="num">{e.frameCount}</td>
            <td className="mono">
              {e.width}×{e.height}
              {e.fps ? <span className="muted"> @ {Number(e.fps.toFixed(3))} fps</span> : null}
            </td>
            <td>{e.codec}</td>
            <td className="num">{bytes(e.size)}</td>
            <td title={`${e.importedAt} (UTC) by ${e.importedBy}${e.ffmpeg ? `; indexed by ffmpeg ${e.ffmpeg.version} (${e.ffmpeg.source})` : ''}`}>{dateTime(e.importedAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
