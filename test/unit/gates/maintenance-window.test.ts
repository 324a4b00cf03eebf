import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildWindows } from '../../../src/gates/build-windows.ts';
import { maintenanceWindowGate } from '../../../src/gates/maintenance-window-gate.ts';
import { parseTimeOfDay } from '../../../src/gates/time-of-day.ts';
import { parseWeekdays } from '../../../src/gates/weekdays.ts';

const ALL_DAYS = ['su', 'mo', 'tu', 'we', 'th', 'fr', 'sa'];

function windows(days: string, start: string, end: string, timeZone: string, cron: string[] = []) {
  const built = buildWindows({
    rebootDays: days === '' ? [] : days.split(','),
    startTime: start,
    endTime: end,
    timeZone,
    maintenanceWindows: cron,
  });
  assert.deepEqual(built.problems, []);
  return built.windows;
}

async function verdict(ws: ReturnType<typeof windows>, iso: string) {
  return (await maintenanceWindowGate(ws).evaluate({ now: new Date(iso), nodes: ['n1'] }))('n1');
}

test('every accepted time format', () => {
  const table: [string, string][] = [
    ['17:00', '17:00:00'],
    ['17:00:00', '17:00:00'],
    ['5:00pm', '17:00:00'],
    ['5:00PM', '17:00:00'],
    ['5:00 pm', '17:00:00'],
    ['5pm', '17:00:00'],
    ['5PM', '17:00:00'],
    ['05pm', '17:00:00'],
    ['17', '17:00:00'],
    ['0:00', '00:00:00'],
    ['00:00', '00:00:00'],
    ['12am', '00:00:00'],
    ['12pm', '12:00:00'],
    ['12:30am', '00:30:00'],
    ['9am', '09:00:00'],
    ['23:59:59', '23:59:59'],
    [' 7:05 ', '07:05:00'],
  ];
  for (const [text, want] of table) {
    const parsed = parseTimeOfDay(text);
    assert.ok(parsed.ok, text);
    assert.equal(new Date(parsed.value).toISOString().slice(11, 19), want, text);
  }
  for (const bad of ['', '25:00', '13pm', '0pm', '17:60', '5:0pm', 'noon', '17:00:00:00', '-1']) assert.ok(!parseTimeOfDay(bad).ok, bad);
});

test('day names and numbers, any case', () => {
  const table: [string[], number[]][] = [
    [['su', 'Sun', 'SUNDAY'], [0]],
    [
      ['mo', 'tue', 'Wednesday', 'th', 'FRI', 'sat'],
      [1, 2, 3, 4, 5, 6],
    ],
    [
      ['0', '6'],
      [0, 6],
    ],
  ];
  for (const [input, want] of table) {
    const parsed = parseWeekdays(input);
    assert.ok(parsed.ok);
    assert.deepEqual([...parsed.value].sort(), want);
  }
  for (const bad of [['7'], ['sundays'], ['m'], []]) assert.ok(!parseWeekdays(bad).ok, JSON.stringify(bad));
});

test("kured's own table (pkg/timewindow)", async () => {
  const la = windows('mon,tue,wed,thu,fri', '9am', '5pm', 'America/Los_Angeles');
  const cases: [string, boolean][] = [
    ['2019-04-04T00:49:00-07:00', false],
    ['2019-04-05T08:59:00-07:00', false],
    ['2019-04-05T09:01:00-07:00', true],
    ['2019-03-31T10:00:00-07:00', false],
    ['2019-04-04T12:00:00-07:00', true],
    ['2019-04-04T11:59:00Z', false],
  ];
  for (const [iso, open] of cases) assert.equal((await verdict(la, iso)).open, open, iso);
  const la2 = windows('mon,we,fri', '10:01', '11:30am', 'America/Los_Angeles');
  for (const [iso, open] of [
    ['2019-04-05T10:30:00-07:00', true],
    ['2019-04-06T10:30:00-07:00', false],
    ['2019-04-08T10:30:00-07:00', true],
    ['2019-04-09T10:30:00-07:00', false],
  ] as const) {
    assert.equal((await verdict(la2, iso)).open, open, iso);
  }
  const utc = windows('mo,tu,we,th,fr', '00:00', '23:59:59', 'UTC');
  assert.equal((await verdict(utc, '2019-04-18T00:00:00Z')).open, true);
  assert.equal((await verdict(utc, '2019-04-18T23:59:59.999Z')).open, true);
});

