export { scanMain } from './scan-command.js';
export {
  findHostConfigs,
  parseHostConfig,
  readHostConfig,
  stripJsonComments,
  WELL_KNOWN_CONFIGS,
  HostConfigError,
  type HostConfig,
  type ConfiguredServer,
  type ServerLaunch,
  type HostName,
} from './host-configs.js';
export { probeServer, type ProbeResult, type ServerCatalog } from './server-probe.js';
export { scanFindings, type ScanFinding, type ServerScan, type PinFile } from './scan-findings.js';
