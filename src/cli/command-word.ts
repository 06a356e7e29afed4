/**
 * The command word of a memkit command line: the first argument after memkit's own
 * options (`memkit help diff` names diff). Whether it is one of memkit's commands is the
 * caller's question.
 */
export function commandWord(argv: string[]): string | undefined {
  const args = argv.slice(2).filter((a) => a !== '--debug');
  return args[0] === 'help' ? args[1] : args[0];
}