// [days, start, end, zone, now, open?, retryAt when closed]
const TABLE: [string, string, string, string, string, boolean, string | undefined][] = [
  // bounds: start inclusive, end inclusive to its last millisecond
  ['mo,tu,we,th,fr', '9:00', '17:00', 'UTC', '2026-11-27T09:00:00.000Z', true, undefined],
  ['mo,tu,we,th,fr', '9:00', '17:00', 'UTC', '2026-11-27T17:00:00.999Z', true, undefined],
  ['mo,tu,we,th,fr', '9:00', '17:00', 'UTC', '2026-11-27T17:00:01.000Z', false, '2026-11-30T09:00:00.000Z'],
  ['mo,tu,we,th,fr', '9:00', '17:00', 'UTC', '2026-11-28T12:00:00.000Z', false, '2026-11-30T09:00:00.000Z'],
  ['mo,tu,we,th,fr', '9:00', '17:00', 'UTC', '2026-11-27T08:59:59.999Z', false, '2026-11-27T09:00:00.000Z'],
  // across midnight (kured: the day is the moment's own weekday)
  ['fr', '22:00', '06:00', 'UTC', '2026-11-27T23:00:00Z', true, undefined], // Fri late
  ['fr', '22:00', '06:00', 'UTC', '2026-11-27T03:00:00Z', true, undefined], // Fri early
  ['fr', '22:00', '06:00', 'UTC', '2026-11-28T03:00:00Z', false, '2026-12-04T00:00:00.000Z'], // Sat early: closed
  ['fr', '22:00', '06:00', 'UTC', '2026-11-27T12:00:00Z', false, '2026-11-27T22:00:00.000Z'],
  ['fr,sa', '22:00', '06:00', 'UTC', '2026-11-28T03:00:00Z', true, undefined],
  ['su', '10pm', '2am', 'UTC', '2026-11-26T12:00:00Z', false, '2026-11-29T00:00:00.000Z'],
  // Europe/Berlin: spring forward 2026-03-29 02:00 CET → 03:00 CEST (01:00Z)
  ['mo,tu,we,th,fr', '9:00', '17:00', 'Europe/Berlin', '2026-03-28T12:00:00Z', false, '2026-03-30T07:00:00.000Z'],
  ['su,mo,tu,we,th,fr,sa', '2:30', '4:00', 'Europe/Berlin', '2026-03-29T00:00:00Z', false, '2026-03-29T01:00:00.000Z'], // start in the gap: opens at the jump
  ['su,mo,tu,we,th,fr,sa', '2:00', '2:30', 'Europe/Berlin', '2026-03-28T23:00:00Z', false, '2026-03-30T00:00:00.000Z'], // window wholly in the gap
  ['su,mo,tu,we,th,fr,sa', '22:00', '3:30', 'Europe/Berlin', '2026-03-29T01:10:00Z', true, undefined], // 03:10 CEST
  // Europe/Berlin: fall back 2026-10-25 03:00 CEST → 02:00 CET (01:00Z)
  ['mo,tu,we,th,fr', '9:00', '17:00', 'Europe/Berlin', '2026-10-23T18:00:00Z', false, '2026-10-26T08:00:00.000Z'],
  ['su,mo,tu,we,th,fr,sa', '0:00', '2:30', 'Europe/Berlin', '2026-10-25T00:31:00Z', false, '2026-10-25T01:00:00.000Z'], // the hour repeats
  ['su,mo,tu,we,th,fr,sa', '2:15', '2:45', 'Europe/Berlin', '2026-10-25T00:50:00Z', false, '2026-10-25T01:15:00.000Z'], // second 02:15
  // America/New_York: spring forward 2026-03-08 02:00 EST → 03:00 EDT (07:00Z); fall back 2026-11-01 02:00 EDT → 01:00 EST (06:00Z)
  ['su', '1:00', '4:00', 'America/New_York', '2026-03-08T06:59:59Z', true, undefined],
  ['su', '1:00', '4:00', 'America/New_York', '2026-03-08T07:00:00Z', true, undefined], // 03:00 EDT
  ['su', '1:00', '4:00', 'America/New_York', '2026-03-08T08:00:01Z', false, '2026-03-15T05:00:00.000Z'], // 04:00:01 EDT
  ['su,mo,tu,we,th,fr,sa', '1:30', '1:45', 'America/New_York', '2026-11-01T05:46:00Z', false, '2026-11-01T06:30:00.000Z'], // second 01:30
  ['su,mo,tu,we,th,fr,sa', '1:30', '1:45', 'America/New_York', '2026-11-01T06:46:00Z', false, '2026-11-02T06:30:00.000Z'],
  ['sa', '11pm', '5am', 'America/New_York', '2026-10-31T12:00:00Z', false, '2026-11-01T03:00:00.000Z'], // Sat 23:00 EDT
];

