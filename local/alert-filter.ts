import { SEVERITIES, type Severity } from '../model/index.js';
import type { AlertFilter } from '../storage/index.js';

/** An alert filter from query-string or command-line values; throws on a bad severity or limit. */
export function alertFilter(values: {
  rule?: string;
  severity?: string;
  server?: string;
  session?: string;
  user?: string;
  tenant?: string;
  limit?: string;
}): AlertFilter {
  const filter: AlertFilter = {};
  if (values.rule) filter.rule = values.rule;
  if (values.server) filter.serverName = values.server;
  if (values.session) filter.sessionId = values.session;
  if (values.user) filter.userId = values.user;
  if (values.tenant) filter.tenant = values.tenant;
  if (values.severity) {
    if (!(SEVERITIES as readonly string[]).includes(values.severity)) {
      throw new Error(`severity '${values.severity}' is not one of ${SEVERITIES.join(', ')}`);
    }
    filter.minSeverity = values.severity as Severity;
  }
  if (values.limit) {
    const limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) {
      throw new Error(`limit '${values.limit}' is not a number from 1 to 100000`);
    }
    filter.limit = limit;
  }
  return filter;
}
