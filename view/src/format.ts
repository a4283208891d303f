// Formatting of amounts and dates with the host's locale (hostContext.locale) when it gives one.

let locale: string | undefined;
let timeZone: string | undefined;

export function setLocale(l: string | undefined, tz: string | undefined): void {
  locale = l && isLocale(l) ? l : undefined;
  timeZone = tz && isTimeZone(tz) ? tz : undefined;
}

function isLocale(l: string): boolean {
  try {
    return Intl.NumberFormat.supportedLocalesOf([l]).length > 0;
  } catch {
    return false;
  }
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat(undefined, { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** 40000 + "USD" → "$40,000.00"; an invalid currency code → "40,000 XYZ"; no code → "40,000". */
export function money(amount: number, currency: string | undefined): string {
  if (currency) {
    try {
      return new Intl.NumberFormat(locale, { style: "currency", currency }).format(amount);
    } catch {
      return `${num(amount)} ${currency}`;
    }
  }
  return num(amount);
}

export const num = (n: number): string => new Intl.NumberFormat(locale, { maximumFractionDigits: 20 }).format(n);

/** "2026-12-31" → "Dec 31, 2026" (the calendar date as written, whatever the time zone). */
export function day(ymd: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd);
  if (!m) return ymd;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  if (Number.isNaN(d.getTime())) return ymd;
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "UTC" }).format(d);
}

/** An RFC 3339 instant in the host's time zone, or the string as it is. */
export function instant(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone }).format(d);
}
