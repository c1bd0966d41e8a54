// Queries a kpi store with DuckDB alone, the way docs/engines.md tells an
// analyst to: read_json over the sealed segment files, no kpi code.
//
// usage: node duckdb_query.mjs DATA_DIR DAY_DIR
//   DAY_DIR: a day of the layout, e.g. 2013/02/21 (the date-range query)
// Prints one JSON object: {"records", "distinct_ids", "by_hour": {hour:
// count}, "by_language": {language: count}, "day_records", "day_hours"}.
import { DuckDBInstance } from '@duckdb/node-api';

const [dataDir, dayDir] = process.argv.slice(2);
if (!dataDir || !dayDir) {
  console.error('usage: node duckdb_query.mjs DATA_DIR YYYY/MM/DD');
  process.exit(2);
}

// Segments are zstd files of JSON lines; kpi's header and index are zstd
// skippable frames, which the zstd decoder skips.
const segments = (glob) =>
  `read_json('${dataDir}/segments/${glob}', format='newline_delimited', compression='zstd')`;
const all = segments('*/*/*/*/*.kpi.zst');

const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
const rows = async (sql) => (await connection.runAndReadAll(sql)).getRowObjectsJson();
const toMap = (list, key) => Object.fromEntries(list.map((r) => [r[key], Number(r.n)]));

const [totals] = await rows(`SELECT count(*) AS n, count(DISTINCT _id) AS ids FROM ${all}`);
const byHour = await rows(
  `SELECT strftime(epoch_ms(timestamp), '%Y-%m-%dT%H') AS hour, count(*) AS n
     FROM ${all} GROUP BY hour ORDER BY hour`);
const byLanguage = await rows(
  `SELECT coalesce(language, '') AS language, count(*) AS n
     FROM ${all} GROUP BY ALL ORDER BY language`);
// A date range through the directory layout: only that day's files are read.
const [day] = await rows(
  `SELECT count(*) AS n, count(DISTINCT strftime(epoch_ms(timestamp), '%H')) AS hours
     FROM ${segments(`${dayDir}/*/*.kpi.zst`)}`);

console.log(JSON.stringify({
  records: Number(totals.n),
  distinct_ids: Number(totals.ids),
  by_hour: toMap(byHour, 'hour'),
  by_language: toMap(byLanguage, 'language'),
  day_records: Number(day.n),
  day_hours: Number(day.hours),
}));
