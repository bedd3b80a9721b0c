/** Simulated ASRP: library entry point. docs/simulator-asrp.md. */
export {
  ASRP_UPLOAD_PATH,
  AsrpFaultSchema,
  compareVersions,
  DEFAULT_ASRP_LOGIN,
  DEFAULT_ASRP_PASSWORD,
  startAsrpSim,
} from './server.js';
export type { AsrpAnswer, AsrpFault, AsrpSim, AsrpSimOptions, ReceivedUpload } from './server.js';
