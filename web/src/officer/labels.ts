/** The label of an evidence item: its checklist line's (from the city profile), or the desk's own for extra items. */
import type { CaseView } from '@kuaichu/core/generated/types.ts';
import { local, t, table } from '../i18n/index.svelte.ts';

export function itemLabel(view: CaseView, item: string): string {
  const line = view.checklist?.lines.find((l) => l.id === item);
  if (line) return local(line.label);
  return `officer.item.${item}` in table ? t(`officer.item.${item}`) : item;
}
