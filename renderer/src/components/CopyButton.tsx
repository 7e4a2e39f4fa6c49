import { useToasts } from '../stores/toastStore';

/** Copies a value (a full hash) with feedback; falls back to a selection copy where the Clipboard API is denied. */
export function CopyButton({ value, label }: { readonly value: string; readonly label: string }) {
  const push = useToasts((s) => s.push);
  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(value);
    } catch {
      const ta = document.createElement('textarea');
      ta.value = value;
      ta.setAttribute('readonly', '');
      ta.style.position = 'fixed';
      ta.style.opacity = '0';
      document.body.appendChild(ta);
      ta.select();
      document.execCommand('copy');
      ta.remove();
    }
    push('info', `${label} copied`, value);
  };
  return (
    <button type="button" className="icon copy" title={`Copy ${label}`} aria-label={`Copy ${label}`} onClick={() => void copy()}>
      <svg width="12" height="12" viewBox="0 0 12 12" aria-hidden="true">
        <rect x="3.5" y="0.5" width="8" height="8" rx="1" fill="none" stroke="currentColor" />
        <rect x="0.5" y="3.5" width="8" height="8" rx="1" fill="var(--panel)" stroke="currentColor" />
      </svg>
    </button>
  );
}
