/**
 * ffmpeg's stderr made into a reason a person can read. Raw stderr is a log for developers: component tags with
 * memory addresses (`[h264 @ 0x55d0c4a3b2c0]`), stream dumps, the scratch path of a file being imported. The
 * short reason goes into error messages and into the DAMAGED note stored with evidence; the raw text is kept
 * beside it (error `details.stderr`, the evidence record's `decoderLog`) for whoever needs it.
 */

export interface ReasonOptions {
  /** At most this many distinct lines, joined with " | " (default 2). */
  readonly lines?: number;
  /** Paths to show as another name (a scratch file as the original's name). */
  readonly rename?: ReadonlyArray<readonly [from: string, to: string]>;
}

/** Lines that describe the input or the run, not what went wrong. */
const NOISE = [
  /^(Input|Output) #\d/,
  /^Stream (#|mapping)/,
  /^(Metadata|Duration|Side data|Chapters?):/,
  /^Press \[q\]/,
  /^(frame|size)=\s*\d/,
  /^(ffmpeg|ffprobe) version /,
  /^(built with|configuration:|lib[a-z]+\s+\d)/,
  /^Last message repeated \d+ times/,
  /^video:\d+kB/,
];

/** One stderr line without its component tags: `[h264 @ 0x…] [IMGUTILS @ 0x…] text` → `h264: text`. */
export function cleanLine(line: string, rename: ReasonOptions['rename'] = []): string {
  let s = line.trim();
  const tags = /^\[([^\]@]+?) @ 0x[0-9a-f]+\]\s*(?:\[[^\]@]+? @ 0x[0-9a-f]+\]\s*)*/i.exec(s);
  // "NULL" is a component with no name (a decoder not yet opened): no prefix rather than a meaningless one.
  if (tags) s = tags[1]!.trim() === 'NULL' ? s.slice(tags[0].length) : `${tags[1]!.trim()}: ${s.slice(tags[0].length)}`;
  // Any address left (a tag later in the line): never part of a reason.
  s = s.replace(/\s*@ 0x[0-9a-f]{6,}/gi, '');
  for (const [from, to] of rename) if (from) s = s.split(from).join(to);
  return s.length > 240 ? `${s.slice(0, 239)}…` : s;
}

/** The distinct meaningful lines of a stderr text, cleaned, in order. */
export function meaningfulLines(stderr: string, rename: ReasonOptions['rename'] = []): string[] {
  const out: string[] = [];
  for (const raw of stderr.split(/\r?\n/)) {
    // Indented lines are parts of a dump (metadata, streams) under a header line.
    if (!raw.trim() || /^\s/.test(raw)) continue;
    const line = raw.trim();
    if (NOISE.some((re) => re.test(line))) continue;
    const clean = cleanLine(line, rename);
    if (clean && !out.includes(clean)) out.push(clean);
  }
  return out;
}

/** A short reason: the last distinct meaningful lines (ffmpeg states the cause last), or a fallback. */
export function ffmpegReason(stderr: string, opts: ReasonOptions = {}): string {
  const lines = meaningfulLines(stderr, opts.rename);
  if (lines.length === 0) return 'no message';
  return lines.slice(-(opts.lines ?? 2)).join(' | ');
}
