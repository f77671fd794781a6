/**
 * The CLI's commands by name, apart from their modules: the launcher needs them before it loads
 * anything (a code cache is kept per command, and none for a name that is not a command), and
 * main registers exactly these (a test holds the two together).
 */
export const COMMAND_NAMES: readonly string[] = [
  'certs',
  'discover',
  'run',
  'list',
  'demo',
  'serve-reference',
  'verify-report',
  'diff',
  'init',
  'register',
];
