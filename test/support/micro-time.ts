/** A Kubernetes time (`…Z`, `….123Z`, MicroTime `….123456Z`) in microseconds since the epoch, so that a microsecond counts. */
export function microsecondsOf(text: string): number {
  const match = /^(.*?)(?:\.(\d{1,6}))?Z$/.exec(text);
  if (!match) return Number.NaN;
  return Date.parse(`${match[1]}Z`) * 1000 + Number((match[2] ?? '').padEnd(6, '0'));
}
