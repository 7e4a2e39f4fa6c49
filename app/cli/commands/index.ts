import type { Command } from '../command';
import { analyzeCmd, tracksCmd } from './analysisCommands';
import { auditExport, auditVerify } from './auditCommands';
import { caseCreate, caseInfo } from './caseCommands';
import { enhanceCmd, enhancementsCmd, guardCmd, replayCmd, trackNameCmd } from './enhanceCommands';
import { evidenceList, evidenceVerifyCmd, frameCmd, importCmd } from './evidenceCommands';
import { jobsCmd, jobsRetryCmd } from './jobCommands';
import { detectCmd, modelsCmd } from './models';
import { exportImageCmd, exportPackageCmd, redactAddCmd, redactListCmd, redactRemoveCmd, reportCmd, verifyPackageCmd } from './reportCommands';
import { benchIdentifyCmd } from './benchIdentify';
import { alertsCmd, appearancesCmd, concludeCmd, galleryAdd, galleryImport, galleryList, galleryReinstate, galleryRename, galleryRetire, identifyCmd, identifyGateCmd } from './identifyCommands';

/** Every `sightline` command, in the order `--help` lists them. */
export const COMMANDS: readonly Command[] = [caseCreate, caseInfo, importCmd, evidenceList, evidenceVerifyCmd, frameCmd, analyzeCmd, tracksCmd, trackNameCmd, enhanceCmd, enhancementsCmd, replayCmd, guardCmd, galleryAdd, galleryImport, galleryList, galleryRename, galleryRetire, galleryReinstate, identifyCmd, appearancesCmd, alertsCmd, concludeCmd, identifyGateCmd, jobsCmd, jobsRetryCmd, redactAddCmd, redactListCmd, redactRemoveCmd, exportImageCmd, reportCmd, exportPackageCmd, verifyPackageCmd, auditVerify, auditExport, modelsCmd, detectCmd, benchIdentifyCmd];
