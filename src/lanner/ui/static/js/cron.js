// Fire times of a Schedule trigger's cron between two instants, in the trigger's time zone: the
// backfill dialog's dry-run preview (the server enumerates the real dates; conditions of the
// trigger are not evaluated here). Five fields (or six with seconds), names, ranges, steps,
// lists and the @daily-style macros; L, W and # are reported as unsupported.

const MACROS = {
  "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
};
const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

function field(text, min, max, names) {
  const values = new Set();
  for (const part of text.split(",")) {
    const [range, stepText] = part.split("/");
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error(`bad step in '${part}'`);
    const value = (t) => {
      const upper = t.toUpperCase();
      if (names && names.includes(upper)) return names.indexOf(upper) + (names === MONTHS ? 1 : 0);
      if (!/^\d+$/.test(t)) throw new Error(`'${t}' is not supported in '${text}'`);
      return Number(t);
    };
    let lo;
    let hi;
    if (range === "*" || range === "?") { lo = min; hi = max; } else if (range.includes("-")) {
      const [a, b] = range.split("-");
      lo = value(a);
      hi = value(b);
    } else {
      lo = value(range);
      hi = stepText === undefined ? lo : max;
    }
    if (lo < min || hi > max || lo > hi) throw new Error(`'${part}' is out of range ${min}-${max}`);
    for (let v = lo; v <= hi; v += step) values.add(v);
  }
  return values;
}

/** {seconds, minutes, hours, days, months, weekdays, domStar, dowStar} or throws. */
export function parseCron(expression, withSeconds = false) {
  const text = MACROS[expression.trim().toLowerCase()] || expression.trim();
  const parts = text.split(/\s+/);
  const expected = withSeconds ? 6 : 5;
  if (parts.length !== expected) throw new Error(`a cron has ${expected} fields, '${expression}' has ${parts.length}`);
  const [s, m, h, dom, mon, dow] = withSeconds ? parts : ["0", ...parts];
  const weekdays = field(dow, 0, 7, DAYS);
  if (weekdays.has(7)) { weekdays.delete(7); weekdays.add(0); }
  return {
    seconds: [...field(s, 0, 59)].sort((a, b) => a - b),
    minutes: [...field(m, 0, 59)].sort((a, b) => a - b),
    hours: [...field(h, 0, 23)].sort((a, b) => a - b),
    days: field(dom, 1, 31),
    months: field(mon, 1, 12, MONTHS),
    weekdays,
    domStar: dom === "*" || dom === "?",
    dowStar: dow === "*" || dow === "?",
  };
}

/** Offset (ms) of `zone` at instant `ms`: local wall time - UTC. */
function offsetAt(zone, ms) {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric",
    hour: "numeric", minute: "numeric", second: "numeric",
  }).formatToParts(new Date(ms));
  const get = (type) => Number(parts.find((p) => p.type === type).value);
  const wall = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour") % 24, get("minute"), get("second"));
  return wall - Math.floor(ms / 1000) * 1000;
}

/** The instant of a wall-clock time in `zone` (a time skipped by DST moves forward). */
function instantOf(zone, y, mo, d, h, mi, s) {
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  let guess = wall - offsetAt(zone, wall);
  guess = wall - offsetAt(zone, guess);
  return guess;
}

function wallDate(zone, ms) {
  const local = new Date(ms + offsetAt(zone, ms));
  return { y: local.getUTCFullYear(), m: local.getUTCMonth() + 1, d: local.getUTCDate() };
}

/** Fire times (ms) in [start, end], at most `limit`. */
export function cronDates(expression, { start, end, zone = "UTC", withSeconds = false, limit = 1000 }) {
  const cron = parseCron(expression, withSeconds);
  const out = [];
  let { y, m, d } = wallDate(zone, start);
  const last = wallDate(zone, end);
  const lastKey = last.y * 10000 + last.m * 100 + last.d;
  for (let guard = 0; guard < 40000 && y * 10000 + m * 100 + d <= lastKey; guard++) {
    const weekday = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
    const domOk = cron.days.has(d);
    const dowOk = cron.weekdays.has(weekday);
    const dayOk = cron.domStar && cron.dowStar ? true
      : cron.domStar ? dowOk : cron.dowStar ? domOk : domOk || dowOk;
    if (cron.months.has(m) && dayOk) {
      for (const h of cron.hours) {
        for (const mi of cron.minutes) {
          for (const s of cron.seconds) {
            const t = instantOf(zone, y, m, d, h, mi, s);
            if (t >= start && t <= end) {
              out.push(t);
              if (out.length >= limit) return out;
            }
          }
        }
      }
    }
    const next = new Date(Date.UTC(y, m - 1, d + 1));
    y = next.getUTCFullYear();
    m = next.getUTCMonth() + 1;
    d = next.getUTCDate();
  }
  return out;
}
