/** The small part of lunar-javascript 1.7 (which ships no types) that the schedule uses. */
declare module 'lunar-javascript' {
  export interface SolarDay {
    getYear(): number;
    getMonth(): number;
    getDay(): number;
    toYmd(): string;
    getLunar(): LunarDay;
    next(days: number): SolarDay;
  }
  export interface LunarDay {
    getYear(): number;
    /** negative for a leap month: -6 = 闰六月 */
    getMonth(): number;
    getDay(): number;
    getSolar(): SolarDay;
    getJieQi(): string;
    getJieQiTable(): Record<string, SolarDay>;
  }
  export interface LunarMonthInfo {
    getYear(): number;
    getMonth(): number;
    getDayCount(): number;
    isLeap(): boolean;
  }
  export interface LunarYearInfo {
    getLeapMonth(): number;
    getMonths(): LunarMonthInfo[];
  }
  export interface HolidayInfo {
    getDay(): string;
    getName(): string;
    isWork(): boolean;
    getTarget(): string;
  }
  export const Solar: { fromYmd(year: number, month: number, day: number): SolarDay };
  export const Lunar: { fromYmd(year: number, month: number, day: number): LunarDay };
  export const LunarYear: { fromYear(year: number): LunarYearInfo };
  export const LunarMonth: { fromYm(year: number, month: number): LunarMonthInfo | null };
  export const HolidayUtil: {
    getHoliday(ymd: string): HolidayInfo | null;
    getHolidays(year: number): HolidayInfo[];
  };
}
