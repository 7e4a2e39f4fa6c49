import type { Command } from '../command';
import { analyzeCmd, jobsCmd, tracksCmd } from './analysisCommands';
import { auditExport, auditVerify } from './auditCommands';
import { caseCreate, caseInfo } from './caseCommands';
import { enhanceCmd, enhancementsCmd, guardCmd, replayCmd } from './enhanceCommands';
import { evidenceList, frameCmd, importCmd } from './evidenceCommands';
import { detectCmd, modelsCmd } from './models';
import { benchIdentifyCmd } from './benchIdentify';
import { alertsCmd, appearancesCmd, concludeCmd, galleryAdd, galleryImport, galleryList, galleryReinstate, galleryRename, galleryRetire, identifyCmd, identifyGateCmd } from './identifyCommands';

/** Every `sightline` command, in the order `--help` lists them. */
export const COMMANDS: readonly Command[] = [caseCreate, caseInfo, importCmd, evidenceList, frameCmd, analyzeCmd, tracksCmd, enhanceCmd, enhancementsCmd, replayCmd, guardCmd, galleryAdd, galleryImport, galleryList, galleryRename, galleryRetire, galleryReinstate, identifyCmd, appearancesCmd, alertsCmd, concludeCmd, identifyGateCmd, jobsCmd, auditVerify, auditExport, modelsCmd, detectCmd, benchIdentifyCmd];
