/** The report's sections, in order. A new kind of item adds its own file here and one line in this list. */
import type { ReportSection } from '../section';
import { enhancementsSection } from './enhancements';
import { evidenceSection } from './evidence';
import { framesSection } from './frames';
import { identificationsSection } from './identifications';
import { methodSection } from './method';
import { redactionSection } from './redaction';
import { summarySection } from './summary';

export const REPORT_SECTIONS: readonly ReportSection[] = [summarySection, evidenceSection, enhancementsSection, identificationsSection, framesSection, redactionSection, methodSection];
