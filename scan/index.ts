export { scanMain } from './scan-command.js';
export { findHostConfigs, parseHostConfig, stripJsonComments, HostConfigError } from './host-configs.js';
export { scanFindings, type ServerScan } from './scan-findings.js';
