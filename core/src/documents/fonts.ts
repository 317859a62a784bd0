/**
 * The CJK font the documents are set in. PDF's standard fonts have no Chinese glyphs, so a
 * real font file is embedded (pdfkit subsets it: only the glyphs used are written).
 *
 * Preferred: Noto Serif CJK SC (Debian package `fonts-noto-cjk`), a Song/Ming style face as
 * on printed official documents, with a real bold for titles. The files are OpenType
 * collections (.ttc); pdfkit picks the face out of a collection by its PostScript name, so
 * each candidate names it (`family`).
 *
 * Override with the environment: KUAICHU_CJK_FONT=/path/to/font.(ttf|otf|ttc), plus
 * KUAICHU_CJK_FONT_FAMILY=<PostScript name> when that file is a collection, and optionally
 * KUAICHU_CJK_FONT_BOLD / KUAICHU_CJK_FONT_BOLD_FAMILY for the bold face.
 */
import { existsSync } from 'node:fs';

/** The Debian package the bootstrap installs so documents render Chinese. */
export const CJK_FONT_PACKAGE = 'fonts-noto-cjk';

export interface CjkFontFace {
  path: string;
  /** PostScript name of the face inside a collection (.ttc); omitted for single-font files. */
  family?: string;
}

export interface CjkFont extends CjkFontFace {
  /** A bold face of the same design; without one, titles use the regular face. */
  bold?: CjkFontFace;
}

interface Candidate extends CjkFont {
  /** Where this candidate comes from, for messages. */
  source: string;
}

const NOTO_DIRS = [
  '/usr/share/fonts/opentype/noto', // Debian, Ubuntu (fonts-noto-cjk)
  '/usr/share/fonts/google-noto-cjk', // Fedora
  '/usr/share/fonts/noto-cjk', // Arch, Alpine
];

function noto(dir: string, style: 'Serif' | 'Sans'): Candidate {
  return {
    source: `${CJK_FONT_PACKAGE} (${style})`,
    path: `${dir}/Noto${style}CJK-Regular.ttc`,
    family: `Noto${style}CJKsc-Regular`,
    bold: { path: `${dir}/Noto${style}CJK-Bold.ttc`, family: `Noto${style}CJKsc-Bold` },
  };
}

/** Known locations, best first. */
export const KNOWN_CJK_FONTS: readonly Candidate[] = [
  ...NOTO_DIRS.map((d) => noto(d, 'Serif')),
  ...NOTO_DIRS.map((d) => noto(d, 'Sans')),
  { source: 'fonts-wqy-microhei', path: '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc', family: 'WenQuanYiMicroHei' },
  { source: 'fonts-wqy-zenhei', path: '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc', family: 'WenQuanYiZenHei' },
];

export interface FindCjkFontOptions {
  /** Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Defaults to KNOWN_CJK_FONTS. */
  candidates?: readonly CjkFont[];
  /** Defaults to fs.existsSync. */
  exists?: (path: string) => boolean;
}

/**
 * The first CJK font found: KUAICHU_CJK_FONT if set, else the known locations. Null when
 * there is none. Throws when KUAICHU_CJK_FONT names a file that does not exist, since a
 * silently ignored setting is worse than a clear failure.
 */
export function findCjkFont(options: FindCjkFontOptions = {}): CjkFont | null {
  const env = options.env ?? process.env;
  const exists = options.exists ?? existsSync;
  const override = env.KUAICHU_CJK_FONT?.trim();
  if (override) {
    if (!exists(override)) throw new Error(`KUAICHU_CJK_FONT=${override}: no such file`);
    const font: CjkFont = { path: override };
    const family = env.KUAICHU_CJK_FONT_FAMILY?.trim();
    if (family) font.family = family;
    else if (/\.ttc$/i.test(override)) {
      throw new Error(`KUAICHU_CJK_FONT=${override} is a font collection: set KUAICHU_CJK_FONT_FAMILY to the PostScript name of the face to use (e.g. NotoSerifCJKsc-Regular; list them with \`fc-scan --format "%{postscriptname}\\n" ${override}\`)`);
    }
    const bold = env.KUAICHU_CJK_FONT_BOLD?.trim();
    if (bold) {
      if (!exists(bold)) throw new Error(`KUAICHU_CJK_FONT_BOLD=${bold}: no such file`);
      const boldFamily = env.KUAICHU_CJK_FONT_BOLD_FAMILY?.trim();
      font.bold = boldFamily ? { path: bold, family: boldFamily } : { path: bold };
    }
    return font;
  }
  for (const c of options.candidates ?? KNOWN_CJK_FONTS) {
    if (!exists(c.path)) continue;
    const font: CjkFont = c.family ? { path: c.path, family: c.family } : { path: c.path };
    if (c.bold && exists(c.bold.path)) font.bold = { ...c.bold };
    return font;
  }
  return null;
}

/** Like findCjkFont, but throws an Error telling the operator what to install. */
export function requireCjkFont(options: FindCjkFontOptions = {}): CjkFont {
  const font = findCjkFont(options);
  if (font) return font;
  const looked = (options.candidates ?? KNOWN_CJK_FONTS).map((c) => c.path).join(', ');
  throw new Error(
    `No CJK font found to render Chinese documents. Install the Debian package ${CJK_FONT_PACKAGE} ` +
      `(apt-get install ${CJK_FONT_PACKAGE}) or set KUAICHU_CJK_FONT to a font file. Looked in: ${looked}`,
  );
}
