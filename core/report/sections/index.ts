/**
 * The report's sections, in order. A new kind of item adds its own file here and one line in this list (e.g. an
 * `identificationsSection` after the enhancements, once gallery matching lands).
 */
import type { ReportSection } from '../section';
import { enhancementsSection } from './enhancements';
import { evidenceSection } from './evidence';
import { framesSection } from './frames';
import { methodSection } from './method';
import { redactionSection } from './redaction';
import { summarySection } from './summary';

export const REPORT_SECTIONS: readonly ReportSection[] = [summarySection, evidenceSection, enhancementsSection, framesSection, redactionSection, methodSection];