test('windows: membership and the exact next opening (retryAt)', async () => {
  for (const [days, start, end, zone, now, open, retry] of TABLE) {
    const v = await verdict(windows(days, start, end, zone), now);
    const label = `${days} ${start}-${end} ${zone} at ${now}`;
    assert.equal(v.open, open, label);
    if (!v.open) {
      assert.equal(v.retryAt?.toISOString(), retry, label);
      assert.equal(v.gate, 'maintenance-window');
      assert.match(v.reason, /outside the maintenance window/);
      // retryAt really opens, and nothing earlier does (checked each minute back to now)
      const ws = windows(days, start, end, zone);
      assert.equal((await verdict(ws, retry!)).open, true, `${label}: open at retryAt`);
      assert.equal((await verdict(ws, new Date(Date.parse(retry!) - 1).toISOString())).open, false, `${label}: closed just before`);
      for (let t = Date.parse(now); t < Date.parse(retry!); t += 60_000)
        assert.equal(
          ws.some((w) => w.contains(t)),
          false,
          `${label}: open earlier at ${new Date(t).toISOString()}`,
        );
    }
  }
});

test("cron maintenance windows, repeatable (OR), with kured's window left out at its defaults", async () => {
  const ws = windows(ALL_DAYS.join(','), '0:00', '23:59:59', 'Europe/Berlin', ['0 22 * * 1-5 4h', '0 10 * * 6 30m']);
  assert.equal(ws.length, 2);
  const cases: [string, boolean, string | undefined][] = [
    ['2026-11-26T21:00:00Z', true, undefined], // Thu 22:00 CET, fire time itself
    ['2026-11-27T00:59:59Z', true, undefined], // Fri 01:59:59
    ['2026-11-27T01:00:00Z', false, '2026-11-27T21:00:00.000Z'], // 4h over
    ['2026-11-28T09:15:00Z', true, undefined], // Sat 10:15
    ['2026-11-28T09:30:00Z', false, '2026-11-30T21:00:00.000Z'], // Sat 10:30 → Mon 22:00
    ['2026-03-28T09:45:00Z', false, '2026-03-30T20:00:00.000Z'], // Mon 22:00 CEST after spring forward
  ];
  for (const [now, open, retry] of cases) {
    const v = await verdict(ws, now);
    assert.equal(v.open, open, now);
    if (!v.open) assert.equal(v.retryAt?.toISOString(), retry, now);
  }
  // With a restricted kured window too, either one opens the gate.
  const both = windows('sa', '12:00', '13:00', 'UTC', ['0 22 * * 1-5 4h']);
  assert.equal(both.length, 2);
  assert.equal((await verdict(both, '2026-11-28T12:30:00Z')).open, true);
  assert.equal((await verdict(both, '2026-11-26T23:00:00Z')).open, true);
  const closed = await verdict(both, '2026-11-28T14:00:00Z');
  assert.equal(closed.open ? '' : closed.retryAt?.toISOString(), '2026-11-30T22:00:00.000Z');
});

test('defaults mean no restriction', async () => {
  const ws = windows(ALL_DAYS.join(','), '0:00', '23:59:59', 'UTC');
  for (const iso of ['2026-11-26T00:00:00Z', '2026-11-29T23:59:59.999Z', '2026-11-27T12:34:56Z'])
    assert.equal((await verdict(ws, iso)).open, true);
});

test('every bad spec is reported at once', () => {
  const { problems } = buildWindows({
    rebootDays: ['mo', 'funday'],
    startTime: '25:00',
    endTime: '5:00xm',
    timeZone: 'Mars/Olympus',
    maintenanceWindows: ['0 22 * * 1-5', '61 * * * * 1h', '0 22 * * * soon', '@daily 2h'],
  });
  assert.equal(problems.length, 7, problems.join('\n'));
  assert.match(problems.join('\n'), /--time-zone: "Mars\/Olympus"/);
  assert.match(problems.join('\n'), /--reboot-days: "funday"/);
  assert.match(problems.join('\n'), /--start-time: "25:00"/);
  assert.match(problems.join('\n'), /--end-time: "5:00xm"/);
  assert.match(problems.join('\n'), /--maintenance-window: "61 \* \* \* \* 1h"/);
});
