import { CARRIER2_FILES } from './carrier2-config.js';

/** The shell the push runs in the carrier2 container (contract §4 "Push": busybox's sh). */
export const CARRIER2_PUSH_SHELL: readonly string[] = ['busybox', 'sh'];

/**
 * The push as one exec: the shell given the whole script as its `-c`
 * argument. Gefyra 2.5.4 fed an interactive shell one line every 0.5 s on
 * stdin; one argument needs no stdin (the ExecApi has none) and no waiting.
 */
export function carrier2PushCommand(configYaml: string, options: PushOptions = {}): string[] {
  return [...CARRIER2_PUSH_SHELL, '-c', carrier2PushScript(configYaml, options)];
}

export interface PushOptions {
  /** carrier2 logs at debug level (`RUST_LOG=debug`), as Gefyra 2.5.4 starts it with GEFYRA_CARRIER2_DEBUG. */
  readonly debug?: boolean;
}

/**
 * The push's script: write the configuration, ask the running carrier2
 * to hand over (SIGQUIT) and start the new one as its upgrade (`-u`), or start
 * it plain when none ran; then show its log, emptied first. The
 * here-document's end marker is chosen so that no line of the configuration
 * can end it early.
 */
export function carrier2PushScript(configYaml: string, options: PushOptions = {}): string {
  let marker = 'GEFYRA_CARRIER2_CONFIG';
  while (configYaml.split('\n').includes(marker)) marker = `${marker}_`;
  const { config, log, pid } = CARRIER2_FILES;
  const carrier2 = options.debug ? 'RUST_LOG=debug carrier2' : 'carrier2';
  return [
    `cat <<'${marker}' > ${config}`,
    configYaml.endsWith('\n') ? configYaml.slice(0, -1) : configYaml,
    marker,
    // The log then tells of this push alone: a panic of an earlier one must not fail it.
    `: > ${log}`,
    // busybox's kill succeeds when given an empty pid: a missing pid file must not read as a running carrier2.
    `running=$(cat ${pid} 2>/dev/null)`,
    `if [ -n "$running" ] && kill -QUIT "$running" 2>/dev/null; then`,
    `  ${carrier2} -c ${config} -u -d`,
    'else',
    `  ${carrier2} -c ${config} -d > ${log} 2>&1`,
    'fi',
    `cat ${log}`,
    '',
  ].join('\n');
}

export type PushOutcome = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Whether carrier2 took the configuration, read from its log as the push prints it. */
export function carrier2PushOutcome(log: string): PushOutcome {
  const panic = /thread '[^']*' panicked at[^\n]*(\n[^\n]*)?/.exec(log);
  if (panic) return { ok: false, reason: `carrier2 refused the configuration: ${panic[0].trim()}` };
  // An upgrade with nobody to hand over to (the old carrier2 already gone) bootstraps and then fails.
  const failed = /Bootstrap failed[^\n]*/.exec(log);
  if (failed) return { ok: false, reason: `carrier2 did not start with the configuration: ${failed[0].trim()}` };
  if (!log.includes('Bootstrap starting')) {
    return { ok: false, reason: 'carrier2 did not start with the configuration (no "Bootstrap starting" in its log)' };
  }
  return { ok: true };
}
