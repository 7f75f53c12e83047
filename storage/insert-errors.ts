/**
 * What a failed insert means for the rows in it. ClickHouse answers rows whose content it cannot
 * read into their columns with one of a few parse errors: those rows are refused for good, and
 * retrying them would stall the sink forever. Anything else (no connection, a timeout, the server
 * overloaded, a table or a permission missing) says nothing about the rows, which are retried.
 */

/** ClickHouse error codes (src/Common/ErrorCodes.cpp) that blame the inserted values. */
const REFUSED_VALUE_CODES: ReadonlyMap<number, string> = new Map([
  [6, 'CANNOT_PARSE_TEXT'],
  [25, 'CANNOT_PARSE_ESCAPE_SEQUENCE'],
  [26, 'CANNOT_PARSE_QUOTED_STRING'],
  [27, 'CANNOT_PARSE_INPUT_ASSERTION_FAILED'],
  [38, 'CANNOT_PARSE_DATE'],
  [41, 'CANNOT_PARSE_DATETIME'],
  [53, 'TYPE_MISMATCH'],
  [69, 'ARGUMENT_OUT_OF_BOUND'],
  [70, 'CANNOT_CONVERT_TYPE'],
  [72, 'CANNOT_PARSE_NUMBER'],
  [117, 'INCORRECT_DATA'],
  [131, 'TOO_LARGE_STRING_SIZE'],
  [691, 'UNKNOWN_ELEMENT_OF_ENUM'],
]);

/**
 * The server's error code: @clickhouse/client parses it into `code` from modern servers' messages;
 * older ones (18.16: `Code: 27, e.displayText() = …`) only have it at the start of the message.
 * Node's own errors carry non-numeric codes (`ECONNREFUSED`), which are not the server's.
 */
export function clickhouseErrorCode(error: unknown): number | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code } = error as { code?: unknown };
  const text =
    typeof code === 'string' && /^\d+$/.test(code) ? code : /^Code: (\d+)[.,]/.exec(error.message)?.[1];
  return text === undefined ? undefined : Number(text);
}

/** The error's name when ClickHouse refused the values themselves (the same rows would be refused again). */
export function valuesRefused(error: unknown): string | undefined {
  const code = clickhouseErrorCode(error);
  return code === undefined ? undefined : REFUSED_VALUE_CODES.get(code);
}
