import { defaultBaselinePath } from '../baseline/naming.js';
import type { PythonGcSettings } from '../samples/protocol.js';
import type { InterruptSignal } from '../run/interrupts.js';
import { profileGc, type GcProfileResult, type GcProfileSettings } from './gc-profile.js';
import { RoundRobin } from './round-robin.js';
import type { ProgressSink } from './session.js';

/**
 * `gc-profile --sweep`: one gc-profile series per setting, its runs interleaved round by
 * round with the other settings' (round-robin.ts), each series its own baseline. A setting
 * is applied from outside the program: Node flags on the child's command line (a
 * scenario's execArgv; a command's node arguments or NODE_OPTIONS), Python's collector by
 * memkit's agent (python/memkit_agent/tuning.py) from the run's agent config.
 */

export type SweepKnob = 'gc.threshold' | 'gc.freeze' | 'node-arg';

export interface SweepSetting {
  /** As the user wrote it: "7000,10,10", "on", "--max-semi-space-size=16". */
  label: string;
  /** Added after the command's own --node-arg flags. */
  nodeArgs: string[];
  pythonGc?: PythonGcSettings;
}

export interface SweepSpec {
  knob: SweepKnob;
  settings: SweepSetting[];
}

export interface SweptSetting {
  setting: SweepSetting;
  result: GcProfileResult;
}

export interface SweepResult {
  knob: SweepKnob;
  settings: SweptSetting[];
  interrupted?: InterruptSignal;
}

/** `base.json` → `base.sweep-1.json`, `base.sweep-2.json`, … (1 is the reference setting). */
export function sweepBaselinePath(outPath: string, index: number): string {
  const stem = outPath.replace(/\.json$/i, '');
  return `${stem}.sweep-${index + 1}.json`;
}

export async function sweepGc(s: GcProfileSettings, spec: SweepSpec, progress?: ProgressSink): Promise<SweepResult> {
  const outPath = s.outPath ?? defaultBaselinePath('gc-profile', `sweep-${spec.knob}`, new Date());
  const robin = new RoundRobin(spec.settings.length);
  const series = spec.settings.map(async (setting, i): Promise<GcProfileResult> => {
    try {
      return await profileGc(
        {
          ...s,
          outPath: sweepBaselinePath(outPath, i),
          nodeArgs: [...s.nodeArgs, ...setting.nodeArgs],
          pythonGc: setting.pythonGc,
          sweepSetting: `${spec.knob}=${setting.label}`,
          turn: robin.turn(i),
        },
        progress,
      );
    } finally {
      robin.leave(i);
    }
  });
  const settled = await Promise.allSettled(series);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  const results = settled.map((r) => (r as PromiseFulfilledResult<GcProfileResult>).value);
  return {
    knob: spec.knob,
    settings: results.map((result, i) => ({ setting: spec.settings[i]!, result })),
    interrupted: results.find((r) => r.interrupted)?.interrupted,
  };
}
