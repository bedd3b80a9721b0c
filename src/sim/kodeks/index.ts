/** The Kodeks ПК simulator: one server, a fleet, and the report generators behind them. */
export {
  startKodeksServer,
  type KodeksServer,
  type KodeksServerOptions,
  type SimServerState,
} from './server.js';
export { startFleet, fleetMemberSeed, type Fleet, type FleetOptions } from './fleet.js';
export {
  makeProfile,
  isClientProfile,
  type ClientProfile,
  type ProfileOptions,
  type SimUser,
} from './profile.js';
export {
  FAULTS,
  FaultRequestSchema,
  type Fault,
  type FaultOptions,
  type FaultState,
  type ActiveFault,
} from './faults.js';
export {
  generateSysinfoXml,
  generateSysinfoXmlString,
  generateSysinfoZip,
  generateSysinfoZipBuffer,
  sysinfoFileName,
  sysinfoXmlText,
  type SysinfoOptions,
} from './sysinfo-xml.js';
export {
  generateStatusText,
  generateLegacyMetricsText,
  generateStatusFile,
  httpDate,
  type MetricsOptions,
} from './metrics-text.js';
export { pageState, PAGE_TEXT, type PageState } from './page-state.js';
export { profileForReportSize } from './size.js';
