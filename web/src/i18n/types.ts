/** A section of the i18n table: key → Chinese and English text (both required). */
export type Messages = Record<string, { zh: string; en: string }>;
