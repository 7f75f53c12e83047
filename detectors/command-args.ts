import { parseArgs, type ParseArgsConfig } from 'node:util';
import { errorMessage } from '../model/index.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses an offline command's arguments (positionals allowed). A usage error prints the reason and
 * the usage and yields `null`, which the command turns into exit code 2.
 */
export function parseCommandArgs<O extends Options>(
  command: string,
  argv: string[],
  options: O,
  usage: string,
) {
  try {
    return parseArgs({ args: argv, allowPositionals: true, options });
  } catch (error) {
    console.error(`mcptap ${command}: ${errorMessage(error)}\n${usage}`);
    return null;
  }
}
