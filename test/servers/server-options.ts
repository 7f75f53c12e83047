/**
 * Options of the deliberately malicious test servers: `--name value` on the command line or an
 * environment variable, so tests and the demo can tune an attack without editing the server.
 */
export function option(flag: string, envName: string, fallback: string): string {
  const args = process.argv.slice(2);
  const index = args.indexOf(`--${flag}`);
  const fromArgs = index >= 0 ? args[index + 1] : undefined;
  return fromArgs ?? process.env[envName] ?? fallback;
}

export function intOption(flag: string, envName: string, fallback: number): number {
  const text = option(flag, envName, String(fallback));
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) {
    console.error(`--${flag} / ${envName} must be a non-negative integer, got '${text}'`);
    process.exit(2);
  }
  return value;
}
