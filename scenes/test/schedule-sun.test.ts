import { describe, expect, it } from 'vitest';
import { sunTime } from '../src/schedule/sun.js';
import { localToEpoch } from '../src/schedule/zone.js';

/**
 * An independent reference: the equations of NOAA's Solar Calculator spreadsheet
 * (NOAA Global Monitoring Laboratory, "NOAA_Solar_Calculations_day.xls",
 * https://gml.noaa.gov/grad/solcalc/calcdetails.html; after Jean Meeus, "Astronomical Algorithms"),
 * column by column: Julian century, geometric mean longitude and anomaly of the sun, eccentricity,
 * equation of centre, apparent longitude, corrected obliquity, declination, equation of time,
 * hour angle of sunrise at 90.833°, solar noon, sunset = noon + HA × 4 min. Evaluated at the sunset
 * instant itself (two passes), as the spreadsheet is when its time column is set to that hour.
 */
function noaaSunset(year: number, month: number, day: number, lat: number, lon: number, tzHours: number): number {
  const rad = Math.PI / 180;
  const deg = 180 / Math.PI;
  const jdMidnight = Date.UTC(year, month - 1, day) / 86_400_000 + 2440587.5; // JD of 0h UT of the date
  let fraction = 18 / 24; // local time of day, first guess
  let sunsetLocalMin = 0;
  for (let pass = 0; pass < 2; pass++) {
    const jd = jdMidnight + fraction - tzHours / 24;
    const jc = (jd - 2451545) / 36525;
    const l0 = (280.46646 + jc * (36000.76983 + jc * 0.0003032)) % 360;
    const m = 357.52911 + jc * (35999.05029 - 0.0001537 * jc);
    const e = 0.016708634 - jc * (0.000042037 + 0.0000001267 * jc);
    const c = Math.sin(m * rad) * (1.914602 - jc * (0.004817 + 0.000014 * jc)) + Math.sin(2 * m * rad) * (0.019993 - 0.000101 * jc) + Math.sin(3 * m * rad) * 0.000289;
    const trueLong = l0 + c;
    const appLong = trueLong - 0.00569 - 0.00478 * Math.sin((125.04 - 1934.136 * jc) * rad);
    const meanObliq = 23 + (26 + (21.448 - jc * (46.815 + jc * (0.00059 - jc * 0.001813))) / 60) / 60;
    const obliq = meanObliq + 0.00256 * Math.cos((125.04 - 1934.136 * jc) * rad);
    const decl = Math.asin(Math.sin(obliq * rad) * Math.sin(appLong * rad)) * deg;
    const y = Math.tan((obliq / 2) * rad) ** 2;
    const eqTime =
      4 * deg * (y * Math.sin(2 * l0 * rad) - 2 * e * Math.sin(m * rad) + 4 * e * y * Math.sin(m * rad) * Math.cos(2 * l0 * rad) - 0.5 * y * y * Math.sin(4 * l0 * rad) - 1.25 * e * e * Math.sin(2 * m * rad));
    const haSunrise = deg * Math.acos(Math.cos(90.833 * rad) / (Math.cos(lat * rad) * Math.cos(decl * rad)) - Math.tan(lat * rad) * Math.tan(decl * rad));
    const solarNoonMin = 720 - 4 * lon - eqTime + tzHours * 60;
    sunsetLocalMin = solarNoonMin + haSunrise * 4;
    fraction = sunsetLocalMin / 1440;
  }
  return Date.UTC(year, month - 1, day) - tzHours * 3_600_000 + sunsetLocalMin * 60_000;
}

// Rong County (荣县), Sichuan.
const LAT = 29.45;
const LON = 104.42;
const TZ = 'Asia/Shanghai';

describe('sun times (suncalc)', () => {
  const dates: Array<[number, number, number]> = [...Array.from({ length: 12 }, (_, i): [number, number, number] => [2026, i + 1, 15]), [2026, 6, 21], [2026, 12, 21]];
  it.each(dates)('sunset in Rong County on %i-%i-%i is within 2 minutes of NOAA’s equations', (y, m, d) => {
    const day = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
    const got = sunTime('sunset', day, LAT, LON, TZ)!;
    const ref = noaaSunset(y, m, d, LAT, LON, 8);
    expect(Math.abs(got - ref) / 60_000).toBeLessThan(2);
  });

  it('puts the evening events in order on the civil day, and dawn/sunrise in the morning', () => {
    const day = '2026-09-25';
    const sunrise = sunTime('sunrise', day, LAT, LON, TZ)!;
    const sunset = sunTime('sunset', day, LAT, LON, TZ)!;
    const dusk = sunTime('dusk', day, LAT, LON, TZ)!;
    const dawn = sunTime('dawn', day, LAT, LON, TZ)!;
    expect(dawn).toBeLessThan(sunrise);
    expect(sunrise).toBeLessThan(sunset);
    expect(sunset).toBeLessThan(dusk);
    expect(dusk - sunset).toBeGreaterThan(20 * 60_000); // civil twilight at ~30° N lasts about 25 minutes
    expect(dusk - sunset).toBeLessThan(30 * 60_000);
    expect(sunset).toBeGreaterThan(localToEpoch(TZ, day, 18 * 60 + 30));
    expect(sunset).toBeLessThan(localToEpoch(TZ, day, 19 * 60 + 30));
  });

  it('answers null when the event does not happen (polar day and night)', () => {
    expect(sunTime('sunset', '2026-06-21', 78.22, 15.65, 'Arctic/Longyearbyen')).toBeNull();
    expect(sunTime('sunrise', '2026-12-21', 78.22, 15.65, 'Arctic/Longyearbyen')).toBeNull();
    expect(sunTime('dusk', '2026-06-21', 65, 25, 'Europe/Helsinki')).toBeNull(); // white night: never −6°
    expect(sunTime('sunset', '2026-06-21', 65, 25, 'Europe/Helsinki')).not.toBeNull();
  });
});
