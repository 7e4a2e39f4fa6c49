import { Component, type ErrorInfo, type ReactNode } from 'react';

interface Props {
  readonly children: ReactNode;
  /** What the investigator can do instead of the broken view. */
  readonly onLeave?: () => void;
  readonly leaveLabel?: string;
}

interface State {
  readonly error: Error | null;
}

/** A render error in one view shows a message and a way out, never a blank window. */
export class ErrorBoundary extends Component<Props, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: unknown): State {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error('view crashed', error, info.componentStack);
  }

  override render(): ReactNode {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <div className="view-error" role="alert">
        <h2>This view stopped working</h2>
        <p className="mono">{error.message || error.name}</p>
        <p className="muted">The case itself is unaffected: nothing is written by showing a view.</p>
        <div className="row">
          {this.props.onLeave && (
            <button
              type="button"
              onClick={() => {
                this.setState({ error: null });
                this.props.onLeave?.();
              }}
            >
              {this.props.leaveLabel ?? 'Back'}
            </button>
          )}
          <button type="button" onClick={() => this.setState({ error: null })}>
            Try again
          </button>
        </div>
      </div>
    );
  }
}
