/**
 * A reporter for Node's test runner that writes the name of every test it ran, per file and with its suites,
 * as one JSON document (scripts/test-names.ts) once the run ends. `npm test` runs it beside the spec reporter:
 * `--test-reporter=./dist/scripts/test-names-reporter.js --test-reporter-destination=dist/test-names.json`;
 * `npm run docs:check` then checks the documents' citations against those names.
 */
import type { TestEvent } from "node:test/reporters";
import { TestNamesCollector } from "./test-names.js";

export default async function* testNamesReporter(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  const collector = new TestNamesCollector(process.cwd());
  for await (const event of source) collector.add(event);
  yield `${JSON.stringify(collector.result(new Date().toISOString()), null, 1)}\n`;
}
