import type { Command } from '../command';
import { analyzeCmd, jobsCmd, tracksCmd } from './analysisCommands';
import { auditExport, auditVerify } from './auditCommands';
import { caseCreate, caseInfo } from './caseCommands';
import { enhanceCmd, enhancementsCmd, guardCmd, replayCmd, trackNameCmd } from './enhanceCommands';
import { evidenceList, frameCmd, importCmd } from './evidenceCommands';
import { detectCmd, modelsCmd } from './models';

/** Every `sightline` command, in the order `--help` lists them. */
export const COMMANDS: readonly Command[] = [caseCreate, caseInfo, importCmd, evidenceList, frameCmd, analyzeCmd, tracksCmd, trackNameCmd, enhanceCmd, enhancementsCmd, replayCmd, guardCmd, jobsCmd, auditVerify, auditExport, modelsCmd, detectCmd];
