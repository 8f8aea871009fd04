// Counts a results file of the http-cache-tests suite by test kind (required, optimal, check).
const dir = process.env.SUITE_DIR || '.'
const { default: index } = await import(dir + '/package/tests/index.mjs')
import fs from 'fs'
const file = process.argv[2]
const results = JSON.parse(fs.readFileSync(file))
const counts = {}
const failures = []
for (const suite of index) {
  for (const test of suite.tests) {
    const kind = test.kind || 'required'
    const r = results[test.id]
    let outcome
    if (r === true) outcome = 'pass'
    else if (r === undefined) outcome = 'missing'
    else if (Array.isArray(r) && r[0] === 'Setup') outcome = 'setup'
    else if (Array.isArray(r) && r[0] === 'Retry') outcome = 'retry'
    else outcome = 'fail'
    counts[kind] = counts[kind] || {}
    counts[kind][outcome] = (counts[kind][outcome] || 0) + 1
    if (kind === 'required' && outcome !== 'pass') failures.push(test.id + ' :: ' + JSON.stringify(r))
  }
}
console.log(JSON.stringify(counts))
if (process.argv[3] === '-v') failures.forEach(f => console.log(f))
