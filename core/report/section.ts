/**
 * The report is a list of sections (sections/index.ts), each one file: it says whether it has anything to show
 * for the examiner's choices and draws itself with the ReportWriter. A new kind of item (identifications, once
 * that feature lands) adds one section file and its line in the list; the case data, images and redaction are
 * shared through `ReportData`, and a section may read the case (`data.case`) for its own records.
 */
import type { CaseHandle, CaseInfo } from '../case';
import type { Enhancement, ReplayRecord } from '../enhance/records';
import type { Evidence } from '../evidence';
import type { Identification } from '../identify/identifications';
import type { Conclusion } from '../identify/conclusions';
import type { FrameInfo } from '../frames';
import type { ExportImage, PreparedImages } from '../export/images';
import type { CaseState, ExportSelection } from '../export/selection';
import type { ReportWriter } from './writer';

export interface ReportEnhancement {
  readonly record: Enhancement;
  readonly frames: FrameInfo[];
  readonly replays: ReplayRecord[];
}

export interface ReportData {
  readonly case: CaseHandle;
  readonly info: CaseInfo;
  /** Who produced the report (the acting examiner). */
  readonly producedBy: string;
  readonly appVersion: string;
  readonly reportId: string;
  readonly state: CaseState;
  readonly selection: ExportSelection;
  /** Every evidence item the chosen items come from, by id. */
  readonly evidence: Evidence[];
  readonly enhancements: ReportEnhancement[];
  /** The chosen identifications with every conclusion recorded on them (oldest first). */
  readonly identifications: Array<{ readonly record: Identification; readonly conclusions: Conclusion[] }>;
  readonly frames: Array<{ readonly info: FrameInfo; readonly evidence: Evidence }>;
  readonly images: PreparedImages;
  /** The prepared image of a role (and frame) of an enhancement, or of a chosen frame. */
  image(role: ExportImage['role'], enhancementId: number | null, frame?: number | null, evidenceId?: number): ExportImage | undefined;
  /**
   * The image as drawn on the page: crops enlarged by an integer factor with nearest-neighbour (each source
   * pixel a visible square, nothing smoothed); whole frames and results as they are.
   */
  display(img: ExportImage): DisplayImage;
}

export interface DisplayImage {
  readonly png: Buffer;
  readonly width: number;
  readonly height: number;
  /** Integer enlargement (1 = as exported). */
  readonly factor: number;
}

export interface ReportSection {
  readonly id: string;
  readonly title: string;
  applies(data: ReportData): boolean;
  render(w: ReportWriter, data: ReportData): void;
}
