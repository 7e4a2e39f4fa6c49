import type { Command } from '../command';
import { analyzeCmd, jobsCmd, tracksCmd } from './analysisCommands';
import { auditExport, auditVerify } from './auditCommands';
import { caseCreate, caseInfo } from './caseCommands';
import { evidenceList, frameCmd, importCmd } from './evidenceCommands';
import { detectCmd, modelsCmd } from './models';

/** Every `sightline` command, in the order `--help` lists them. */
export const COMMANDS: readonly Command[] = [caseCreate, caseInfo, importCmd, evidenceList, frameCmd, analyzeCmd, tracksCmd, jobsCmd, auditVerify, auditExport, modelsCmd, detectCmd];
