import { listBuiltinScenarios, loadScenario } from '../../scenario/loader.js';

/** `--list`: every built-in scenario with its variants and parameters. */
export async function listScenarios(): Promise<string> {
  const lines: string[] = [];
  for (const name of listBuiltinScenarios()) {
    const { definition: d } = await loadScenario(name);
    lines.push(`${d.name} — ${d.description}`);
    const def = d.defaultVariant ?? Object.keys(d.variants)[0];
    for (const [v, spec] of Object.entries(d.variants)) {
      lines.push(`  --variant ${v}${v === def ? ' (default)' : ''}: ${spec.description}`);
    }
    for (const [p, spec] of Object.entries(d.params ?? {})) {
      lines.push(`  --param ${p}=${JSON.stringify(spec.default)}: ${spec.description}`);
    }
    lines.push('');
  }
  return lines.join('\n').trimEnd();
}
