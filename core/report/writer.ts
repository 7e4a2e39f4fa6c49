/**
 * A small layout layer over pdfkit for the evidence report: headings, paragraphs, label/value lists, tables,
 * images with captions, the tier banner, page breaks that keep a block together, and the footer on every page.
 *
 * Deterministic by construction: fonts are embedded from the DejaVu TTF files of the `dejavu-fonts-ttf` package
 * (never the PDF base-14 fonts, whose metrics and glyphs depend on the viewer), the document's dates and ID are
 * set by the caller, and nothing reads the clock or a random source. pdfkit subsets each font under a tag
 * derived from its resource name, so the same text gives the same bytes.
 */
import fs from 'node:fs';
import path from 'node:path';
import PDFDocument from 'pdfkit';
import { SightlineError } from '../../domain/errors';
import { APP_ROOT } from '../../platform/appInfo';

const FONT_FILES = { sans: 'DejaVuSans.ttf', bold: 'DejaVuSans-Bold.ttf', mono: 'DejaVuSansMono.ttf' } as const;
export type FontName = keyof typeof FONT_FILES;

/** The DejaVu TTF files (DejaVu fonts licence: free to embed and redistribute; see dejavu-fonts-ttf/LICENSE). */
export function fontPath(name: FontName): string {
  const dirs = [path.join(APP_ROOT, 'node_modules', 'dejavu-fonts-ttf', 'ttf')];
  try {
    dirs.unshift(path.join(path.dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf'));
  } catch {
    // resolved from APP_ROOT below
  }
  for (const d of dirs) {
    const p = path.join(d, FONT_FILES[name]);
    if (fs.existsSync(p)) return p;
  }
  throw new SightlineError('TOOL_FAILED', `the report font ${FONT_FILES[name]} is missing: run the setup command (npm run setup)`);
}

export const COLOURS = {
  text: '#111111',
  muted: '#555555',
  rule: '#999999',
  evidential: '#1f5f2a',
  evidentialBg: '#e6f2e8',
  investigative: '#8a3b00',
  investigativeBg: '#fff0dc',
  fail: '#a40000',
  failBg: '#fde4e4',
  box: '#0057b8',
} as const;

export interface WriterOptions {
  readonly title: string;
  readonly author: string;
  readonly subject: string;
  readonly keywords: string;
  readonly creator: string;
  /** The document's creation and modification date (the case state's time, not the clock). */
  readonly date: Date;
  /** 16 bytes: the PDF's file identifier (derived from the report id). */
  readonly fileId: Buffer;
  /** Printed in every page's footer. */
  readonly footer: (page: number, pages: number) => string;
}

export class ReportWriter {
  readonly doc: PDFKit.PDFDocument;
  private readonly chunks: Buffer[] = [];
  private readonly ended: Promise<Buffer>;

  constructor(private readonly opts: WriterOptions) {
    this.doc = new PDFDocument({
      size: 'A4',
      margins: { top: 50, bottom: 60, left: 50, right: 50 },
      autoFirstPage: false,
      bufferPages: true,
      compress: true,
      pdfVersion: '1.7',
      lang: 'en-GB',
      displayTitle: true,
      info: {
        Title: opts.title,
        Author: opts.author,
        Subject: opts.subject,
        Keywords: opts.keywords,
        Creator: opts.creator,
        Producer: opts.creator,
        CreationDate: opts.date,
        ModDate: opts.date,
      },
    });
    // pdfkit derives the trailer /ID from the info dictionary; set it from the report id so that it is ours.
    (this.doc as unknown as { _id: Buffer })._id = opts.fileId;
    for (const name of Object.keys(FONT_FILES) as FontName[]) this.doc.registerFont(name, fontPath(name));
    this.doc.on('data', (c: Buffer) => this.chunks.push(c));
    this.ended = new Promise((resolve, reject) => {
      this.doc.on('end', () => resolve(Buffer.concat(this.chunks)));
      this.doc.on('error', reject);
    });
    this.newPage();
  }

  get contentWidth(): number {
    const p = this.doc.page;
    return p.width - p.margins.left - p.margins.right;
  }

  get left(): number {
    return this.doc.page.margins.left;
  }

  private get bottom(): number {
    return this.doc.page.height - this.doc.page.margins.bottom;
  }

  newPage(): void {
    this.doc.addPage();
    this.doc.font('sans').fontSize(10).fillColor(COLOURS.text);
  }

  /** Start a new page unless `height` points still fit on this one. */
  ensureSpace(height: number): void {
    if (this.doc.y + height > this.bottom) this.newPage();
  }

  heading(text: string, level: 1 | 2 | 3 = 1): void {
    const size = level === 1 ? 16 : level === 2 ? 13 : 11;
    this.ensureSpace(size * 3 + 30);
    if (level === 1 && this.doc.y > this.doc.page.margins.top + 1) this.doc.moveDown(0.6);
    this.doc.font('bold').fontSize(size).fillColor(COLOURS.text).text(text, this.left, this.doc.y, { width: this.contentWidth });
    if (level === 1) {
      const y = this.doc.y + 2;
      this.doc.moveTo(this.left, y).lineTo(this.left + this.contentWidth, y).lineWidth(0.7).strokeColor(COLOURS.rule).stroke();
      this.doc.y = y + 6;
    } else {
      this.doc.moveDown(0.3);
    }
    this.doc.font('sans').fontSize(10);
  }

  para(text: string, opts: { font?: FontName; size?: number; colour?: string; gap?: number } = {}): void {
    this.doc
      .font(opts.font ?? 'sans')
      .fontSize(opts.size ?? 10)
      .fillColor(opts.colour ?? COLOURS.text)
      .text(text, this.left, this.doc.y, { width: this.contentWidth, align: 'left', lineGap: 1.5 });
    this.doc.moveDown(opts.gap ?? 0.5);
    this.doc.fillColor(COLOURS.text).font('sans').fontSize(10);
  }

  /** Label/value rows; values in a monospaced font when `mono` (hashes), wrapped to the column. */
  keyValues(rows: ReadonlyArray<readonly [string, string, { mono?: boolean; colour?: string }?]>, labelWidth = 130): void {
    const d = this.doc;
    const valueWidth = this.contentWidth - labelWidth - 8;
    for (const [label, value, o] of rows) {
      d.font(o?.mono ? 'mono' : 'sans').fontSize(o?.mono ? 8.5 : 9.5);
      const h = Math.max(d.heightOfString(value || '—', { width: valueWidth }), d.font('sans').fontSize(9.5).heightOfString(label, { width: labelWidth }));
      this.ensureSpace(h + 3);
      const y = d.y;
      d.font('sans').fontSize(9.5).fillColor(COLOURS.muted).text(label, this.left, y, { width: labelWidth });
      d.font(o?.mono ? 'mono' : 'sans')
        .fontSize(o?.mono ? 8.5 : 9.5)
        .fillColor(o?.colour ?? COLOURS.text)
        .text(value || '—', this.left + labelWidth + 8, y, { width: valueWidth });
      d.y = y + h + 3;
    }
    d.fillColor(COLOURS.text).font('sans').fontSize(10);
    d.moveDown(0.4);
  }

  /** A simple table: header row, fixed column widths (fractions of the content width), small type. */
  table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>, widths: readonly number[], opts: { mono?: readonly boolean[]; size?: number } = {}): void {
    const d = this.doc;
    const size = opts.size ?? 8;
    const cols = widths.map((w) => w * this.contentWidth);
    const drawRow = (cells: readonly string[], header: boolean): void => {
      const heights = cells.map((t, i) => {
        d.font(header ? 'bold' : opts.mono?.[i] ? 'mono' : 'sans').fontSize(size);
        return d.heightOfString(t || '—', { width: cols[i]! - 4 });
      });
      const h = Math.max(...heights) + 4;
      if (d.y + h > this.bottom) {
        this.newPage();
        if (!header) drawRow(headers, true);
      }
      const y = d.y;
      let x = this.left;
      cells.forEach((t, i) => {
        d.font(header ? 'bold' : opts.mono?.[i] ? 'mono' : 'sans')
          .fontSize(size)
          .fillColor(header ? COLOURS.muted : COLOURS.text)
          .text(t || '—', x + 2, y + 2, { width: cols[i]! - 4 });
        x += cols[i]!;
      });
      d.moveTo(this.left, y + h).lineTo(this.left + this.contentWidth, y + h).lineWidth(0.3).strokeColor(COLOURS.rule).stroke();
      d.y = y + h;
    };
    this.ensureSpace(40);
    drawRow(headers, true);
    for (const r of rows) drawRow(r, false);
    d.fillColor(COLOURS.text).font('sans').fontSize(10);
    d.moveDown(0.6);
  }

  /** A coloured banner (the tier label, a failed guard). */
  banner(text: string, colour: string, background: string, size = 10): void {
    const d = this.doc;
    d.font('bold').fontSize(size);
    const h = d.heightOfString(text, { width: this.contentWidth - 16 }) + 10;
    this.ensureSpace(h + 6);
    const y = d.y;
    d.rect(this.left, y, this.contentWidth, h).fillColor(background).fill();
    d.rect(this.left, y, 4, h).fillColor(colour).fill();
    d.fillColor(colour).text(text, this.left + 12, y + 5, { width: this.contentWidth - 16 });
    d.y = y + h + 6;
    d.fillColor(COLOURS.text).font('sans').fontSize(10);
  }

  /**
   * Images side by side in one row, each scaled to `height` points (the pixels themselves were enlarged with
   * nearest-neighbour before embedding, so no viewer smooths them), with a caption under each and optional
   * rectangles drawn over them (in image pixels).
   */
  imageRow(items: ReadonlyArray<{ png: Buffer; width: number; height: number; caption: string; captionColour?: string; boxes?: ReadonlyArray<{ x: number; y: number; w: number; h: number; colour: string }> }>, height: number, gap = 12): void {
    const d = this.doc;
    const widths = items.map((i) => (i.width * height) / i.height);
    const total = widths.reduce((a, b) => a + b, 0) + gap * (items.length - 1);
    const scale = total > this.contentWidth ? this.contentWidth / total : 1;
    const h = height * scale;
    d.font('sans').fontSize(7.5);
    const capH = Math.max(...items.map((it, k) => d.heightOfString(it.caption, { width: Math.max(60, widths[k]! * scale) })));
    this.ensureSpace(h + capH + 10);
    const y = d.y;
    let x = this.left;
    items.forEach((it, k) => {
      const w = widths[k]! * scale;
      d.image(it.png, x, y, { width: w, height: h });
      d.rect(x, y, w, h).lineWidth(0.4).strokeColor(COLOURS.rule).stroke();
      for (const b of it.boxes ?? []) {
        const f = w / it.width;
        d.rect(x + b.x * f, y + b.y * f, b.w * f, b.h * f).lineWidth(1).strokeColor(b.colour).stroke();
      }
      d.font('sans').fontSize(7.5).fillColor(it.captionColour ?? COLOURS.muted).text(it.caption, x, y + h + 3, { width: Math.max(60, w) });
      x += w + gap * scale;
    });
    d.y = y + h + capH + 8;
    d.fillColor(COLOURS.text).font('sans').fontSize(10);
  }

  /** Write the footer on every page, end the document and return its bytes. */
  async finish(): Promise<Buffer> {
    const d = this.doc;
    const range = d.bufferedPageRange();
    for (let i = range.start; i < range.start + range.count; i++) {
      d.switchToPage(i);
      const bottomMargin = d.page.margins.bottom;
      // Writing inside the bottom margin would make pdfkit add a page; lift the margin while drawing the footer.
      d.page.margins.bottom = 0;
      const y = d.page.height - 38;
      d.moveTo(this.left, y - 4).lineTo(this.left + this.contentWidth, y - 4).lineWidth(0.4).strokeColor(COLOURS.rule).stroke();
      d.font('sans').fontSize(7.5).fillColor(COLOURS.muted).text(this.opts.footer(i - range.start + 1, range.count), this.left, y, { width: this.contentWidth, align: 'center', lineBreak: false });
      d.page.margins.bottom = bottomMargin;
    }
    d.flushPages();
    d.end();
    return this.ended;
  }
}
