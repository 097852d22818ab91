import { readFile } from 'node:fs/promises';

/**
 * Resident memory of a process in MiB: now, and the most it has had since it
 * started (what a memory limit must allow); from /proc (Linux).
 */
export async function residentMemory(pid: number): Promise<{ readonly now: number; readonly peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const mib = (field: string) =>
    Math.round((Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1] ?? Number.NaN) / 1024) * 10) / 10;
  return { now: mib('VmRSS'), peak: mib('VmHWM') };
}

/** User plus system CPU time a process has used so far, in seconds (Linux clock ticks of 1/100 s). */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which may contain spaces, start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / 100;
}
