// What the Grafana ClickHouse data source plugin (grafana-clickhouse-datasource v4) does to a panel's
// rawSql before ClickHouse sees it, in its order, so tests can run the committed SQL as Grafana would:
//
// 1. Front end, CHDatasource.applyTemplateVariables (src/data/CHDatasource.ts):
//    a. applyConditionalAll: each `$__conditionalAll(condition, $var)`, last first, becomes `1=1` when
//       the variable's current value is '' or '$__all' ("All"), else `condition`.
//    b. getTemplateSrv().replace(sql, scopedVars, format): `$var`, `${var}`, `${var:fmt}`, `[[var]]`.
//       With no `:fmt` the plugin's format() applies: a multi-value becomes 'a','b' (no escaping), a
//       single value goes in raw. `:singlequote` (Grafana's formatRegistry) quotes each value and
//       escapes ' as \'. Unknown names (e.g. `$__timeFilter`) are left alone.
// 2. Back end, sqlds interpolate (grafana/sqlds macros.go) with the plugin's macros
//    (pkg/macros/macros.go): each `$__name\b` optionally followed by `(args)` (up to the first `)`,
//    split on commas, trimmed) is replaced by:
//      timeFilter(c)     c >= toDateTime(<from s>) AND c <= toDateTime(<to s>)
//      timeFilter_ms(c)  c >= fromUnixTimestamp64Milli(<from ms>) AND c <= fromUnixTimestamp64Milli(<to ms>)
//      fromTime / toTime toDateTime(<s>);  fromTime_ms / toTime_ms  fromUnixTimestamp64Milli(<ms>)
//      dateFilter(c)     c >= toDate('YYYY-MM-DD') AND c <= toDate('YYYY-MM-DD')
//      dateTimeFilter(d, t) / dt(d, t)   (date filter on d) AND (time filter on t)
//      timeInterval(c)   toStartOfInterval(toDateTime(c), INTERVAL <interval s, at least 1> second)
//      timeInterval_ms(c) toStartOfInterval(toDateTime64(c, 3), INTERVAL <interval ms> millisecond)
//      interval_s        <interval s, at least 1>
//    Times are whole seconds (Go's t.Unix(), which floors).

export type VariableValue = string | string[];

export interface GrafanaRequest {
  fromMs: number;
  toMs: number;
  intervalMs: number;
  /** Current value of each dashboard variable; `['$__all']` is "All". */
  variables: Record<string, VariableValue>;
}

const ALL = '$__all';

/** Arguments of the call whose `(` is at `open` (CHDatasource.getMacroArgs: commas at depth 1). */
function macroArgs(text: string, open: number): { args: string[]; end: number } | undefined {
  const args: string[] = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    if (ch === ',' && depth === 1) {
      args.push(text.slice(start, i));
      start = i + 1;
    }
    if (depth === 0) {
      args.push(text.slice(start, i));
      return { args, end: i + 1 };
    }
  }
  return undefined;
}

export function applyConditionalAll(sql: string, variables: Record<string, VariableValue>): string {
  const macro = '$__conditionalAll(';
  let out = sql;
  let at = out.lastIndexOf(macro);
  while (at !== -1) {
    const parsed = macroArgs(out, at + macro.length - 1);
    if (parsed === undefined || parsed.args.length !== 2) return out;
    const [phrase, ref] = parsed.args as [string, string];
    const name = ref.trim().slice(1);
    const value = name in variables ? String(variables[name]) : undefined;
    const replacement = value === '' || value === ALL ? '1=1' : phrase;
    out = out.slice(0, at) + replacement + out.slice(parsed.end);
    at = out.lastIndexOf(macro);
  }
  return out;
}

function singleQuote(value: VariableValue): string {
  const quote = (v: string) => `'${v.replace(/'/g, "\\'")}'`;
  return Array.isArray(value) ? value.map(quote).join(',') : quote(value);
}

function pluginFormat(value: VariableValue): string {
  return Array.isArray(value) ? `'${value.join("','")}'` : value;
}

// Grafana's variableRegex (public/app/features/variables/utils.ts).
const VARIABLE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\${(\w+)(?:\.([^:^}]+))?(?::([^}]+))?}/g;

export function replaceVariables(sql: string, variables: Record<string, VariableValue>): string {
  return sql.replace(
    VARIABLE,
    (
      match,
      plain?: string,
      bracket?: string,
      bracketFmt?: string,
      braced?: string,
      _path?: string,
      fmt?: string,
    ) => {
      const name = plain ?? bracket ?? braced!;
      if (!(name in variables)) return match;
      const value = variables[name]!;
      if (value === ALL || (Array.isArray(value) && value.includes(ALL))) {
        throw new Error(`variable '${name}' is "All" outside $__conditionalAll in: ${sql.slice(0, 200)}`);
      }
      const format = fmt ?? bracketFmt;
      if (format === undefined) return pluginFormat(value);
      if (format === 'singlequote') return singleQuote(value);
      throw new Error(`format '${format}' is not implemented by this expander`);
    },
  );
}

const seconds = (ms: number) => Math.floor(ms / 1000);
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function applyMacros(sql: string, request: GrafanaRequest): string {
  const from = seconds(request.fromMs);
  const to = seconds(request.toMs);
  const intervalS = Math.max(Math.trunc(request.intervalMs / 1000), 1);
  const timeFilter = (c: string) => `${c} >= toDateTime(${from}) AND ${c} <= toDateTime(${to})`;
  const dateFilter = (c: string) =>
    `${c} >= toDate('${day(request.fromMs)}') AND ${c} <= toDate('${day(request.toMs)}')`;
  const macros: Record<string, (args: string[]) => string> = {
    fromTime: () => `toDateTime(${from})`,
    toTime: () => `toDateTime(${to})`,
    fromTime_ms: () => `fromUnixTimestamp64Milli(${request.fromMs})`,
    toTime_ms: () => `fromUnixTimestamp64Milli(${request.toMs})`,
    timeFilter: ([c]) => timeFilter(c!),
    timeFilter_ms: ([c]) =>
      `${c} >= fromUnixTimestamp64Milli(${request.fromMs}) AND ${c} <= fromUnixTimestamp64Milli(${request.toMs})`,
    dateFilter: ([c]) => dateFilter(c!),
    dateTimeFilter: ([d, t]) => `(${dateFilter(d!)}) AND (${timeFilter(t!)})`,
    dt: ([d, t]) => `(${dateFilter(d!)}) AND (${timeFilter(t!)})`,
    timeInterval: ([c]) => `toStartOfInterval(toDateTime(${c}), INTERVAL ${intervalS} second)`,
    timeInterval_ms: ([c]) =>
      `toStartOfInterval(toDateTime64(${c}, 3), INTERVAL ${Math.max(request.intervalMs, 1)} millisecond)`,
    interval_s: () => String(intervalS),
  };
  return sql.replace(/\$__(\w+?)\b(?:\((.*?)\))?/g, (match, name: string, args?: string) => {
    const macro = macros[name];
    if (macro === undefined) throw new Error(`unknown macro ${match}`);
    return macro(args === undefined ? [] : args.split(',').map((a) => a.trim()));
  });
}

/** rawSql as ClickHouse receives it from the plugin for this request. */
export function expandPanelSql(rawSql: string, request: GrafanaRequest): string {
  return applyMacros(
    replaceVariables(applyConditionalAll(rawSql, request.variables), request.variables),
    request,
  );
}
