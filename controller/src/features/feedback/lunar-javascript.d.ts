/** The part of lunar-javascript the business calendar uses (the package ships no types). */
declare module 'lunar-javascript' {
  interface Holiday {
    /** A make-up workday (调休) when true; a day off otherwise. */
    isWork(): boolean;
    getName(): string;
    getDay(): string;
  }
  const lunar: {
    HolidayUtil: { getHoliday(year: number, month: number, day: number): Holiday | null };
  };
  export default lunar;
}
