/**
 * Text for a terminal: names and paths come from evidence (file names chosen by whoever made the footage, or by
 * an attacker), so they must never reach a terminal as control sequences. An ESC can clear the screen, move the
 * cursor or rewrite earlier lines; a CR or LF can forge a line of output ("imported … sha256 <other hash>"); a BEL
 * rings; bidi controls (RLO, isolates, marks) reorder what is shown so a name or hash reads differently from the
 * bytes. Every human (non-JSON) CLI output goes through this module: `--json` output stays exact (JSON escapes
 * control characters itself).
 *
 * Escapes are visible and unambiguous to a reader: C0/C1 controls and DEL as `\xHH`, bidi and line/paragraph
 * separators as `\u{HHHH}`. Backslashes are left alone so Windows paths stay readable.
 */

/** C0 controls, DEL, C1 controls. */
const CONTROL = '\\u0000-\\u001f\\u007f-\\u009f';
/** Bidi embeddings/overrides (U+202A–202E), isolates (U+2066–2069), LRM/RLM (U+200E/F), ALM (U+061C), line/paragraph separators. */
const BIDI = '\\u202a-\\u202e\\u2066-\\u2069\\u200e\\u200f\\u061c\\u2028\\u2029';

const ALL = new RegExp(`[${CONTROL}${BIDI}]`, 'gu');
/** The same, but keeping newlines and tabs: for whole texts whose line breaks are our own. */
const ALL_BUT_LAYOUT = new RegExp(`[${CONTROL.replace('\\u0000-\\u001f', '\\u0000-\\u0008\\u000b-\\u001f')}${BIDI}]`, 'gu');

function escapeChar(ch: string): string {
  const cp = ch.codePointAt(0)!;
  return cp <= 0xff ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u{${cp.toString(16)}}`;
}

/** One value (a name, a path, a message) made safe for a terminal: every control and bidi character escaped. */
export function escapeTerminal(value: unknown): string {
  return String(value).replace(ALL, escapeChar);
}

/**
 * A whole human-readable text whose newlines are the program's own: everything else that could act on the
 * terminal is escaped. The last line of defence behind `term`, for text a formatter forgot to tag.
 */
export function escapeTerminalText(text: string): string {
  return text.replace(ALL_BUT_LAYOUT, escapeChar);
}

/**
 * Tagged template for human output: every interpolated value is escaped (newlines included), the literal parts
 * (the formatter's own layout) are kept. `term\`imported #${e.id} ${e.originalName}\``.
 */
export function term(strings: TemplateStringsArray, ...values: unknown[]): string {
  let out = strings[0]!;
  values.forEach((v, i) => {
    out += escapeTerminal(v) + strings[i + 1]!;
  });
  return out;
}
