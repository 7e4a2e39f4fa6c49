export function ProgressBar({ value, label, state }: { readonly value: number; readonly label: string; readonly state?: string }) {
  return (
    <div className={`progress ${state ? `progress-${state}` : ''}`} role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={value}>
      <div className="progress-fill" style={{ width: `${value}%` }} />
    </div>
  );
}
