/** Whether a key event belongs to a text field (where arrows move the caret, not the frame). */
export function isTyping(ev: KeyboardEvent): boolean {
  const t = ev.target as HTMLElement | null;
  if (!t) return false;
  return t.isContentEditable || t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT';
}

/** Whether a modal (the in-app file dialog) owns the keyboard. */
export function modalOpen(): boolean {
  return document.querySelector('[aria-modal="true"]') !== null;
}
