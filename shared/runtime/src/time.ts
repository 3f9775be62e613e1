// Times typed by operators. Date.parse rolls impossible dates over (30 February becomes 2 March),
// which would silently change a replay's window: every command checks the calendar with this.

/** Throws when `text` starts with a YYYY-MM-DD date that is not in the calendar. */
export function assertCalendarDate(text: string): void {
  const date = /^(\d{4})-(\d{2})-(\d{2})/.exec(text.trim());
  if (!date) return;
  const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > days) throw new Error(`"${text}" is not a calendar date`);
}
