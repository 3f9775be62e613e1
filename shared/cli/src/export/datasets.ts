// The open datasets: rows from the index, k-anonymity applied, as CSV columns with their
// Frictionless Data field descriptions. A suppressed value is an empty field.
import type { CsvValue } from './csv.js';
import type { ProblemRow, VideoDayRow, WeekRow } from './queries.js';
import { protectTotal, suppressSmall, type Cell } from './suppress.js';

export interface Field {
  name: string;
  type: 'string' | 'integer' | 'number' | 'date';
  description: string;
}

export interface Dataset {
  name: string;
  path: string;
  title: string;
  description: string;
  fields: Field[];
  rows: CsvValue[][];
  published: number;
  suppressed: number;
}

const course: Field = {
  name: 'course_id',
  type: 'string',
  description: 'Course key as published by the privacy policy (kept, or keyed when courseKey=keyed-hash).',
};

/** A value with at least k learners behind it, else empty. */
const gate = (v: { value: number; learners: number }, k: number): number | null =>
  v.learners >= k ? v.value : null;

export function videoDataset(rows: VideoDayRow[], k: number): Dataset {
  const published = rows.filter((r) => r.viewers >= k);
  return {
    name: 'course-videos-daily',
    path: 'course_videos_daily.csv',
    title: 'Video activity per course, video and day',
    description: 'One row per course, video and UTC day with at least k distinct viewers.',
    fields: [
      course,
      {
        name: 'video_id',
        type: 'string',
        description: 'Video activity id (query string and user path segments removed).',
      },
      { name: 'day', type: 'date', description: 'UTC day (statement timestamp).' },
      {
        name: 'views',
        type: 'integer',
        description: 'Video loads (initialized statements); empty if fewer than k learners loaded it.',
      },
      {
        name: 'viewers',
        type: 'integer',
        description: 'Distinct learners with any statement about the video that day (always >= k).',
      },
      {
        name: 'complete_views',
        type: 'integer',
        description: 'Completed statements; empty if fewer than k learners completed it.',
      },
      {
        name: 'downloads',
        type: 'integer',
        description: 'Downloaded statements; empty if fewer than k learners downloaded it.',
      },
    ],
    rows: published.map((r) => [
      r.course,
      r.video,
      r.day,
      gate(r.views, k),
      r.viewers,
      gate(r.completeViews, k),
      gate(r.downloads, k),
    ]),
    published: published.length,
    suppressed: rows.length - published.length,
  };
}

export function problemDataset(rows: ProblemRow[], k: number): Dataset {
  const published = rows.filter((r) => r.learners >= k);
  return {
    name: 'course-problems',
    path: 'course_problems.csv',
    title: 'Problem attempts per course and problem',
    description: 'One row per course and problem with at least k distinct learners (whole period).',
    fields: [
      course,
      { name: 'problem_id', type: 'string', description: 'Problem activity id.' },
      {
        name: 'attempts',
        type: 'integer',
        description: 'Graded submissions (evaluated or answered statements).',
      },
      { name: 'learners', type: 'integer', description: 'Distinct learners who submitted (always >= k).' },
      {
        name: 'success_rate',
        type: 'number',
        description: 'Share of attempts with result.success = true (3 decimals).',
      },
    ],
    rows: published.map((r) => [
      r.course,
      r.problem,
      r.attempts,
      r.learners,
      Math.round((r.successes / r.attempts) * 1000) / 1000,
    ]),
    published: published.length,
    suppressed: rows.length - published.length,
  };
}

interface WeekCell extends Cell {
  row: WeekRow;
}

export function weekDataset(rows: WeekRow[], k: number): Dataset {
  const out: CsvValue[][] = [];
  let published = 0;
  let suppressed = 0;
  const courses = [...new Set(rows.map((r) => r.course))].sort();
  for (const c of courses) {
    const weeks = rows
      .filter((r) => r.course === c && r.week !== 'all')
      .sort((a, b) => a.week.localeCompare(b.week));
    const total = rows.find((r) => r.course === c && r.week === 'all');
    const visible = weeks.filter((w) => w.active >= k);
    suppressed += weeks.length - visible.length;
    // Enrollments add up to the course total: a hidden week must not be recoverable by subtraction.
    const cells: WeekCell[] = suppressSmall(
      weeks.map((w) => ({
        row: w,
        value: w.enrollments.value,
        learners: w.active >= k ? w.enrollments.learners : 0,
        suppressed: false,
      })),
      k,
    );
    const totalCell: Cell = {
      value: total?.enrollments.value ?? 0,
      learners: total?.enrollments.learners ?? 0,
      suppressed: false,
    };
    const totalOk = total !== undefined && protectTotal(cells, totalCell, k);
    for (const cell of cells) {
      if (cell.row.active < k) continue;
      out.push([c, cell.row.week, cell.row.active, cell.suppressed ? null : cell.value]);
      published += 1;
    }
    if (total && total.active >= k) {
      out.push([c, 'all', total.active, totalOk ? total.enrollments.value : null]);
      published += 1;
    } else if (total) suppressed += 1;
  }
  return {
    name: 'course-weeks',
    path: 'course_weeks.csv',
    title: 'Active learners and enrollments per course and week',
    description:
      'One row per course and ISO week (Monday, UTC) with at least k active learners, plus one row per course with week = "all" (whole period).',
    fields: [
      course,
      {
        name: 'week',
        type: 'string',
        description: 'Monday of the ISO week (yyyy-MM-dd, UTC), or "all" for the whole period.',
      },
      {
        name: 'active_learners',
        type: 'integer',
        description: 'Distinct learners with any statement in the course that week (always >= k).',
      },
      {
        name: 'enrollments',
        type: 'integer',
        description:
          'Enrollment (registered) statements; empty when fewer than k learners enrolled, or when needed so that the course total does not reveal a hidden week.',
      },
    ],
    rows: out,
    published,
    suppressed,
  };
}
