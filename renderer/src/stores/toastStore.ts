/** Messages for the investigator. Errors stay until dismissed (they must be read); notices fade. */
import { create } from 'zustand';
import { describeError } from '../bridge/api';

export type ToastKind = 'error' | 'success' | 'info';

export interface Toast {
  readonly id: number;
  readonly kind: ToastKind;
  readonly title: string;
  readonly message?: string;
}

interface ToastState {
  toasts: Toast[];
  push(kind: ToastKind, title: string, message?: string): number;
  dismiss(id: number): void;
}

let nextId = 1;
const NOTICE_MS = 6000;
const MAX_SHOWN = 6;

export const useToasts = create<ToastState>()((set, get) => ({
  toasts: [],
  push(kind, title, message) {
    const id = nextId++;
    set((s) => ({ toasts: [...s.toasts, { id, kind, title, ...(message ? { message } : {}) }].slice(-MAX_SHOWN) }));
    if (kind !== 'error') setTimeout(() => get().dismiss(id), NOTICE_MS);
    return id;
  },
  dismiss(id) {
    set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) }));
  },
}));

export function toastError(title: string, e: unknown): void {
  useToasts.getState().push('error', title, describeError(e));
}

export function notify(title: string, message?: string): void {
  useToasts.getState().push('success', title, message);
}

/** Run a user action; a failure becomes an error toast titled with what was being done. */
export async function attempt<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (e) {
    toastError(what, e);
    return undefined;
  }
}
