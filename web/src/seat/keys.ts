/**
 * The console's keyboard rule: a plain letter is a shortcut unless the seat is typing in a
 * field (then Alt+letter is); Ctrl/Meta combinations and held keys are never shortcuts.
 */
export function isTyping(e: KeyboardEvent): boolean {
  return Boolean((e.target as HTMLElement | null)?.closest?.('input:not([type="radio"]):not([type="checkbox"]), textarea, select, [contenteditable="true"]'));
}

/** True when `e` should trigger the shortcut for `code` (e.g. 'KeyC'). */
export function shortcut(e: KeyboardEvent, code: string): boolean {
  if (e.code !== code || e.ctrlKey || e.metaKey || e.repeat) return false;
  if (document.querySelector('dialog[open]')) return false;
  return !isTyping(e) || e.altKey;
}
