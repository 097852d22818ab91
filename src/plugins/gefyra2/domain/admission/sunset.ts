const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:[.,]\d{1,6})?)?)?(?:[+-](\d{2}):?(\d{2})(?::?\d{2})?)?)?$/;

/**
 * Whether a `sunset` parses as the 2.5 operator parses it (Python's
 * `datetime.fromisoformat` after stripping `Z`): an ISO 8601 date, or date
 * and time with optional fraction and UTC offset, with real calendar values.
 */
export function parseSunset(text: string): Date | undefined {
  const match = ISO_DATE_TIME.exec(text.replace(/^Z+|Z+$/g, ''));
  if (!match) return undefined;
  const [, year, month, day, hour = '0', minute = '0', second = '0', offsetHours = '0', offsetMinutes = '0'] = match;
  const date = new Date(
    Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second)),
  );
  const calendarHolds =
    date.getUTCFullYear() === Number(year) &&
    date.getUTCMonth() === Number(month) - 1 &&
    date.getUTCDate() === Number(day) &&
    Number(hour) < 24 &&
    Number(minute) < 60 &&
    Number(second) < 60 &&
    Number(offsetHours) < 24 &&
    Number(offsetMinutes) < 60;
  return calendarHolds ? date : undefined;
}
